// `sysmt energy`: energy per layer and per inference of the 1T, 2T and 4T arrays of one config on a
// workload's data (docs/energy.md). Power from gate-level activity on each layer's own operand streams
// (PE model on sampled PE positions, the rest of the array simulated whole), energy = power x cycles
// (cycle model) x clock period, at each design's own clock and at a common clock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/config.hpp"
#include "common/paper.hpp"
#include "energy/gate.hpp"
#include "energy/stream.hpp"
#include "energy/timed.hpp"
#include "sim/eval/data_model.hpp"
#include "sim/eval/workload_file.hpp"

namespace sysmt::energy {

struct EnergyOptions {
  DataModel data;          // --prune, --act-zero, --act-scale (as sysmt evaluate)
  std::uint64_t seed = 1;  // --seed
  Mapping mapping = Mapping::Interleaved;
  int positions = 3;     // PE positions sampled per layer (0: every PE)
  long min_edges = 512;  // measured edges per layer window, at least (whole tiles)
  bool rest = true;      // simulate the rest of the array (skew, drain, control)
  int jobs = 0;          // designs measured at a time (0: two, or one on a one-core machine); no effect on the figures
  bool timed = false;    // --timed: activity from an SDF-timed Icarus simulation (glitches), energy/timed.hpp
  GateOptions gate;
};

// Power split of one block or array, W at the reference clock (corrected internal power).
struct PowerSplit {
  double internal = 0;  // without the clock pins
  double clock = 0;     // internal power of the flip-flops' clock pins (ideal clock, no gating)
  double switching = 0;
  double leakage = 0;
  double total() const { return internal + clock + switching + leakage; }
};

struct LayerEnergy {
  std::string name;
  std::uint64_t macs = 0, cycles = 0;
  int window_tiles = 0;
  long window_edges = 0;
  double x_zero_frac = 0, w_zero_frac = 0;  // of the window's operands
  PowerSplit pe;                            // one PE, mean over the sampled positions
  double pe_spread = 0;                     // (max - min) / mean of the sampled PEs' total power
  PowerSplit rest;                          // skew, drain, control
  PowerSplit array;                         // rows * cols * pe + rest
  double energy_own_j = 0, energy_common_j = 0;
  // Design-for-energy estimate (docs/energy.md): fraction of PE cycles with no active thread (golden
  // model on the window's data, idle slots of the schedule included), and the energy at the common clock
  // with the shadow register clock-gated except when it loads and the accumulator clock-gated when no
  // thread is active.
  double idle_frac = 0;
  double gated_energy_common_j = 0;
};

struct DesignEnergy {
  std::string label;  // "1T P0", "1T P1", "2T", "4T"
  std::string config_name;
  int threads = 1, pipeline = 0;
  double area_um2 = 0, pe_area_um2 = 0;
  double min_period_ns = 0;  // its own clock (critical path of the array)
  std::uint64_t cycles = 0;
  std::vector<LayerEnergy> layers;
  double energy_own_j = 0, energy_common_j = 0;
  double pj_per_mac_common = 0;
  PowerSplit energy_split_common;                      // energy per inference at the common clock, split (J)
  double vs_baseline_own = 0, vs_baseline_common = 0;  // vs 1T with the same pipelining (P1), minus one
  double vs_plain_own = 0, vs_plain_common = 0;        // vs the plain 1T (P0), minus one
  int pe_flip_flops = 0;
  double clock_pj_per_ff_cycle = 0;     // measured: PE clock power / flip-flops, per cycle
  double gated_energy_common_j = 0;     // the design-for-energy estimate, per inference
  double gated_vs_baseline_common = 0;  // gated design vs the gated 1T P1, minus one
};

struct EnergyReport {
  std::string tool = "sysmt energy", version;
  std::string config_name, config_file, config_hash;
  int rows = 0, cols = 0;
  std::string workload_name, workload_file, workload_hash;
  double prune = 0, act_zero = 0, act_scale = 0;
  std::uint64_t seed = 1;
  std::string mapping;
  int positions = 0;
  long min_edges = 0;
  bool rest = true;
  std::string activity = "zero-delay";  // or "timed" (--timed: SDF delays, glitches counted)
  std::string liberty;
  double reference_period_ns = 0;  // OpenSTA's clock (activity per period; dynamic energy per cycle)
  double common_period_ns = 0;     // the slowest design's clock: every design meets it
  double clk_slew_ns = 0;
  std::uint64_t macs = 0;
  std::string gating = "none";  // array.gating of every design (docs/configuration.md)
  std::vector<DesignEnergy> designs;
  std::string baseline = "1T P1", plain_baseline = "1T P0";
  // Shomron and Weiser: energy vs 1T (40 %-pruned ResNet-18), from common/paper.hpp.
  double paper_2t = paper_figures(2).energy_change, paper_4t = paper_figures(4).energy_change;
  double seconds = 0;
};

void to_json(nlohmann::json& j, const PowerSplit& p);
void from_json(const nlohmann::json& j, PowerSplit& p);
void to_json(nlohmann::json& j, const LayerEnergy& l);
void from_json(const nlohmann::json& j, LayerEnergy& l);
void to_json(nlohmann::json& j, const DesignEnergy& d);
void from_json(const nlohmann::json& j, DesignEnergy& d);
void to_json(nlohmann::json& j, const EnergyReport& r);
void from_json(const nlohmann::json& j, EnergyReport& r);

std::string to_markdown(const EnergyReport& r);
std::string energy_gnuplot(const EnergyReport& r);

// Streams for the gate-level models (inputs in the model's port order): PE (r, c)'s inputs over a trace's
// measured window (warm-up: the edges before it), the array's ports over the same window, and an idle
// stream (inputs held at zero: only the clock moves).
Stream pe_stream(const Config& cfg, const GateModel& m, const Trace& tr, int r, int c, const std::string& label);
Stream array_stream(const GateModel& m, const Trace& tr, const std::string& label);
Stream idle_stream(const GateModel& m, long edges);
std::string hex_bits(const std::vector<int>& vals, int bits_each);  // lanes of bits_each bits, lane 0 lowest

// The designs compared: the config with T = 1 (P = 0 and P = 1), T = 2 and T = 4 (P = 1).
std::vector<Config> energy_designs(const Config& cfg);

// Measures every design on the workload; writes only into the gate cache. Bad input throws InputError.
EnergyReport measure_energy(const Config& cfg, const Workload& wl, const EnergyOptions& opt, const Progress& progress);

// What `sysmt energy` does: load, measure, write DIR/energy.md, energy.json, energy.gp (and energy.png /
// energy.svg when gnuplot runs), each atomically. Returns the report.
std::filesystem::path default_energy_dir(const Config& cfg);  // reports/energy-<config name>
EnergyReport run_energy(const std::string& config_path, const std::string& workload_path, const EnergyOptions& opt,
                        const std::filesystem::path& out_dir, bool quiet = false);

}  // namespace sysmt::energy
