// The typed summary of `sysmt flow` (summary.json): per thread count the paper's figures beside ours, and
// the verification verdicts. to_json / from_json are the only code that knows the file's keys. Header
// only: the flow (cli/flow.cpp) writes it, tests read it back.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sysmt {

struct FlowPaper {
  double area_ratio = 1, speedup = 1;
  std::string energy, top1_accuracy_loss;  // as the paper states them
};

// Ratios to the equal-effort 1-thread array (`baseline`: the 1T with the row's pipeline depth P), and
// the main ones again against the plain single-cycle 1T MAC (`plain_baseline`, P = 0). An SQNR is
// +infinity (null in the file) when there is no error at all, as for T = 1.
struct FlowOurs {
  std::string baseline, plain_baseline;  // config names of the two 1T arrays
  double array_area_ratio = 1, pe_area_ratio = 1, fmax_ratio = 1, array_fmax_mhz = 0;
  double area_ratio_at_common_clock = 1;  // both at the shortest clock every compared design meets
  double array_area_ratio_plain = 1, fmax_ratio_plain = 1, speedup_time_plain = 1;
  double speedup_cycles = 1, speedup_cycles_pruned40 = 1, speedup_time = 1, pe_utilization = 0;
  double area_per_throughput_ratio = 1;
  double sqnr_db_interleaved = 0, sqnr_db_interleaved_pruned40 = 0, sqnr_db_blocked = 0;
  double shared_lossy_fraction = 0;
};

struct FlowRow {
  int threads = 1;
  int pipeline = 0;  // P
  FlowPaper paper;
  FlowOurs ours;
};

struct FlowVerify {
  int threads = 1;
  std::string config, log;
  bool pass = false;
  int gemms = 0;
};

// Top-1 of the committed Fashion-MNIST network through the NB-SMT arithmetic (sysmt accuracy): one per
// thread count and network; loss in points against the same network run exactly (T = 1).
struct FlowAccuracy {
  int threads = 1;
  std::string network;  // "dense" or "pruned 40 %"
  double top1 = 0, loss = 0;
  std::size_t right_to_wrong = 0, wrong_to_right = 0, images = 0;
};

// Energy per inference of one design on the 40 %-pruned workload (sysmt energy), at the common clock;
// ratios minus one against the equal-effort 1T (same pipelining) and the plain MAC.
struct FlowEnergy {
  std::string design;  // "1T P0", "1T P1", "2T", "4T"
  int threads = 1, pipeline = 0;
  double energy_mj = 0, pj_per_mac = 0, vs_baseline = 0, vs_plain = 0;
};

struct FlowSummary {
  std::string tool = "sysmt flow", version;
  int rows = 0, cols = 0;
  std::uint64_t seed = 1;
  std::string workload;
  nlohmann::json liberty;  // compare.json's liberty, as it is
  double clock_period_ns = 0;
  std::vector<FlowRow> table;            // compare.json's designs: 1T with P = 0, 1T with each NB-SMT P, 2T, 4T
  std::vector<FlowVerify> verification;  // empty with --skip-verify
  std::vector<FlowAccuracy> accuracy;    // empty with --skip-accuracy
  std::vector<FlowEnergy> energy;        // empty with --skip-energy
  std::vector<std::string> plots;
  double wall_time_s = 0;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FlowEnergy, design, threads, pipeline, energy_mj, pj_per_mac, vs_baseline, vs_plain)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FlowAccuracy, threads, network, top1, loss, right_to_wrong, wrong_to_right, images)

