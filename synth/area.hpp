// Area from Yosys's cell counts and the liberty's cell areas: per module, per module kind and for the
// array, and which module is which (the one place that classifies module names).
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "synth/liberty.hpp"
#include "synth/report.hpp"

namespace sysmt::synth {

// The module names the flow picks out of a synthesised array, and each module's kind ("pe", "skew",
// "drain+control", "other"). The generator's naming lives here only; switching to the generator's own
// header is a change to these three functions.
std::string pe_module(const std::string& top);
std::string drain_module(const std::string& top);
std::string module_kind(const std::string& module, const std::string& top);

// One module of a mapped design: its own cells and, after totalling, those of its submodules.
struct Mod {
  std::string name, kind;
  double own_area = 0, ff_area = 0;
  long own_cells = 0, own_ff = 0;
  std::map<std::string, long> subs;
  double area = 0;  // with submodules
  long cells = 0, ff = 0, instances = 0;
  bool totalled = false;
};
using Mods = std::map<std::string, Mod>;

// Yosys's `stat -json` output. Yosys 0.23 writes the submodule counts of a hierarchy deeper than one
// level as plain text lines into the JSON's design section: every line with no JSON punctuation is
// dropped. ToolError when it is still not JSON.
nlohmann::json read_stat_json(const std::filesystem::path& file);

// Total cell area of every module in a `stat -json` (cells the liberty does not know count 0).
double stat_area(const nlohmann::json& stat, const Liberty& lib);

// Area, cells and flip-flops of every module, totalled over submodules, with the instance count of
// each module in the design under `top`.
Mods read_areas(const nlohmann::json& stat, const Liberty& lib, const std::string& top);

// Fills the report's area fields (array totals, kinds, modules, PE) from `mods`.
void fill_area(const Mods& mods, const Liberty& lib, const std::string& top, SynthReport& r);

// The array's area had every synthesis unit used its run i (AbcRuns::array_area_um2_by_run).
std::vector<double> array_area_by_run(const Mods& mods, const AbcRuns& runs, double array_area);

}  // namespace sysmt::synth
