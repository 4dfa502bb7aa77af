// `sysmt synth`: one config synthesised (area, cells, flip-flops, timing with Yosys and OpenSTA) into
// one output folder, committed only when the whole run succeeded.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/cli.hpp"
#include "common/config.hpp"
#include "common/output.hpp"
#include "synth/flow.hpp"

namespace sysmt::cli {

namespace {

namespace fs = std::filesystem;

struct SynthCliOptions {
  std::string config, out;
  synth::Options o;
};

void run_synth_cli(const SynthCliOptions& so) {
  const Config cfg = load_config(so.config);
  const synth::Liberty lib = synth::check_inputs(so.o);
  const fs::path out = so.out.empty() ? fs::path("reports") / ("synth-" + cfg.name) : fs::path(so.out);
  OutputSet outputs;
  const fs::path tmp = outputs.folder(out, synth::kOutputMarker);
  const synth::SynthReport r = synth::run_synth(cfg, lib, so.o, tmp, synth::progress_printer("synth"));
  outputs.commit();
  std::cout << synth::report_markdown(r);
  synth::progress_printer("synth")(fmt::format("report: {}/{}.synth.md and .synth.json", out.string(), cfg.name));
}

void add_synth(CLI::App& app) {
  auto so = std::make_shared<SynthCliOptions>();
  CLI::App* sub = app.add_subcommand("synth",
                                     "Synthesise a config's array (Yosys, any liberty) and time it (OpenSTA): area, cells, "
                                     "flip-flops, critical path, fmax");
  sub->add_option("config", so->config, "Array configuration (YAML)")->required();
  sub->add_option("--liberty", so->o.liberty, "Standard-cell liberty file")->capture_default_str();
  CLI::Option* period = sub->add_option("--period", so->o.period_ns, "Clock period in ns (default: the config's synth.clock_period_ns)");
  sub->add_option("-o,--out", so->out, "Output folder (default reports/synth-<name>)");
  sub->add_flag("--gate-sim", so->o.gate_sim, "Also write gate-sim/<name>.v (netlist + cell models) for `sysmt verify --rtl`");
  sub->add_option("--abc-runs", so->o.abc_runs, "ABC mapping runs; the smallest total area is kept")
      ->capture_default_str()
      ->check(CLI::Range(1, 32));
  sub->add_flag("--flatten", so->o.flatten, "Flatten before mapping (slow for large arrays; used by the cross-check)");
  sub->add_option("--sta", so->o.sta_mode,
                  "Array timing: whole (one flattened OpenSTA run), modular (parts with registered boundaries, composed), or auto "
                  "(modular above 64 PEs)")
      ->check(CLI::IsMember({"auto", "whole", "modular"}))
      ->capture_default_str();
  sub->callback([so, period] {
    if (period->count() > 0) synth::check_period_option(so->o.period_ns);
    run_synth_cli(*so);
  });
}

const Register reg_synth(40, add_synth);

}  // namespace

}  // namespace sysmt::cli
