// What a point leaves behind (result.json, the stamp written last; failure.json when a job failed) and the
// sweep's table gathered from them: SweepReport as JSON, CSV and Markdown, and gnuplot Pareto plots.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/jobs.hpp"
#include "sweep/spec.hpp"

namespace sysmt::sweep {

// A finished point: written last, atomically, into the point's folder. Its presence (with the right key)
// is what makes the next run skip the point.
struct PointResult {
  std::string key, config_hash;
  Metrics metrics;
  std::map<std::string, double> job_seconds;  // wall time of each job (not deterministic)
};
void to_json(nlohmann::json& j, const PointResult& r);
void from_json(const nlohmann::json& j, PointResult& r);

// A point whose job failed (non-zero status the job kind does not accept as a result).
struct PointFailure {
  std::string key, job;
  int status = 0;
  std::string log;  // the job's log, relative to the point's folder
};
void to_json(nlohmann::json& j, const PointFailure& f);
void from_json(const nlohmann::json& j, PointFailure& f);

inline constexpr const char* kPlanFile = "point.json";
inline constexpr const char* kResultFile = "result.json";
inline constexpr const char* kFailureFile = "failure.json";

// One row of the table.
struct ReportRow {
  int index = 0;
  std::string key, config_hash;
  std::vector<std::pair<std::string, std::string>> values;
  std::string status;  // done, failed (a job failed), unfinished (killed or never ran)
  std::string failed_job;
  std::string log;     // the log to read when not done, relative to the sweep folder
  std::string detail;  // what the executor knows about a point not done (e.g. "slurm state TIMEOUT")
  Metrics metrics;
  // Derived against the baseline point (when both have the figures):
  std::optional<double> time_us;       // workload time: cycles / array fmax
  std::optional<double> speedup_time;  // baseline time / this time
  std::optional<double> area_ratio;    // this area / baseline area
  bool pareto_time = false;            // on the front of (area low, speedup in time high)
  bool pareto_error = false;           // on the front of (area low, relative error low)
  double seconds = 0;                  // wall time of its jobs (not deterministic)
};
void to_json(nlohmann::json& j, const ReportRow& r);
void from_json(const nlohmann::json& j, ReportRow& r);

struct SweepReport {
  std::string tool = "sysmt sweep", version, name, sweep_file, sweep_hash;
  std::vector<std::string> columns;  // axis keys
  int baseline = 0;
  std::string baseline_rule;
  std::vector<MetricDoc> extra_metrics;  // the extra figures present in some row
  std::vector<ReportRow> rows;
  int done() const;
  int failed() const;  // failed or unfinished
  int verify_failures() const;
};
void to_json(nlohmann::json& j, const SweepReport& r);
void from_json(const nlohmann::json& j, SweepReport& r);

// Reads every point's folder under `points_dir` and builds the table (ratios, time, Pareto fronts).
SweepReport gather(const Sweep& sw, const std::filesystem::path& out_dir);

// The table as CSV (one row per point; deterministic columns first, then seconds and log) and Markdown.
std::string to_csv(const SweepReport& r);
std::string to_markdown(const SweepReport& r, const std::vector<std::string>& plots);

// Writes sweep.json, sweep.csv, sweep.md and, when gnuplot runs, the Pareto plots (pareto-time.png/.svg,
// pareto-error.png/.svg, pareto-<metric>.png/.svg) into out_dir, each file atomically. Returns the plot
// files written; `plot_note` says why there are none.
std::vector<std::string> write_report(const SweepReport& r, const std::filesystem::path& out_dir, std::string& plot_note);

}  // namespace sysmt::sweep
