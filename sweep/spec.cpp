// Strict reader of sweep files and their expansion into point plans (docs/sweeps.md). Point configs are
// built as Config objects through the config schema's own setters (set_config_key), never by editing YAML
// text, and written with Config::canonical().
#include "sweep/spec.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/hash.hpp"
#include "sim/eval/workload_file.hpp"
#include "sweep/jobs.hpp"

namespace sysmt::sweep {

namespace fs = std::filesystem;
using nlohmann::json;

void to_json(json& j, const JobSpec& s) { j = {{"kind", s.kind}, {"options", s.options}}; }
void from_json(const json& j, JobSpec& s) {
  j.at("kind").get_to(s.kind);
  j.at("options").get_to(s.options);
}

void to_json(json& j, const PointPlan& p) {
  json values = json::array();
  for (const auto& [k, v] : p.values) values.push_back({{"key", k}, {"value", v}});
  j = {{"index", p.index}, {"key", p.key},  {"config_hash", p.config_hash}, {"config_name", p.config_name}, {"threads", p.threads},
       {"values", values}, {"jobs", p.jobs}};
}
void from_json(const json& j, PointPlan& p) {
  j.at("index").get_to(p.index);
  j.at("key").get_to(p.key);
  j.at("config_hash").get_to(p.config_hash);
  j.at("config_name").get_to(p.config_name);
  j.at("threads").get_to(p.threads);
  p.values.clear();
  for (const json& v : j.at("values")) p.values.emplace_back(v.at("key").get<std::string>(), v.at("value").get<std::string>());
  j.at("jobs").get_to(p.jobs);
}

namespace {

[[noreturn]] void fail(const std::string& file, const YAML::Mark& mark, const std::string& key, const std::string& what) {
  std::ostringstream os;
  os << file;
  if (mark.line >= 0) os << ':' << (mark.line + 1) << ':' << (mark.column + 1);
  os << ": ";
  if (!key.empty()) os << "key '" << key << "': ";
  os << what;
  throw InputError(os.str());
}

const char* kind_of(const YAML::Node& n) { return n.IsMap() ? "map" : n.IsSequence() ? "list" : n.IsScalar() ? "value" : "null value"; }

// Iterates a map node, rejecting non-scalar and duplicate keys.
template <class F>
void each_key(const YAML::Node& map, const std::string& file, const std::string& where, F f) {
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!it->first.IsScalar()) fail(file, it->first.Mark(), where, "keys must be plain names");
    const std::string k = it->first.Scalar();
    const std::string full = where.empty() ? k : where + "." + k;
    if (!seen.insert(k).second) fail(file, it->first.Mark(), full, "duplicate key");
    f(k, full, it->first, it->second);
  }
}

const char* kWorkloadAxis = "workload";

struct Context {
  std::string file;
  fs::path dir;                                     // the sweep file's folder: relative paths start here
  std::map<std::string, std::string> content_hash;  // absolute path -> FNV-1a of its text

  fs::path resolve(const std::string& p) const {
    return fs::path(p).is_absolute() ? fs::path(p) : fs::absolute(dir / p).lexically_normal();
  }
  const std::string& hash_of(const std::string& abs) {
    auto it = content_hash.find(abs);
    if (it == content_hash.end()) it = content_hash.emplace(abs, hex64(fnv1a64(read_file(abs)))).first;
    return it->second;
  }
};

// A workload path from the sweep: resolved, then read and checked with the workload parser itself.
std::string check_workload(Context& cx, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar() || n.Scalar().empty()) fail(cx.file, n.Mark(), key, "expected a workload file path");
  const fs::path p = cx.resolve(n.Scalar());
  if (!fs::is_regular_file(p)) fail(cx.file, n.Mark(), key, "workload '" + n.Scalar() + "' not found (looked for " + p.string() + ")");
  load_workload(p.string());  // its own errors name the workload file, line and column
  cx.hash_of(p.string());
  return p.string();
}

