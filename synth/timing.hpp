// Timing with OpenSTA: the PE alone, and the array whole (one flattened run) or modular (the PE and
// the drain column alone, the rest of the array with those modules replaced by flip-flop shells at
// their ports, composed: docs/synthesis.md).
#pragma once

#include <filesystem>
#include <string>

#include "synth/area.hpp"
#include "synth/liberty.hpp"
#include "synth/progress.hpp"
#include "synth/report.hpp"

namespace sysmt::synth {

struct StaJob {
  const Liberty& lib;
  std::filesystem::path work;  // holds <top>.netlist.v; scripts and logs go here
  std::string top;
  double period_ns = 10;
  Progress progress;
  double seconds = 0;  // OpenSTA wall time, summed over the runs
};

// Worst path of `design` (a module of the netlist) timed whole. ToolError when OpenSTA fails or
// reports no path.
PathTiming time_whole(StaJob& job, const std::string& design, const std::string& tag);

// The array timed modularly; nullopt (after saying why) when a shelled module's boundary is not
// registered or the liberty has no plain D flip-flop: the caller then times it whole.
std::optional<ArrayTiming> time_modular(StaJob& job, const Mods& mods);

// The PE (when it is a module of the netlist) and the array: modular when `modular`, else (or when
// modular timing is not possible) whole.
TimingReport run_timing(StaJob& job, const Mods& mods, bool modular);

// "OpenSTA 2.0.17" ("" when it cannot be asked); the query's output goes to a log in `dir`.
std::string sta_version(const std::filesystem::path& dir);

}  // namespace sysmt::synth
