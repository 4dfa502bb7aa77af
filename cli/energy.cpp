// `sysmt energy`: energy per layer and per inference of the 1T (P0, P1), 2T and 4T arrays of a config on
// a workload's data, from gate-level activity and OpenSTA power. The work is energy/energy.hpp's run_energy.
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cli/cli.hpp"
#include "energy/energy.hpp"

namespace sysmt::cli {

namespace {

struct EnergyCli {
  std::string config, workload, out, cache;
  energy::EnergyOptions o;
  bool quiet = false, no_rest = false;
};

void run(const EnergyCli& c) {
  energy::EnergyOptions o = c.o;
  o.rest = !c.no_rest;
  o.gate.cache = c.cache;
  const energy::EnergyReport r = energy::run_energy(c.config, c.workload, o, c.out, c.quiet);
  std::string s = fmt::format("{} on {}x{}, {} activity, {:.0f} s: energy per inference (common clock {:.2f} ns)", r.workload_name, r.rows,
                              r.cols, r.activity, r.seconds, r.common_period_ns);
  for (const auto& d : r.designs)
    s += fmt::format("; {} {:.3f} mJ ({:+.1f} % vs 1T P1)", d.label, d.energy_common_j * 1e3, d.vs_baseline_common * 100);
  std::printf("%s\n", s.c_str());
}

void add_energy(CLI::App& app) {
  auto c = std::make_shared<EnergyCli>();
  CLI::App* sub = app.add_subcommand("energy", "Energy per layer and per inference of the 1T/2T/4T arrays on a workload (docs/energy.md)");
  sub->add_option("config", c->config, "Array configuration (YAML): rows, cols, arithmetic; threads and pipeline are swept")->required();
  sub->add_option("--workload", c->workload, "Network file, one convolution per line (configs/workloads/*.txt)")->required();
  sub->add_option("--prune", c->o.data.prune, "Fraction of each layer's weights zeroed by magnitude")
      ->check(CLI::Range(0.0, 0.99))
      ->capture_default_str();
  sub->add_option("--act-zero", c->o.data.act_zero, "Default fraction of zero activations")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  sub->add_option("--act-scale", c->o.data.act_scale, "Default sigma (LSBs) of the non-zero activations")
      ->check(CLI::Range(0.001, 10000.0))
      ->capture_default_str();
  sub->add_option("--seed", c->o.seed, "Seed of the synthetic data and of the sampled windows")->capture_default_str();
  sub->add_option("--positions", c->o.positions, "PE positions sampled per layer (0: every PE)")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  sub->add_option("--min-edges", c->o.min_edges, "Measured edges per layer, at least (whole tiles)")
      ->check(CLI::Range(1L, 10000000L))
      ->capture_default_str();
  sub->add_flag("--no-rest", c->no_rest, "Do not simulate the rest of the array (skew, drain, control): PEs only");
  sub->add_option("-j,--jobs", c->o.jobs, "Designs measured at a time (0: two, one on a one-core machine); the figures do not depend on it")
      ->capture_default_str()
      ->check(CLI::Range(0, 4));
  sub->add_flag("--timed", c->o.timed,
                "Glitch-aware activity: SDF-timed event-driven simulation (OpenSTA delays, Icarus Verilog) instead of zero-delay");
  sub->add_option("--liberty", c->o.gate.liberty, "Liberty file")->capture_default_str();
  sub->add_option("--cache", c->cache, "Folder of built gate-level models (default $SYSMT_CACHE/energy or ~/.cache/sysmt/energy)");
  sub->add_option("-o,--output", c->out, "Output folder (default reports/energy-<config name>)");
  sub->add_flag("-q,--quiet", c->quiet, "No progress lines");
  sub->callback([c] { run(*c); });
}

const Register reg(65, add_energy);

}  // namespace

}  // namespace sysmt::cli