std::string check_option(Context& cx, const JobKind& kind, const JobOption& opt, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) fail(cx.file, n.Mark(), key, std::string("expected a value, found a ") + kind_of(n));
  const std::string s = n.Scalar();
  switch (opt.type) {
    case JobOption::Int:
    case JobOption::Number: {
      double v = 0;
      try {
        size_t used = 0;
        v = std::stod(s, &used);
        if (used != s.size()) throw std::invalid_argument(s);
      } catch (const std::exception&) {
        fail(cx.file, n.Mark(), key,
             std::string("expected ") + (opt.type == JobOption::Int ? "an integer" : "a number") + ", found '" + s + "'");
      }
      if (opt.type == JobOption::Int &&
          (v != static_cast<double>(static_cast<long long>(v)) || s.find_first_of(".eE") != std::string::npos))
        fail(cx.file, n.Mark(), key, "expected an integer, found '" + s + "'");
      if (!(v >= opt.lo && v <= opt.hi)) fail(cx.file, n.Mark(), key, fmt::format("value {} is out of range {}..{}", s, opt.lo, opt.hi));
      return opt.type == JobOption::Int ? std::to_string(static_cast<long long>(v)) : fmt::format("{}", v);
    }
    case JobOption::String:
      if (!opt.allowed.empty() && std::find(opt.allowed.begin(), opt.allowed.end(), s) == opt.allowed.end()) {
        std::string list;
        for (const auto& a : opt.allowed) list += (list.empty() ? "" : ", ") + a;
        fail(cx.file, n.Mark(), key, "'" + s + "' is not one of " + list);
      }
      return s;
    case JobOption::Path: {
      if (kind.name == "evaluate" && opt.key == "workload") return check_workload(cx, n, key);
      const fs::path p = cx.resolve(s);
      if (!fs::is_regular_file(p)) fail(cx.file, n.Mark(), key, "file '" + s + "' not found (looked for " + p.string() + ")");
      cx.hash_of(p.string());
      return p.string();
    }
  }
  return s;
}

struct JobsSection {
  std::vector<JobSpec> jobs;  // in run order
  YAML::Mark mark;
  std::map<std::string, std::string> workload_label;  // resolved path -> as written
};

JobsSection parse_jobs(Context& cx, const YAML::Node& n) {
  if (!n.IsMap() || n.size() == 0) fail(cx.file, n.Mark(), "jobs", "expected a map of jobs (generate, verify, synth, evaluate)");
  JobsSection js;
  js.mark = n.Mark();
  std::map<std::string, JobSpec> by_kind;
  each_key(n, cx.file, "jobs", [&](const std::string& k, const std::string& full, const YAML::Node& kn, const YAML::Node& v) {
    const JobKind* kind = find_job_kind(k);
    if (!kind) {
      std::string list;
      for (const auto& jk : job_kinds()) list += (list.empty() ? "" : ", ") + jk.name;
      fail(cx.file, kn.Mark(), full, "unknown job (known: " + list + ")");
    }
    if (!v.IsNull() && !v.IsMap())
      fail(cx.file, v.Mark(), full, std::string("expected a map of options or nothing, found a ") + kind_of(v));
    JobSpec spec;
    spec.kind = k;
    if (v.IsMap())
      each_key(v, cx.file, full, [&](const std::string& ok, const std::string& ofull, const YAML::Node& okn, const YAML::Node& ov) {
        auto opt = std::find_if(kind->options.begin(), kind->options.end(), [&](const JobOption& o) { return o.key == ok; });
        if (opt == kind->options.end()) {
          std::string list;
          for (const auto& o : kind->options) list += (list.empty() ? "" : ", ") + o.key;
          fail(cx.file, okn.Mark(), ofull,
               "unknown option" + (list.empty() ? std::string(" (this job has none)") : " (known: " + list + ")"));
        }
        spec.options[ok] = check_option(cx, *kind, *opt, ov, ofull);
        if (opt->type == JobOption::Path && k == "evaluate") js.workload_label[spec.options[ok]] = ov.Scalar();
      });
    for (const auto& o : kind->options)
      if (!spec.options.count(o.key) && !o.default_value.empty()) spec.options[o.key] = o.default_value;
    by_kind[k] = spec;
  });
  for (const auto& jk : job_kinds())
    if (by_kind.count(jk.name)) js.jobs.push_back(by_kind[jk.name]);
  return js;
}

