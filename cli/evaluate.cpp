// `sysmt evaluate`: speedup (cycle model) and numerical cost (golden model) of NB-SMT on a network's
// convolution layers, as Markdown, JSON and gnuplot plots. The work is sim/eval/eval_report.hpp's
// run_evaluate (load and check every input, evaluate, write every output as one set).
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cli/cli.hpp"
#include "cli/options.hpp"

#include "sim/eval/eval_report.hpp"

namespace sysmt::cli {

namespace {

struct EvaluateOptions {
  std::string config, workload, out;
  EvalOptions eval;
  bool quiet = false;
};

void run(const EvaluateOptions& o) {
  EvaluateRun r = run_evaluate(o.config, o.workload, o.eval, o.out, o.quiet);
  const EvaluateReport& ev = r.eval;
  if (!r.written.plots && !o.quiet) std::fprintf(stderr, "sysmt evaluate: warning: %s\n", r.written.plot_message.c_str());
  if (o.quiet) return;
  std::string s = fmt::format("{} on {}x{} ({}), {:.1f} s: ", ev.workload_name, ev.rows, ev.cols, ev.config_name, ev.seconds);
  s += fmt::format("speedup {:.3f}x (T=2), {:.3f}x (T=4); ", ev.perf_for(2).speedup, ev.perf_for(4).speedup);
  auto sq = [](double v) { return std::isinf(v) ? std::string("inf") : fmt::format("{:.2f} dB", v); };
  s += fmt::format("SQNR (MAC-weighted, interleaved) {} (T=2), {} (T=4)\n", sq(ev.numeric_for(2, Mapping::Interleaved).sqnr_db),
                   sq(ev.numeric_for(4, Mapping::Interleaved).sqnr_db));
  std::fputs(s.c_str(), stderr);
  for (const auto& f : r.written.files) std::printf("%s\n", f.string().c_str());
}

void add_evaluate(CLI::App& app) {
  auto o = std::make_shared<EvaluateOptions>();
  CLI::App* sub =
      app.add_subcommand("evaluate", "Speedup and numerical cost of NB-SMT (T = 1, 2, 4) per layer of a network (docs/evaluation.md)");
  sub->add_option("config", o->config, "Array configuration (YAML): rows, cols and arithmetic; threads is swept")->required();
  sub->add_option("--workload", o->workload,
                  "Network file, one convolution per line (configs/workloads/*.txt), or a SCALE-Sim topology (.csv)")
      ->required();
  sub->add_option("--prune", o->eval.data.prune, "Fraction of each layer's weights zeroed by magnitude (e.g. 0 or 0.4)")
      ->check(CLI::Range(0.0, 0.99))
      ->capture_default_str();
  add_seed_option(sub, o->eval.seed, "Seed of the synthetic data and of the row sample");
  add_max_memory_option(sub);
  sub->add_option(
         "--sample", o->eval.sample,
         fmt::format("Fraction of each layer's output pixels run through the golden model (at least {} rows; 1 = all)", kMinSampleRows))
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  sub->add_option("--act-zero", o->eval.data.act_zero, "Default fraction of zero activations (a layer may override it)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  sub->add_option("--act-scale", o->eval.data.act_scale,
                  "Default sigma, in LSBs, of the half-normal non-zero activations (a layer may override it)")
      ->check(CLI::Range(0.001, 10000.0))
      ->capture_default_str();
  sub->add_option("-o,--output", o->out, "Output folder (default reports/evaluate-<config name>)");
  sub->add_flag("-q,--quiet", o->quiet, "No progress lines and no summary");
  sub->callback([o] { run(*o); });
}

const Register reg(60, add_evaluate);

}  // namespace

}  // namespace sysmt::cli
