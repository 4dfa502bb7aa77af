// Timed (glitch-aware) gate-level activity for `sysmt energy --timed` (docs/energy.md, "Glitch-aware
// (timed) figures"): the same flattened netlist and streams as the zero-delay Verilator counter, simulated
// event-driven in Icarus Verilog with per-arc cell delays from OpenSTA's SDF, every transition of every
// net counted at any time by a VPI module (energy/templates/timed_activity.c). The activity file has the
// zero-delay counter's format, so the OpenSTA power script reads it unchanged.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "energy/gate.hpp"
#include "synth/liberty.hpp"

namespace sysmt::energy {

// The functional cell models of `yosys read_liberty` (write_verilog) with a specify block per cell that
// has arcs: "(IN => OUT) = 0;" for each arc, so that `$sdf_annotate` IOPATH delays apply (iverilog
// -gspecify). Cells without arcs stay as they are.
std::string add_specify(const std::string& cells_v, const synth::CellArcs& arcs);

// OpenSTA 2.0.17's `write_sdf` made readable by Icarus Verilog 11's `$sdf_annotate`: the top-level CELL
// with an empty INSTANCE (its INTERCONNECT delays, all zero without parasitics) is dropped, TIMINGCHECK
// groups are dropped, and every delay triple "(min:typ:max)" becomes one value, the typical one when
// given, else the max ("(0.041::0.046)" -> "(0.046)"). Throws std::runtime_error when the dropped block
// holds a non-zero delay (it could not be applied).
std::string icarus_sdf(const std::string& opensta_sdf);

// The Icarus testbench: `top` with its inputs driven from registers by the VPI counter, clock period
// `period_ps` (inputs change 1 ps after each rising edge), SDF annotated when `sdf` is not empty.
std::string timed_testbench(const std::string& top, const std::vector<std::pair<std::string, int>>& inputs, bool has_rst_n, long period_ps,
                            const std::string& sdf);

// The timed counterpart of a built model `m` (its folder holds flat.v, cells.v and any RTL it simulates):
// cell models with specify blocks, SDF from OpenSTA at `period_ns` (when `with_sdf`; without it every
// delay is zero and the counts are the zero-delay ones, which a test compares with Verilator's), the
// VPI counter and the compiled testbench, in a cached sub-folder. The returned model is `m` with `sim`
// replaced by a script with the activity executable's interface (STIMULUS OUT).
GateModel timed_model(const GateDesign& d, const GateModel& m, double period_ns, bool with_sdf, const GateOptions& o,
                      const Progress& progress);

}  // namespace sysmt::energy
