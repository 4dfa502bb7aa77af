// The synthesis flow behind `sysmt synth` and `sysmt compare`: generated RTL -> Yosys (hierarchical,
// mapped to any liberty; synth/yosys) -> area (synth/area) -> OpenSTA (PE and array; synth/timing) ->
// one typed report (synth/report). Scripts come from synth/templates/*.in, filled from the config.
#pragma once

#include <filesystem>
#include <string>

#include "common/config.hpp"
#include "synth/liberty.hpp"
#include "synth/progress.hpp"
#include "synth/report.hpp"

namespace sysmt::synth {

struct Options {
  std::string liberty = kDefaultLiberty;
  double period_ns = 0;  // <= 0: the config's synth.clock_period_ns
  bool flatten = false;  // flatten before mapping (cross-check only: slow for large arrays)
  bool timing = true;    // run OpenSTA
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

// The marker file of a folder written by `sysmt synth` (OutputSet::folder).
inline constexpr const char* kOutputMarker = ".sysmt-synth";

// An explicit --period: a positive number of ns, at most 1e6 (InputError otherwise). 0 inside Options
// means "the config's", so the command line checks what the user gave before it gets there.
void check_period_option(double ns);

// Checks that the tools exist, the liberty is usable and the period is sane: InputError for bad
// input, ToolError for a missing tool. Call before creating any output.
Liberty check_inputs(const Options& o);

// Synthesises `cfg` in `work` (an existing, empty folder it fills with RTL, scripts, logs, netlist and
// the report files <name>.synth.json and <name>.synth.md) and returns the report. Tool failures throw
// ToolError with the log's tail and the command that reproduces them.
SynthReport run_synth(const Config& cfg, const Liberty& lib, const Options& o, const std::filesystem::path& work, const Progress& progress);

}  // namespace sysmt::synth
