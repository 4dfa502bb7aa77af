// Gate-level activity and power (docs/energy.md): the project's synthesis flow maps a design, Yosys
// flattens the PE inside a shell of input flip-flops (or the whole array) with plain net names,
// Verilator simulates that netlist zero-delay counting every net's transitions and high cycles, and
// OpenSTA 2.0.17 turns the per-pin annotation into power. Built artefacts are cached by content hash.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/config.hpp"
#include "synth/flow.hpp"

namespace sysmt::energy {

using Progress = std::function<void(const std::string&)>;

struct GateOptions {
  std::string liberty = synth::kDefaultLiberty;
  int abc_runs = 4;             // as `sysmt synth` (the same flow for every design)
  double clk_slew_ns = 0.1;     // clock transition at the clock pins (ideal clock tree)
  std::filesystem::path cache;  // folder of built designs (created)
};

// Power of one block from OpenSTA, in W at the reference period. `internal` is corrected (half of
// OpenSTA 2.0.17's figure, which charges the rise and the fall energy on every transition);
// `internal_raw` is OpenSTA's own.
struct Power {
  double internal = 0, switching = 0, leakage = 0, internal_raw = 0;
  double total() const { return internal + switching + leakage; }
};
// The correction, exposed for the test against the liberty tables.
inline double corrected_internal(double opensta_internal) { return 0.5 * opensta_internal; }

// How a netlist is simulated: the flattened netlist, the activity executable and its input ports.
struct GateModel {
  std::string top;
  std::filesystem::path netlist;                    // flattened, plain net names (n<k>), for OpenSTA
  std::filesystem::path extra_sta;                  // extra Verilog read by OpenSTA (empty shells of black boxes) or empty
  std::filesystem::path sim;                        // the activity executable
  std::vector<std::pair<std::string, int>> inputs;  // driven input ports (name, width), without clk and rst_n
  std::string excluded;                             // OpenSTA cell pattern whose internal and leakage power is not counted
};

// One design's artefacts: synthesis report and the models built from its netlist.
struct GateDesign {
  Config cfg;
  synth::Liberty lib;
  nlohmann::json synth;      // run_synth's report (area, timing)
  double min_period_ns = 0;  // the array's critical path
  double pe_area_um2 = 0, area_um2 = 0;
  std::filesystem::path dir;  // cache folder
  GateModel pe;               // the PE inside flip-flops standing for its neighbours
};

// Synthesises `cfg` (cached) and builds the PE model.
GateDesign build_design(const Config& cfg, const GateOptions& o, const Progress& progress);

// Whole-array models: `pe_gate` true = every PE gate level too (the cross-check); false = PEs as their
// RTL in simulation and as empty shells in OpenSTA (the rest of the array: skew, drain, control).
GateModel build_array_model(const GateDesign& d, bool pe_gate, const Progress& progress);

// One stimulus stream for a model: per edge one value per input port (as hex), after reset.
struct Stream {
  std::string label;                            // no spaces
  long warmup = 0;                              // edges simulated before counting
  std::vector<std::vector<std::string>> edges;  // warmup + measured edges, each one hex value per input
};

// Runs the streams through the model's simulator and OpenSTA at `period_ns`; power per stream. `progress`
// (optional) gets one line with the time of each phase.
std::vector<Power> measure(const GateDesign& d, const GateModel& m, const std::vector<Stream>& streams, double period_ns,
                           const GateOptions& o, const std::filesystem::path& work, const Progress& progress = {});

// Parses the power lines of the OpenSTA script (exposed for tests): "SYSMT-POWER label design I S L T
// excluded I S L" -> Power with the excluded block's internal and leakage removed and the correction made.
Power parse_power_line(const std::string& line, std::string& label);

std::string hex_of(std::uint64_t v);

}  // namespace sysmt::energy
