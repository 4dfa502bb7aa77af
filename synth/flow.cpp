// run_synth: the flow's steps in order.
#include "synth/flow.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "common/error.hpp"
#include "common/output.hpp"
#include "common/process.hpp"
#include "gen/rtl_generate.hpp"
#include "synth/area.hpp"
#include "synth/timing.hpp"
#include "synth/yosys.hpp"

namespace sysmt::synth {

namespace fs = std::filesystem;

namespace {

// Writes the generated RTL to work/rtl; returns the module names (one Verilog file each, leaves first).
std::vector<std::string> write_rtl(const rtl::Generated& g, const fs::path& work) {
  fs::create_directories(work / "rtl");
  std::vector<std::string> modules;
  for (const auto& f : g.files) {
    write_file_atomic(work / "rtl" / f.name, f.content);
    if (f.name.size() > 2 && f.name.substr(f.name.size() - 2) == ".v") modules.push_back(f.name.substr(0, f.name.size() - 2));
  }
  return modules;
}

// The report's fields that come from the config, the options and the liberty.
SynthReport report_header(const Config& cfg, const Liberty& lib, const Options& o, double period_ns) {
  SynthReport r;
  r.version = SYSMT_VERSION;
  r.config = cfg.name;
  r.config_file = fs::path(cfg.source).filename().string();
  r.config_hash = cfg.hash();
  r.rows = cfg.rows;
  r.cols = cfg.cols;
  r.threads = cfg.threads;
  r.acc_bits = cfg.acc_bits;
  r.pipeline = cfg.pipeline_stages();
  r.rounding = to_string(cfg.rounding);
  r.zero_skip = to_string(cfg.zero_skip);
  r.flatten = o.flatten;
  r.sta_mode = o.sta_mode;
  r.liberty = {lib.path, lib.library, lib.corner, lib.time_unit_ns, lib.nand2, lib.nand2_area, lib.driving_cell()};
  r.clock_period_ns = period_ns;
  r.netlist = cfg.name + ".netlist.v";
  return r;
}

bool modular_timing(const Config& cfg, const Options& o) {
  return !o.flatten && (o.sta_mode == "modular" || (o.sta_mode == "auto" && cfg.rows * cfg.cols > kModularAbovePes));
}

}  // namespace

void check_period_option(double ns) {
  if (!(ns > 0 && ns <= 1e6))
    throw InputError(fmt::format("--period {}: expected a clock period in ns, greater than 0 and at most 1e6", ns));
}

Liberty check_inputs(const Options& o) {
  if (o.sta_mode != "auto" && o.sta_mode != "whole" && o.sta_mode != "modular")
    throw InputError("--sta " + o.sta_mode + ": expected auto, whole or modular");
  if (!(o.period_ns >= 0) || !std::isfinite(o.period_ns) || o.period_ns > 1e6)
    throw InputError(fmt::format("--period {}: expected a clock period in ns, greater than 0", o.period_ns));
  if (!on_path("yosys")) throw ToolError("synth: yosys not found on PATH (apt-get install yosys)");
  if (o.timing && !on_path("sta")) throw ToolError("synth: sta (OpenSTA) not found on PATH (apt-get install opensta)");
  return read_liberty(o.liberty);
}

SynthReport run_synth(const Config& cfg, const Liberty& lib, const Options& o, const fs::path& work, const Progress& progress) {
  const auto t_start = std::chrono::steady_clock::now();
  const double period_ns = o.period_ns > 0 ? o.period_ns : cfg.clock_period_ns;
  SynthReport r = report_header(cfg, lib, o, period_ns);

  const rtl::Generated g = rtl::generate_rtl(cfg);
  YosysJob yj{lib,       work,       cfg.name, write_rtl(g, work), {g.facts.top, g.facts.act_skew, g.facts.wgt_skew}, period_ns,
              o.flatten, o.abc_runs, progress};
  r.flip_flops_expected = g.facts.flip_flops;
  progress(fmt::format("{}: RTL generated ({}x{}, {} threads, P = {}, {} flip-flops expected)", cfg.name, cfg.rows, cfg.cols, cfg.threads,
                       cfg.pipeline_stages(), g.facts.flip_flops));

  const YosysResult y = run_yosys(yj);
  const Mods mods = read_areas(y.stat, lib, cfg.name);
  fill_area(mods, lib, cfg.name, r);
  r.abc_runs = y.runs;
  r.abc_runs.array_area_um2_by_run = array_area_by_run(mods, y.runs, r.area_um2);
  progress(fmt::format("{}: area {:.0f} um^2 ({:.0f} NAND2-eq), {} cells, {} flip-flops", cfg.name, r.area_um2, r.nand2_eq, r.cells,
                       r.flip_flops));

  StaJob sj{lib, work, cfg.name, period_ns, progress, 0};
  if (o.timing) r.timing = run_timing(sj, mods, modular_timing(cfg, o));
  if (o.gate_sim) write_gate_sim_netlist(yj);

  r.tools = {yosys_version(work), o.timing ? sta_version(work) : std::string()};
  r.run_time_s = {y.seconds, sj.seconds, std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count()};
  write_file_atomic(work / (cfg.name + ".synth.json"), nlohmann::json(r).dump(2) + "\n");
  write_file_atomic(work / (cfg.name + ".synth.md"), report_markdown(r));
  return r;
}

}  // namespace sysmt::synth