using Assignment = std::vector<std::pair<std::string, YAML::Node>>;  // key -> value node

void check_axis_key(Context& cx, const std::string& key, const YAML::Node& kn) {
  if (key == "name") fail(cx.file, kn.Mark(), key, "the name is not an axis (every point keeps the base config's name)");
}

}  // namespace

std::string config_value(const Config& c, const std::string& key) {
  YAML::Node n = YAML::Load(c.canonical());
  std::string rest = key;
  for (;;) {
    const size_t dot = rest.find('.');
    const std::string part = rest.substr(0, dot);
    if (!n.IsMap() || !n[part]) throw InputError("config_value: no key '" + key + "' in the canonical config");
    n = n[part];
    if (dot == std::string::npos) break;
    rest = rest.substr(dot + 1);
  }
  return n.Scalar();
}

Sweep parse_sweep(const std::string& text, const std::string& source) {
  Context cx;
  cx.file = source;
  const fs::path parent = fs::path(source).parent_path();
  cx.dir = fs::absolute(parent.empty() ? fs::path(".") : parent);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail(source, e.mark, "", "YAML syntax error: " + e.msg);
  }
  if (!root.IsMap()) fail(source, root.Mark(), "", "expected a map (base, axes or points, jobs) at the top level");

  Sweep sw;
  sw.source = source;
  sw.hash = hex64(fnv1a64(text));
  sw.name = fs::path(source).stem().string();
  YAML::Node base, axes, points, jobs, baseline;
  std::set<std::string> given;
  each_key(root, source, "", [&](const std::string& k, const std::string&, const YAML::Node& kn, const YAML::Node& v) {
    if (k == "name") {
      if (!v.IsScalar() || v.Scalar().empty() ||
          v.Scalar().find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != std::string::npos)
        fail(source, v.Mark(), k, "expected a name of letters, digits, '_', '.' and '-'");
      sw.name = v.Scalar();
      return;
    }
    given.insert(k);
    if (k == "base")
      base = v;
    else if (k == "axes")
      axes = v;
    else if (k == "points")
      points = v;
    else if (k == "jobs")
      jobs = v;
    else if (k == "baseline")
      baseline = v;
    else
      fail(source, kn.Mark(), k, "unknown key (known: name, base, axes, points, jobs, baseline)");
  });
  const bool has_axes = given.count("axes") > 0, has_points = given.count("points") > 0;
  if (!given.count("base")) fail(source, root.Mark(), "base", "missing required key (a config file path or an inline config)");
  if (!given.count("jobs")) fail(source, root.Mark(), "jobs", "missing required key (the jobs run on every point)");
  if (!has_axes && !has_points)
    fail(source, root.Mark(), "axes", "missing: give 'axes' (cartesian product), 'points' (explicit list) or both");

  // Base config: a path (relative to the sweep file) or an inline map.
  if (base.IsScalar()) {
    const fs::path p = cx.resolve(base.Scalar());
    if (!fs::is_regular_file(p))
      fail(source, base.Mark(), "base", "config '" + base.Scalar() + "' not found (looked for " + p.string() + ")");
    sw.base = load_config(p.string());
  } else if (base.IsMap()) {
    sw.base = parse_config_node(base, source);
  } else {
    fail(source, base.Mark(), "base", std::string("expected a config file path or an inline config map, found a ") + kind_of(base));
  }

  const JobsSection js = parse_jobs(cx, jobs);
  const JobSpec* evaluate = nullptr;
  for (const auto& j : js.jobs)
    if (j.kind == "evaluate") evaluate = &j;

  // Checks one assignment's value against the schema; returns the resolved workload path for the workload key.
  auto check_value = [&](const std::string& key, const YAML::Node& kn, const YAML::Node& v) {
    if (key == kWorkloadAxis) {
      if (!evaluate) fail(source, kn.Mark(), key, "a workload axis needs the evaluate job");
      return;
    }
    check_axis_key(cx, key, kn);
    if (!v.IsScalar()) fail(source, v.Mark(), key, std::string("expected a value, found a ") + kind_of(v));
    Config c = sw.base;
    set_config_key(c, key, v, source);
  };

  // Axes: cartesian product, the last axis varying fastest.
  std::vector<std::pair<std::string, std::vector<YAML::Node>>> axis_list;
  std::vector<Assignment> assignments;
  std::vector<std::string> columns;
  auto add_column = [&](const std::string& k) {
    if (std::find(columns.begin(), columns.end(), k) == columns.end()) columns.push_back(k);
  };
  std::map<std::string, std::string> workload_label = js.workload_label;
  auto note_workload = [&](const YAML::Node& v, const std::string& key) {
    const std::string p = check_workload(cx, v, key);
    if (!workload_label.count(p)) workload_label[p] = v.Scalar();
  };
  if (has_axes) {
    if (!axes.IsMap() || axes.size() == 0) fail(source, axes.Mark(), "axes", "expected a map of key: [values]");
    each_key(axes, source, "", [&](const std::string& k, const std::string&, const YAML::Node& kn, const YAML::Node& v) {
      if (!v.IsSequence() || v.size() == 0) fail(source, v.Mark(), k, "expected a non-empty list of values");
      std::vector<YAML::Node> vals;
      std::set<std::string> seen;
      for (const YAML::Node& x : v) {
        check_value(k, kn, x);
        if (k == kWorkloadAxis) note_workload(x, k);
        if (!x.IsScalar()) fail(source, x.Mark(), k, "expected a value");
        if (!seen.insert(x.Scalar()).second) fail(source, x.Mark(), k, "duplicate value '" + x.Scalar() + "'");
        vals.push_back(x);
      }
      axis_list.emplace_back(k, vals);
      add_column(k);
    });
    size_t total = 1;
    for (const auto& ax : axis_list) total *= ax.second.size();
    for (size_t n = 0; n < total; ++n) {
      Assignment a(axis_list.size());
      size_t r = n;
      for (size_t i = axis_list.size(); i-- > 0;) {
        a[i] = {axis_list[i].first, axis_list[i].second[r % axis_list[i].second.size()]};
        r /= axis_list[i].second.size();
      }
      assignments.push_back(a);
    }
  }
  if (has_points) {
    if (!points.IsSequence() || points.size() == 0) fail(source, points.Mark(), "points", "expected a non-empty list of maps (key: value)");
    for (const YAML::Node& p : points) {
      if (!p.IsMap() || p.size() == 0) fail(source, p.Mark(), "points", "expected a map of key: value");
      Assignment a;
      each_key(p, source, "", [&](const std::string& k, const std::string&, const YAML::Node& kn, const YAML::Node& v) {
        check_value(k, kn, v);
        if (k == kWorkloadAxis) note_workload(v, k);
        a.emplace_back(k, v);
        add_column(k);
      });
      assignments.push_back(a);
    }
  }
  sw.columns = columns;

  // Points: configs as objects, keyed by content.
  std::set<std::string> keys;
  std::vector<std::string> point_workload;  // resolved workload of each kept point ("" without evaluate)
  for (const Assignment& a : assignments) {
    Config c = sw.base;
    std::string workload = evaluate && evaluate->options.count("workload") ? evaluate->options.at("workload") : "";
    for (const auto& [k, v] : a) {
      if (k == kWorkloadAxis)
        workload = cx.resolve(v.Scalar()).string();
      else
        set_config_key(c, k, v, source);
    }
    // The canonical text must give back the same config (it keeps 6 significant digits of the clock).
    const Config back = parse_config(c.canonical(), "<canonical config>");
    if (back.clock_period_ns != c.clock_period_ns)
      for (const auto& [k, v] : a)
        if (k == "synth.clock_period_ns") fail(source, v.Mark(), k, "'" + v.Scalar() + "' has more than 6 significant digits");
    if (evaluate && workload.empty())
      fail(source, js.mark, "jobs.evaluate.workload", "missing option: the workload file (or give a 'workload' axis)");
    PointPlan plan;
    plan.config_hash = c.hash();
    plan.config_name = c.name;
    plan.threads = c.threads;
    std::string key_text = "sysmt sweep point\n" + c.canonical();
    for (JobSpec j : js.jobs) {
      if (j.kind == "evaluate") j.options["workload"] = workload;
      key_text += "job " + j.kind + "\n";
      const JobKind* kind = find_job_kind(j.kind);
      for (const auto& [ok, ov] : j.options) {
        bool is_path = false;
        for (const auto& o : kind->options) is_path |= o.key == ok && o.type == JobOption::Path;
        key_text += "  " + ok + "=" + (is_path ? "#" + cx.hash_of(ov) : ov) + "\n";
      }
      plan.jobs.push_back(j);
    }
    plan.key = hex64(fnv1a64(key_text));
    if (!keys.insert(plan.key).second) continue;  // the same point twice (e.g. listed and in the product)
    for (const std::string& col : columns) {
      if (col == kWorkloadAxis)
        plan.values.emplace_back(col, workload_label.count(workload) ? workload_label[workload] : workload);
      else
        plan.values.emplace_back(col, config_value(c, col));
    }
    plan.index = static_cast<int>(sw.points.size());
    sw.points.push_back(plan);
    sw.configs.push_back(c);
    point_workload.push_back(workload);
  }

  // Baseline: the point given by `baseline`, else the first 1-thread point, else the first.
  if (given.count("baseline")) {
    if (!baseline.IsMap() || baseline.size() == 0)
      fail(source, baseline.Mark(), "baseline", "expected a map of key: value picking one point");
    std::vector<int> match;
    std::string rule;
    for (size_t i = 0; i < sw.points.size(); ++i) {
      bool ok = true;
      each_key(baseline, source, "baseline", [&](const std::string& k, const std::string&, const YAML::Node& kn, const YAML::Node& v) {
        if (k == kWorkloadAxis) {
          ok &= cx.resolve(v.Scalar()).string() == point_workload[i];
          return;
        }
        check_axis_key(cx, "baseline." + k, kn);
        Config c = sw.configs[i];
        set_config_key(c, k, v, source);
        ok &= c.canonical() == sw.configs[i].canonical();
      });
      if (ok) match.push_back(static_cast<int>(i));
    }
    each_key(baseline, source, "baseline", [&](const std::string& k, const std::string&, const YAML::Node&, const YAML::Node& v) {
      rule += (rule.empty() ? "" : ", ") + k + " = " + v.Scalar();
    });
    if (match.empty()) fail(source, baseline.Mark(), "baseline", "matches no point of the sweep (" + rule + ")");
    if (match.size() > 1) {
      std::string list;
      for (int m : match) list += fmt::format("{}#{}", list.empty() ? "" : ", ", m);
      fail(source, baseline.Mark(), "baseline", fmt::format("matches {} points ({}); add keys so that it picks one", match.size(), list));
    }
    sw.baseline = match[0];
    sw.baseline_rule = "point #" + std::to_string(sw.baseline) + " (baseline: " + rule + ")";
  } else {
    sw.baseline = 0;
    sw.baseline_rule = "point #0 (the first point; no 1-thread point)";
    for (size_t i = 0; i < sw.configs.size(); ++i)
      if (sw.configs[i].threads == 1) {
        sw.baseline = static_cast<int>(i);
        sw.baseline_rule = "point #" + std::to_string(i) + " (the first 1-thread point)";
        break;
      }
  }
  return sw;
}

Sweep load_sweep(const std::string& path) { return parse_sweep(read_file(path), path); }

}  // namespace sysmt::sweep
