// A sweep file (docs/sweeps.md): a base config, axes or an explicit list of points, the jobs run on every
// point and the baseline of the ratios. Parsed strictly (unknown keys and bad values are errors naming
// file:line:col and key) and expanded into point plans, each keyed by the content hash of its config and
// its jobs, so that a finished point is recognised on the next run whatever changed around it.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/config.hpp"

namespace sysmt::sweep {

// One job of a point with its options, every value as canonical text (paths absolute).
struct JobSpec {
  std::string kind;                            // generate, verify, synth, evaluate (jobs.hpp)
  std::map<std::string, std::string> options;  // option -> value, defaults filled in
};
void to_json(nlohmann::json& j, const JobSpec& s);
void from_json(const nlohmann::json& j, JobSpec& s);

// Everything a point needs to run on any machine that sees the sweep folder: written as point.json into
// the point's folder, read by `sysmt sweep-point`.
struct PointPlan {
  int index = 0;                                            // position in the sweep (0-based), for messages and plot labels
  std::string key;                                          // content hash of config + jobs (+ the contents of their input files)
  std::string config_hash;                                  // Config::hash() of the point's config (what `sysmt verify` prints)
  std::string config_name;                                  // the config's name (module prefix; the synth report file name)
  int threads = 1;                                          // the config's thread count (picks the evaluate figures)
  std::vector<std::pair<std::string, std::string>> values;  // axis -> effective value, in column order
  std::vector<JobSpec> jobs;                                // in run order
};
void to_json(nlohmann::json& j, const PointPlan& p);
void from_json(const nlohmann::json& j, PointPlan& p);

struct Sweep {
  std::string name;    // sweep name (default: the file's stem)
  std::string source;  // the file it was read from
  std::string hash;    // FNV-1a of the file's text
  Config base;
  std::vector<std::string> columns;  // axis keys, in order of first appearance
  std::vector<PointPlan> points;     // deduplicated by key, in sweep order
  int baseline = 0;                  // index into points: the reference of area ratio and speedup in time
  std::string baseline_rule;         // how the baseline was chosen, for the report
  // The point's config, built as an object and written with Config::canonical().
  std::vector<Config> configs;  // parallel to points
};

// Parses and expands; every problem throws InputError "FILE:LINE:COL: key 'K': what is wrong". Input files
// named by the sweep (base config, workloads, liberty) are read and checked here, before anything runs.
Sweep parse_sweep(const std::string& text, const std::string& source);
Sweep load_sweep(const std::string& path);

// The value of a dotted config key as the canonical config writes it ("2", "half_up", "10").
std::string config_value(const Config& c, const std::string& key);

}  // namespace sysmt::sweep
