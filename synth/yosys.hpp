// Yosys runs: the synthesis units (one per module, or one for the flattened design), each mapped by ABC
// several times; per unit the run with the smallest area is kept, and the kept runs' statistics and
// netlists are put together (<top>.netlist.v, stat.json).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "synth/liberty.hpp"
#include "synth/progress.hpp"
#include "synth/report.hpp"

namespace sysmt::synth {

struct YosysJob {
  const Liberty& lib;
  std::filesystem::path work;  // rtl/ holds one <module>.v per module; units go to yosys/<module>/
  std::string top;
  std::vector<std::string> modules;  // every module, leaves first, top last
  std::set<std::string> wrappers;    // modules that mostly instantiate others: one ABC run
  double period_ns = 10;
  bool flatten = false;
  int abc_runs = 4;
  Progress progress;
};

struct YosysResult {
  nlohmann::json stat;  // `stat -json` of the kept runs, every module
  AbcRuns runs;         // without array_area_um2_by_run (that needs the instance counts)
  double seconds = 0;   // wall time of all units
};

YosysResult run_yosys(const YosysJob& job);

// The mapped netlist plus Yosys's models of the liberty's cells: gate-sim/<top>.v, for `sysmt verify --rtl`.
void write_gate_sim_netlist(const YosysJob& job);

// "Yosys 0.23 (...)" ("" when it cannot be asked); the query's output goes to a log in `dir`.
std::string yosys_version(const std::filesystem::path& dir);

}  // namespace sysmt::synth