namespace flow_json {
inline nlohmann::json db(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
inline double db_of(const nlohmann::json& v) { return v.is_null() ? std::numeric_limits<double>::infinity() : v.get<double>(); }
}  // namespace flow_json

inline void to_json(nlohmann::json& j, const FlowPaper& p) {
  j = {{"area_ratio", p.area_ratio}, {"speedup", p.speedup}, {"energy", p.energy}, {"top1_accuracy_loss", p.top1_accuracy_loss}};
}
inline void from_json(const nlohmann::json& j, FlowPaper& p) {
  j.at("area_ratio").get_to(p.area_ratio);
  j.at("speedup").get_to(p.speedup);
  j.at("energy").get_to(p.energy);
  j.at("top1_accuracy_loss").get_to(p.top1_accuracy_loss);
}

inline void to_json(nlohmann::json& j, const FlowOurs& o) {
  using flow_json::db;
  j = {{"baseline", o.baseline},
       {"plain_baseline", o.plain_baseline},
       {"area_ratio_at_common_clock", o.area_ratio_at_common_clock},
       {"array_area_ratio_plain", o.array_area_ratio_plain},
       {"fmax_ratio_plain", o.fmax_ratio_plain},
       {"speedup_time_plain", o.speedup_time_plain},
       {"array_area_ratio", o.array_area_ratio},
       {"pe_area_ratio", o.pe_area_ratio},
       {"fmax_ratio", o.fmax_ratio},
       {"array_fmax_mhz", o.array_fmax_mhz},
       {"speedup_cycles", o.speedup_cycles},
       {"speedup_cycles_pruned40", o.speedup_cycles_pruned40},
       {"speedup_time", o.speedup_time},
       {"pe_utilization", o.pe_utilization},
       {"area_per_throughput_ratio", o.area_per_throughput_ratio},
       {"sqnr_db_interleaved", db(o.sqnr_db_interleaved)},
       {"sqnr_db_interleaved_pruned40", db(o.sqnr_db_interleaved_pruned40)},
       {"sqnr_db_blocked", db(o.sqnr_db_blocked)},
       {"shared_lossy_fraction", o.shared_lossy_fraction}};
}
inline void from_json(const nlohmann::json& j, FlowOurs& o) {
  using flow_json::db_of;
  j.at("baseline").get_to(o.baseline);
  j.at("plain_baseline").get_to(o.plain_baseline);
  j.at("area_ratio_at_common_clock").get_to(o.area_ratio_at_common_clock);
  j.at("array_area_ratio_plain").get_to(o.array_area_ratio_plain);
  j.at("fmax_ratio_plain").get_to(o.fmax_ratio_plain);
  j.at("speedup_time_plain").get_to(o.speedup_time_plain);
  j.at("array_area_ratio").get_to(o.array_area_ratio);
  j.at("pe_area_ratio").get_to(o.pe_area_ratio);
  j.at("fmax_ratio").get_to(o.fmax_ratio);
  j.at("array_fmax_mhz").get_to(o.array_fmax_mhz);
  j.at("speedup_cycles").get_to(o.speedup_cycles);
  j.at("speedup_cycles_pruned40").get_to(o.speedup_cycles_pruned40);
  j.at("speedup_time").get_to(o.speedup_time);
  j.at("pe_utilization").get_to(o.pe_utilization);
  j.at("area_per_throughput_ratio").get_to(o.area_per_throughput_ratio);
  o.sqnr_db_interleaved = db_of(j.at("sqnr_db_interleaved"));
  o.sqnr_db_interleaved_pruned40 = db_of(j.at("sqnr_db_interleaved_pruned40"));
  o.sqnr_db_blocked = db_of(j.at("sqnr_db_blocked"));
  j.at("shared_lossy_fraction").get_to(o.shared_lossy_fraction);
}

inline void to_json(nlohmann::json& j, const FlowRow& r) {
  j = {{"threads", r.threads}, {"pipeline", r.pipeline}, {"paper", r.paper}, {"ours", r.ours}};
}
inline void from_json(const nlohmann::json& j, FlowRow& r) {
  j.at("threads").get_to(r.threads);
  j.at("pipeline").get_to(r.pipeline);
  j.at("paper").get_to(r.paper);
  j.at("ours").get_to(r.ours);
}

inline void to_json(nlohmann::json& j, const FlowVerify& v) {
  j = {{"threads", v.threads}, {"config", v.config}, {"pass", v.pass}, {"gemms", v.gemms}, {"log", v.log}};
}
inline void from_json(const nlohmann::json& j, FlowVerify& v) {
  j.at("threads").get_to(v.threads);
  j.at("config").get_to(v.config);
  j.at("pass").get_to(v.pass);
  j.at("gemms").get_to(v.gemms);
  j.at("log").get_to(v.log);
}

inline void to_json(nlohmann::json& j, const FlowSummary& s) {
  j = {{"tool", s.tool},   {"version", s.version},           {"rows", s.rows},         {"cols", s.cols},
       {"seed", s.seed},   {"workload", s.workload},         {"liberty", s.liberty},   {"clock_period_ns", s.clock_period_ns},
       {"table", s.table}, {"verification", s.verification}, {"accuracy", s.accuracy}, {"energy", s.energy},
       {"plots", s.plots}, {"wall_time_s", s.wall_time_s}};
}
inline void from_json(const nlohmann::json& j, FlowSummary& s) {
  j.at("tool").get_to(s.tool);
  j.at("version").get_to(s.version);
  j.at("rows").get_to(s.rows);
  j.at("cols").get_to(s.cols);
  j.at("seed").get_to(s.seed);
  j.at("workload").get_to(s.workload);
  s.liberty = j.at("liberty");
  j.at("clock_period_ns").get_to(s.clock_period_ns);
  j.at("table").get_to(s.table);
  j.at("verification").get_to(s.verification);
  j.at("accuracy").get_to(s.accuracy);
  j.at("energy").get_to(s.energy);
  j.at("plots").get_to(s.plots);
  j.at("wall_time_s").get_to(s.wall_time_s);
}

}  // namespace sysmt
