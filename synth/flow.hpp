// The synthesis flow behind `sysmt synth` and `sysmt compare`: generated RTL -> Yosys (hierarchical,
// mapped to any liberty) -> OpenSTA (PE and array) -> one report. Scripts come from synth/*.in, filled
// from the config; areas and the NAND2-equivalent come from the liberty, read here once.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "common/config.hpp"

namespace sysmt::synth {

// Debian's qflow-tech-osu018 package: the default library (a package path, not this machine's).
inline constexpr const char* kDefaultLiberty = "/usr/share/qflow/tech/osu018/osu018_stdcells.lib";

// What the flow needs from a liberty file, found by cell function rather than by cell name, so that
// OSU, Nangate45 or sky130 libraries work unchanged.
struct Liberty {
  std::string path, library;
  double time_unit_ns = 1.0;     // time_unit
  double cap_unit_pf = 1.0;      // capacitive_load_unit
  std::string corner;            // default_operating_conditions and nom_process/voltage/temperature
  std::map<std::string, double> area;  // every cell's area (library units, um^2 in practice)
  std::set<std::string> sequential;    // cells with an ff, ff_bank, latch or statetable group
  std::string nand2, buffer, inverter;  // smallest cell of each function ("" when absent)
  double nand2_area = 0, nand2_input_cap = 0;
  bool has_plain_dff = false;  // some cell is a D flip-flop on a rising edge (for dfflibmap)
  // The smallest plain D flip-flop (no set/reset) and its pins: the boundary shells of modular timing.
  std::string dff, dff_clk, dff_d, dff_q;
};

// Parses the liberty; InputError naming the file when it cannot be read or lacks a NAND2 or a D flip-flop.
Liberty read_liberty(const std::string& path);

// Evaluates a liberty `function` string for the given pin values (exposed for tests).
bool eval_function(const std::string& expr, const std::map<std::string, bool>& pins);

struct Options {
  std::string liberty = kDefaultLiberty;
  double period_ns = 0;   // <= 0: the config's synth.clock_period_ns
  bool flatten = false;   // flatten before mapping (cross-check only: slow for large arrays)
  bool timing = true;     // run OpenSTA
  // ABC mapping runs (the first with Yosys's default script, the others after a seeded permutation of
  // ABC's inputs); the run with the smallest total area is kept (docs/synthesis.md).
  int abc_runs = 4;
  bool gate_sim = false;  // also write gate-sim/<name>.v: netlist plus cell models, for `sysmt verify --rtl`
  // Array timing: "whole" times the flattened array in one OpenSTA run (memory grows with the PE count:
  // 8.7 GB at 64x64 T=4); "modular" times the PE and the drain column alone and the rest of the array with
  // those modules replaced by flip-flop shells at their ports, then composes (docs/synthesis.md); "auto"
  // is whole up to kModularAbovePes PEs and modular above (always whole when flattened).
  std::string sta_mode = "auto";
};
inline constexpr int kModularAbovePes = 64;

using Progress = std::function<void(const std::string&)>;

// Checks that the tools exist, the liberty is usable and the period is sane: InputError otherwise.
// Call before creating any output.
Liberty check_inputs(const Options& o);

// Synthesises `cfg` in `work` (an existing, empty folder it fills with RTL, scripts, logs, netlist and
// the report files <name>.synth.json and <name>.synth.md) and returns the report. Tool failures throw
// InputError with the log's tail and the command that reproduces them.
nlohmann::json run_synth(const Config& cfg, const Liberty& lib, const Options& o, const std::filesystem::path& work,
                         const Progress& progress);

// The Markdown form of a run_synth report.
std::string report_markdown(const nlohmann::json& r);

// Tool version strings ("Yosys 0.23 ...", "OpenSTA 2.0.17").
std::string yosys_version();
std::string sta_version();

// Replaces `dir` by `tmp` (rename) when `dir` is absent, empty or holds earlier sysmt synthesis output
// (marker file .sysmt-synth); otherwise InputError.
void check_output_dir(const std::filesystem::path& dir);
void commit_output_dir(const std::filesystem::path& tmp, const std::filesystem::path& dir);

}  // namespace sysmt::synth
