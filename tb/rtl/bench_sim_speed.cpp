// Simulation speed of a Verilated array (Google Benchmark, not a test): simulated clock cycles per
// second while streaming random K-groups with in_valid always 1 and a tile boundary every 64 groups.
// Built twice from the same RTL, at the regression's optimisation level (-Os) and at -O2; the figures
// and the Icarus Verilog comparison (scripts/bench-sim.sh) go to docs/verification.md.
#include <benchmark/benchmark.h>

#include <random>

#include "verify/harness.hpp"
#include BENCH_MODEL_HEADER

namespace {

using Model = BENCH_MODEL;

void BM_StreamKGroups(benchmark::State& st) {
  VerilatedContext ctx;
  Model m(&ctx, "dut");
  sysmt::tb::ArrayParams p;
  p.rows = BENCH_ROWS;
  p.cols = BENCH_COLS;
  p.threads = BENCH_THREADS;
  p.acc_bits = BENCH_ACC;
  sysmt::tb::Driver<Model> d(m, p);
  d.reset();
  // A pool of random beats, cycled through, so the benchmark measures the model rather than the feeder.
  std::mt19937 g(1);
  std::vector<sysmt::tb::Beat> pool(256);
  for (size_t i = 0; i < pool.size(); ++i) {
    pool[i].act.resize(static_cast<size_t>(p.rows * p.threads));
    pool[i].wgt.resize(static_cast<size_t>(p.cols * p.threads));
    for (int& a : pool[i].act) a = g() % 3 ? static_cast<int>(g() % 256) : 0;
    for (int& w : pool[i].wgt) w = static_cast<int>(g() % 256) - 128;
    pool[i].last = i % 64 == 63;
  }
  std::uint64_t cycles = 0;
  sysmt::tb::OutBeat o;
  for (auto _ : st) {
    for (int i = 0; i < 1000; ++i) {
      d.present(&pool[cycles % pool.size()], true);
      benchmark::DoNotOptimize(d.edge(o));
      ++cycles;
    }
  }
  m.final();
  st.counters["cycles/s"] = benchmark::Counter(static_cast<double>(cycles), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StreamKGroups)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
