// The runner behind `sysmt verify`: Verilator compiles it together with one array's RTL (prefix Vdut).
// It runs N random GEMMs of random shapes, densities, mappings and in_valid gaps through the same
// harness as the ctest regression, and prints one JSON line with the verdict on stdout.
//   Vdut CONFIG.yaml GEMMS SEED PIPELINE [TRACE.fst FROM TO]
#include <verilated.h>
#if VM_TRACE
#include <verilated_fst_c.h>
#endif

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>

#include "Vdut.h"
#include "common/config.hpp"
#include "verify/harness.hpp"
#include "verify/stimulus.hpp"

using namespace sysmt;
using namespace sysmt::tb;

int main(int argc, char** argv) {
  if (argc != 5 && argc != 8) {
    std::fprintf(stderr, "usage: %s CONFIG.yaml GEMMS SEED PIPELINE [TRACE.fst FROM TO]\n", argv[0]);
    return 2;
  }
  const Config c = load_config(argv[1]);
  const int gemms = std::atoi(argv[2]);
  const std::uint64_t seed = std::strtoull(argv[3], nullptr, 10);
  const ArrayParams p = ArrayParams::from(c, std::atoi(argv[4]));

  auto ctx = std::make_unique<VerilatedContext>();
  ctx->fatalOnError(false);
  ctx->randReset(2);
  ctx->randSeed(static_cast<int>(seed & 0x7fffffff));
  auto dut = std::make_unique<Vdut>(ctx.get(), "dut");
  Driver<Vdut> drv(*dut, p);
  std::uint64_t edges = 0;  // edges since the start, for the trace window
#if VM_TRACE
  std::unique_ptr<VerilatedFstC> tfp;
  std::uint64_t from = 0, to = 0;
  if (argc == 8) {
    ctx->traceEverOn(true);
    tfp = std::make_unique<VerilatedFstC>();
    dut->trace(tfp.get(), 99);
    tfp->open(argv[5]);
    from = std::strtoull(argv[6], nullptr, 10);
    to = std::strtoull(argv[7], nullptr, 10);
    drv.on_eval = [&](std::uint64_t t) {
      edges = t / 2;
      if (edges >= from && edges <= to) tfp->dump(t);
    };
  }
#else
  if (argc == 8) {
    std::fprintf(stderr, "runner built without tracing\n");
    return 2;
  }
#endif
  drv.reset();

  Coverage cov;
  cov.threads = c.threads;
  cov.can_saturate = c.rounding != Rounding::Truncate;
  Stimulus s(seed);
  const bool tty = ::isatty(2) != 0;
  nlohmann::json out;
  std::uint64_t cycles = 0;
  int done = 0;
  std::string failure, failed_case;
  for (int i = 0; i < gemms; ++i) {
    GemmCase g;
    const int M = s.uniform(1, 3 * p.rows + 1), K = s.uniform(1, 24 * p.threads), N = s.uniform(1, 3 * p.cols + 1);
    const Values kind = static_cast<Values>(s.uniform(0, 8));
    s.operands(kind, M, K, N, g.x, g.w);
    g.mapping = s.uniform(0, 1) ? Mapping::Blocked : Mapping::Interleaved;
    g.valid = ValidPattern{s.uniform(0, 1) ? 1.0 : 0.3 + 0.6 * s.unit(), seed + static_cast<std::uint64_t>(i)};
    RunResult r = run_gemm(drv, p, g, &cov);
    cycles += r.cycles;
    if (!r.ok) {
      failure = r.message;
      failed_case = "GEMM " + std::to_string(i + 1) + " of " + std::to_string(gemms) + ": " + std::to_string(M) + "x" + std::to_string(K) +
                    "x" + std::to_string(N) + ", " + to_string(kind) + ", " + to_string(g.mapping) + ", in_valid density " +
                    std::to_string(g.valid.density);
      break;
    }
    ++done;
    if (tty || done % 10 == 0 || done == gemms)
      std::fprintf(stderr, tty ? "\r[verify] GEMM %d/%d passed" : "[verify] GEMM %d/%d passed\n", done, gemms);
  }
  if (tty) std::fprintf(stderr, "\n");
  dut->final();
#if VM_TRACE
  if (tfp) tfp->close();
#endif
  nlohmann::json covj = nlohmann::json::object();
  for (auto& [name, n] : cov.classes()) covj[name] = n;
  out["pass"] = failure.empty() && !ctx->gotError();
  out["gemms_passed"] = done;
  out["gemms"] = gemms;
  out["cycles"] = cycles;
  out["coverage"] = covj;
  out["coverage_missed"] = cov.missed();
  out["failure"] = failure;
  out["failed_case"] = failed_case;
  out["verilator_error"] = ctx->gotError();
  std::printf("%s\n", out.dump().c_str());
  return out["pass"].get<bool>() ? 0 : 1;
}
