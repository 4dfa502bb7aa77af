// The typed report of one synthesis run (`sysmt synth`, <name>.synth.json) and its Markdown form. The
// JSON is written and read only through to_json/from_json below (nlohmann ADL); field names are the
// members' names.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace sysmt::synth {

struct LibertyInfo {
  std::string file, library, corner;
  double time_unit_ns = 1;
  std::string nand2_cell;
  double nand2_area_um2 = 0;
  std::string abc_driving_cell;
};

// Cells of one module kind over the whole array ("pe", "skew", "drain+control", "other").
struct KindArea {
  double area_um2 = 0, ff_area_um2 = 0;
  long cells = 0, flip_flops = 0;
  double share = 0, nand2_eq = 0;  // of the array's area; area / NAND2 area
};

// One module's own cells (without its submodules) and how many instances the array holds.
struct ModuleArea {
  std::string name, kind;
  long instances = 0;
  double area_um2 = 0, ff_area_um2 = 0, comb_area_um2 = 0;
  long cells = 0, flip_flops = 0;
};

struct PeArea {
  std::string module;
  double area_um2 = 0, nand2_eq = 0;
  long cells = 0, flip_flops = 0;
  double ff_area_um2 = 0, comb_area_um2 = 0;
};

// The worst register-to-register (or port) path of one OpenSTA run.
struct PathTiming {
  double critical_path_ns = 0, fmax_mhz = 0, slack_ns = 0;
  std::string startpoint, endpoint;
  int path_lines = 0;
};

// One part of a modularly timed array: a shelled module alone (PE, drain column) or the frame.
struct PartTiming {
  double critical_path_ns = 0;
  std::string startpoint, endpoint;
  double input_to_register_ns = 0, input_to_register_setup_ns = 0, register_to_output_ns = 0;  // shelled modules
  bool output_registered = true, input_to_output_path = false;
  double to_shell_ns = 0, shell_setup_ns = 0;  // the frame
  std::string to_shell_endpoint;
};

struct ArrayTiming : PathTiming {
  std::string method;  // "whole" or "modular"
  bool boundary_registered = false;
  double into_shelled_ns = 0;               // modular: the frame into a shelled module's input logic
  std::map<std::string, PartTiming> parts;  // modular only
};

struct TimingReport {
  std::optional<PathTiming> pe;  // absent when flattened
  ArrayTiming array;
};

// ABC mapping runs of one synthesis unit (one module, or the whole design when flattened).
struct UnitRuns {
  std::string module;
  std::vector<double> areas_um2;  // the unit's area in each run
  int kept = 1;                   // 1-based index of the run kept (the smallest)
  double seconds = 0;
};

struct AbcRuns {
  int runs = 1;
  std::vector<UnitRuns> units;
  // The array's area had every unit used its run i (units with fewer runs: their only run). The reported
  // area keeps each unit's smallest run, so it is at most the smallest of these.
  std::vector<double> array_area_um2_by_run;
};

struct ToolVersions {
  std::string yosys, sta;
};

struct RunTimes {
  double yosys = 0, sta = 0, total = 0;
};

struct SynthReport {
  std::string tool = "sysmt synth", version, config, config_file, config_hash;
  int rows = 0, cols = 0, threads = 0, acc_bits = 0;
  int pipeline = 0;  // P, the PE's accumulate stages (Config::pipeline_stages())
  std::string rounding, zero_skip;
  bool flatten = false;
  std::string sta_mode;
  LibertyInfo liberty;
  double clock_period_ns = 0;
  double area_um2 = 0, nand2_eq = 0;
  long cells = 0, flip_flops = 0, flip_flops_expected = 0;
  std::map<std::string, KindArea> kinds;
  std::vector<ModuleArea> modules;
  std::optional<PeArea> pe;
  std::optional<TimingReport> timing;  // absent without OpenSTA
  ToolVersions tools;
  RunTimes run_time_s;
  AbcRuns abc_runs;
  std::string netlist;

  // The array's area in um^2 of kind `k` (0 when the array has none).
  double kind_area(const std::string& k) const;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LibertyInfo, file, library, corner, time_unit_ns, nand2_cell, nand2_area_um2, abc_driving_cell)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(KindArea, area_um2, ff_area_um2, cells, flip_flops, share, nand2_eq)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ModuleArea, name, kind, instances, area_um2, ff_area_um2, comb_area_um2, cells, flip_flops)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PeArea, module, area_um2, nand2_eq, cells, flip_flops, ff_area_um2, comb_area_um2)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PathTiming, critical_path_ns, fmax_mhz, slack_ns, startpoint, endpoint, path_lines)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PartTiming, critical_path_ns, startpoint, endpoint, input_to_register_ns, input_to_register_setup_ns,
                                   register_to_output_ns, output_registered, input_to_output_path, to_shell_ns, shell_setup_ns,
                                   to_shell_endpoint)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ArrayTiming, critical_path_ns, fmax_mhz, slack_ns, startpoint, endpoint, path_lines, method,
                                   boundary_registered, into_shelled_ns, parts)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(UnitRuns, module, areas_um2, kept, seconds)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(AbcRuns, runs, units, array_area_um2_by_run)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ToolVersions, yosys, sta)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RunTimes, yosys, sta, total)
void to_json(nlohmann::json& j, const TimingReport& v);
void from_json(const nlohmann::json& j, TimingReport& v);
void to_json(nlohmann::json& j, const SynthReport& v);
void from_json(const nlohmann::json& j, SynthReport& v);

// The Markdown form (<name>.synth.md).
std::string report_markdown(const SynthReport& r);

// Reads a <name>.synth.json; InputError naming the file when it is not a synthesis report.
SynthReport read_synth_report(const std::string& path);

// min, median (mean of the middle two for an even count) and max of `v` (all 0 when empty).
struct Spread {
  double min = 0, median = 0, max = 0;
};
Spread spread_of(std::vector<double> v);
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Spread, min, median, max)

}  // namespace sysmt::synth
