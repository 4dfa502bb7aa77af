// The liberty reader: what the synthesis flow needs from a standard-cell library, found by cell
// function rather than by cell name, so that OSU, Nangate45 or sky130 libraries work unchanged.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace sysmt::synth {

// Debian's qflow-tech-osu018 package: the default library (a package path, not this machine's).
inline constexpr const char* kDefaultLiberty = "/usr/share/qflow/tech/osu018/osu018_stdcells.lib";

// Timing arcs per cell: (related input pin, output pin), in the liberty's order, each pair once. Only
// pins with `direction : output` (or inout) carry arcs; setup and hold checks on input pins are not arcs.
using CellArcs = std::map<std::string, std::vector<std::pair<std::string, std::string>>>;

struct Liberty {
  std::string path, library;
  double time_unit_ns = 1.0;            // time_unit
  double cap_unit_pf = 1.0;             // capacitive_load_unit
  std::string corner;                   // default_operating_conditions and nom_process/voltage/temperature
  std::map<std::string, double> area;   // every cell's area (library units, um^2 in practice)
  std::set<std::string> sequential;     // cells with an ff, ff_bank, latch or statetable group
  std::string nand2, buffer, inverter;  // smallest cell of each function ("" when absent)
  double nand2_area = 0, nand2_input_cap = 0;
  bool has_plain_dff = false;  // some cell is a D flip-flop on a rising edge (for dfflibmap)
  // The smallest plain D flip-flop (no set/reset) and its pins: the boundary shells of modular timing.
  std::string dff, dff_clk, dff_d, dff_q;
  double dff_area = 0;
  CellArcs arcs;  // every cell's timing arcs (cells without any are absent)

  // The cell ABC is told drives every module input: the smallest buffer, else the smallest inverter.
  const std::string& driving_cell() const { return buffer.empty() ? inverter : buffer; }
};

// Parses the liberty; InputError naming the file when it cannot be read or lacks a NAND2 or a D flip-flop.
Liberty read_liberty(const std::string& path);

// The timing arcs of a liberty text (what read_liberty puts in Liberty::arcs; exposed for tests).
// std::runtime_error when the text cannot be parsed.
CellArcs timing_arcs(const std::string& liberty_text);

// Evaluates a liberty `function` string for the given pin values (exposed for tests).
bool eval_function(const std::string& expr, const std::map<std::string, bool>& pins);

}  // namespace sysmt::synth
