// The jobs a sweep runs on each point. Each kind is one sysmt subcommand, run as a child process exactly as
// a user would type it, plus a reader that takes the figures the sweep table needs from the files that
// subcommand wrote. A new kind (energy, accuracy) is one entry in job_kinds() (docs/sweeps.md, "Adding a job").
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/spec.hpp"

namespace sysmt::sweep {

// The figures of one point. Every field is optional: a point has the figures of the jobs it ran.
struct Metrics {
  std::optional<bool> verify_pass;  // verify: bit-exact against the golden and cycle models
  std::optional<int> verify_gemms;
  std::optional<double> area_um2, nand2_eq;  // synth: whole array
  std::optional<long> flip_flops;
  std::optional<double> critical_path_ns, fmax_mhz;  // synth: the array's critical path (OpenSTA)
  std::optional<std::uint64_t> cycles;               // evaluate: the workload's cycles at the point's thread count
  std::optional<double> speedup_cycles;              // evaluate: cycles of T = 1 over cycles of T, same array
  std::optional<double> pe_utilization;
  std::optional<double> rel_error;  // evaluate: MAC-weighted relative Frobenius error (0 = exact)
  std::optional<double> sqnr_db;    // evaluate: MAC-weighted SQNR; absent when exact (T = 1)
  // Figures of further job kinds (energy, accuracy), by metric name (MetricDoc::name).
  std::map<std::string, double> extra;
};
void to_json(nlohmann::json& j, const Metrics& m);
void from_json(const nlohmann::json& j, Metrics& m);

// A figure a job kind adds to Metrics::extra, for the table and the Pareto plots.
struct MetricDoc {
  std::string name, unit, meaning;
  bool higher_is_better = false;
};

struct JobOption {
  std::string key;
  enum Type { Int, Number, String, Path } type = String;
  std::string default_value;         // "" = required
  double lo = 0, hi = 0;             // Int / Number range
  std::vector<std::string> allowed;  // String: the allowed values (empty = any)
  std::string meaning;
};

struct JobKind {
  std::string name, subcommand, meaning;
  std::vector<JobOption> options;
  std::vector<MetricDoc> metrics;  // extra figures it adds (none for the built-in kinds)
  // The subcommand's arguments (after the sysmt binary) for a point whose folder is `dir`.
  std::function<std::vector<std::string>(const PointPlan&, const JobSpec&, const std::filesystem::path& dir)> args;
  // Called with the subcommand's exit status; fills `m` from what it wrote. Returns false when the status
  // means the job failed (the point is then reported failed and rerun next time).
  std::function<bool(const PointPlan&, const JobSpec&, const std::filesystem::path& dir, int status, Metrics& m)> collect;
};

// Every kind, in the order they run on a point.
const std::vector<JobKind>& job_kinds();
const JobKind* find_job_kind(const std::string& name);

}  // namespace sysmt::sweep
