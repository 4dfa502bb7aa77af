// Golden-model throughput in MAC/s on the shape of a ResNet-18 3x3 conv layer with 256 channels
// (M = 196, K = 2304, N = 256), for T = 1, 2, 4 beside a plain exact int32 GEMM. Not a test: the figures
// go to docs/performance.md. Run: build/sim/bench_golden --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include "sim/golden/nbsmt.hpp"
#include "sim/golden/random_operands.hpp"

namespace {

constexpr int kM = 196, kK = 2304, kN = 256;

struct Operands {
  sysmt::IntMatrix x, w;
  Operands() { sysmt::random_operands(kM, kK, kN, 1, sysmt::OperandDist{0.5, 0.0, 255}, x, w); }
};
const Operands& ops() {
  static const Operands o;
  return o;
}

void report(benchmark::State& st) {
  st.counters["MAC/s"] =
      benchmark::Counter(static_cast<double>(kM) * kK * kN * static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}

void BM_ExactInt32(benchmark::State& st) {
  for (auto _ : st) benchmark::DoNotOptimize(sysmt::gemm_exact(ops().x, ops().w, 32));
  report(st);
}
BENCHMARK(BM_ExactInt32)->Unit(benchmark::kMillisecond);

void BM_NbsmtValues(benchmark::State& st) {
  const sysmt::Arith ar{static_cast<int>(st.range(0)), sysmt::Rounding::HalfUp, sysmt::ZeroSkip::Both, 32};
  for (auto _ : st) benchmark::DoNotOptimize(sysmt::gemm_nbsmt(ar, ops().x, ops().w, sysmt::Mapping::Interleaved));
  report(st);
}
BENCHMARK(BM_NbsmtValues)->Arg(1)->Arg(2)->Arg(4)->ArgName("T")->Unit(benchmark::kMillisecond);

void BM_NbsmtValuesAndStats(benchmark::State& st) {
  const sysmt::Arith ar{static_cast<int>(st.range(0)), sysmt::Rounding::HalfUp, sysmt::ZeroSkip::Both, 32};
  for (auto _ : st) benchmark::DoNotOptimize(sysmt::gemm(ar, ops().x, ops().w, sysmt::Mapping::Interleaved));
  report(st);
}
BENCHMARK(BM_NbsmtValuesAndStats)->Arg(1)->Arg(2)->Arg(4)->ArgName("T")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
