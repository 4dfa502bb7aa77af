// The sweep table: gathered from the points' stamps, with the baseline ratios and Pareto fronts, rendered
// as JSON (typed), CSV, Markdown and gnuplot scripts.
#include "sweep/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/files.hpp"
#include "common/output.hpp"
#include "common/plot.hpp"
#include "common/process.hpp"
#include "sweep/json_optional.hpp"

namespace sysmt::sweep {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json values_json(const std::vector<std::pair<std::string, std::string>>& values) {
  json a = json::array();
  for (const auto& [k, v] : values) a.push_back({{"key", k}, {"value", v}});
  return a;
}
std::vector<std::pair<std::string, std::string>> values_from(const json& a) {
  std::vector<std::pair<std::string, std::string>> v;
  for (const json& x : a) v.emplace_back(x.at("key").get<std::string>(), x.at("value").get<std::string>());
  return v;
}

// Indices of the rows not dominated in (x low, y high or low).
std::vector<size_t> front(const std::vector<std::pair<double, double>>& pts, bool y_higher_better) {
  std::vector<size_t> f;
  for (size_t i = 0; i < pts.size(); ++i) {
    bool dominated = false;
    for (size_t j = 0; j < pts.size() && !dominated; ++j) {
      if (i == j) continue;
      const double xi = pts[i].first, xj = pts[j].first;
      const double yi = y_higher_better ? pts[i].second : -pts[i].second, yj = y_higher_better ? pts[j].second : -pts[j].second;
      dominated = xj <= xi && yj >= yi && (xj < xi || yj > yi);
    }
    if (!dominated) f.push_back(i);
  }
  return f;
}

template <class T>
std::string cell(const std::optional<T>& v) {
  return v ? fmt::format("{}", *v) : std::string();
}

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string label(const ReportRow& r) {
  std::string s;
  for (const auto& [k, v] : r.values) s += (s.empty() ? "" : ", ") + k.substr(k.rfind('.') + 1) + " " + v;
  return s;
}

}  // namespace

void to_json(json& j, const PointResult& r) {
  j = {{"key", r.key}, {"config_hash", r.config_hash}, {"metrics", r.metrics}, {"job_seconds", r.job_seconds}};
}
void from_json(const json& j, PointResult& r) {
  j.at("key").get_to(r.key);
  j.at("config_hash").get_to(r.config_hash);
  j.at("metrics").get_to(r.metrics);
  j.at("job_seconds").get_to(r.job_seconds);
}

void to_json(json& j, const PointFailure& f) { j = {{"key", f.key}, {"job", f.job}, {"status", f.status}, {"log", f.log}}; }
void from_json(const json& j, PointFailure& f) {
  j.at("key").get_to(f.key);
  j.at("job").get_to(f.job);
  j.at("status").get_to(f.status);
  j.at("log").get_to(f.log);
}

void to_json(json& j, const ReportRow& r) {
  j = {{"index", r.index},
       {"key", r.key},
       {"config_hash", r.config_hash},
       {"values", values_json(r.values)},
       {"status", r.status},
       {"failed_job", r.failed_job},
       {"log", r.log},
       {"detail", r.detail},
       {"metrics", r.metrics},
       {"pareto_time", r.pareto_time},
       {"pareto_error", r.pareto_error},
       {"seconds", r.seconds}};
  put(j, "time_us", r.time_us);
  put(j, "speedup_time", r.speedup_time);
  put(j, "area_ratio", r.area_ratio);
}
void from_json(const json& j, ReportRow& r) {
  j.at("index").get_to(r.index);
  j.at("key").get_to(r.key);
  j.at("config_hash").get_to(r.config_hash);
  r.values = values_from(j.at("values"));
  j.at("status").get_to(r.status);
  j.at("failed_job").get_to(r.failed_job);
  j.at("log").get_to(r.log);
  j.at("detail").get_to(r.detail);
  j.at("metrics").get_to(r.metrics);
  j.at("pareto_time").get_to(r.pareto_time);
  j.at("pareto_error").get_to(r.pareto_error);
  j.at("seconds").get_to(r.seconds);
  get(j, "time_us", r.time_us);
  get(j, "speedup_time", r.speedup_time);
  get(j, "area_ratio", r.area_ratio);
}

void to_json(json& j, const SweepReport& r) {
  json extra = json::array();
  for (const auto& m : r.extra_metrics)
    extra.push_back({{"name", m.name}, {"unit", m.unit}, {"meaning", m.meaning}, {"higher_is_better", m.higher_is_better}});
  j = {{"tool", r.tool},
       {"version", r.version},
       {"name", r.name},
       {"sweep_file", r.sweep_file},
       {"sweep_hash", r.sweep_hash},
       {"columns", r.columns},
       {"baseline", r.baseline},
       {"baseline_rule", r.baseline_rule},
       {"extra_metrics", extra},
       {"points", r.rows}};
}
void from_json(const json& j, SweepReport& r) {
  j.at("tool").get_to(r.tool);
  j.at("version").get_to(r.version);
  j.at("name").get_to(r.name);
  j.at("sweep_file").get_to(r.sweep_file);
  j.at("sweep_hash").get_to(r.sweep_hash);
  j.at("columns").get_to(r.columns);
  j.at("baseline").get_to(r.baseline);
  j.at("baseline_rule").get_to(r.baseline_rule);
  r.extra_metrics.clear();
  for (const json& m : j.at("extra_metrics"))
    r.extra_metrics.push_back({m.at("name").get<std::string>(), m.at("unit").get<std::string>(), m.at("meaning").get<std::string>(),
                               m.at("higher_is_better").get<bool>()});
  j.at("points").get_to(r.rows);
}

int SweepReport::done() const {
  return static_cast<int>(std::count_if(rows.begin(), rows.end(), [](const ReportRow& r) { return r.status == "done"; }));
}
int SweepReport::failed() const { return static_cast<int>(rows.size()) - done(); }
int SweepReport::verify_failures() const {
  return static_cast<int>(
      std::count_if(rows.begin(), rows.end(), [](const ReportRow& r) { return r.metrics.verify_pass && !*r.metrics.verify_pass; }));
}

SweepReport gather(const Sweep& sw, const fs::path& out) {
  SweepReport rep;
  rep.version = SYSMT_VERSION;
  rep.name = sw.name;
  rep.sweep_file = sw.source;
  rep.sweep_hash = sw.hash;
  rep.columns = sw.columns;
  rep.baseline = sw.baseline;
  rep.baseline_rule = sw.baseline_rule;
  for (const PointPlan& p : sw.points) {
    ReportRow row;
    row.index = p.index;
    row.key = p.key;
    row.config_hash = p.config_hash;
    row.values = p.values;
    const fs::path dir = out / "points" / p.key;
    const fs::path rel = fs::path("points") / p.key;
    row.status = "unfinished";
    row.log = (rel / "point.log").string();
    if (fs::exists(dir / kResultFile)) {
      const PointResult res = json::parse(read_file(dir / kResultFile)).get<PointResult>();
      if (res.key == p.key) {
        row.status = "done";
        row.metrics = res.metrics;
        for (const auto& [job, s] : res.job_seconds) row.seconds += s;
      }
    } else if (fs::exists(dir / kFailureFile)) {
      const PointFailure f = json::parse(read_file(dir / kFailureFile)).get<PointFailure>();
      row.status = "failed";
      row.failed_job = f.job;
      row.log = (rel / f.log).string();
    }
    rep.rows.push_back(row);
  }

  // Ratios against the baseline, each design at its own fmax.
  auto time_of = [](const ReportRow& r) -> std::optional<double> {
    if (r.metrics.cycles && r.metrics.fmax_mhz && *r.metrics.fmax_mhz > 0)
      return static_cast<double>(*r.metrics.cycles) / *r.metrics.fmax_mhz;
    return std::nullopt;
  };
  for (ReportRow& r : rep.rows) r.time_us = time_of(r);
  const ReportRow& b = rep.rows.at(sw.baseline);
  for (ReportRow& r : rep.rows) {
    if (r.time_us && b.time_us) r.speedup_time = *b.time_us / *r.time_us;
    if (r.metrics.area_um2 && b.metrics.area_um2) r.area_ratio = *r.metrics.area_um2 / *b.metrics.area_um2;
  }

  // Pareto fronts.
  std::vector<size_t> idx;
  std::vector<std::pair<double, double>> pts;
  for (size_t i = 0; i < rep.rows.size(); ++i)
    if (rep.rows[i].metrics.area_um2 && rep.rows[i].speedup_time) {
      idx.push_back(i);
      pts.emplace_back(*rep.rows[i].metrics.area_um2, *rep.rows[i].speedup_time);
    }
  for (size_t f : front(pts, true)) rep.rows[idx[f]].pareto_time = true;
  idx.clear();
  pts.clear();
  for (size_t i = 0; i < rep.rows.size(); ++i)
    if (rep.rows[i].metrics.area_um2 && rep.rows[i].metrics.rel_error) {
      idx.push_back(i);
      pts.emplace_back(*rep.rows[i].metrics.area_um2, *rep.rows[i].metrics.rel_error);
    }
  for (size_t f : front(pts, false)) rep.rows[idx[f]].pareto_error = true;

  // Extra figures present in some row, described by the job kind that adds them.
  for (const JobKind& k : job_kinds())
    for (const MetricDoc& m : k.metrics)
      if (std::any_of(rep.rows.begin(), rep.rows.end(), [&](const ReportRow& r) { return r.metrics.extra.count(m.name) > 0; }))
        rep.extra_metrics.push_back(m);
  return rep;
}

std::string to_csv(const SweepReport& r) {
  std::string s = "index,point,config_hash";
  for (const auto& c : r.columns) s += "," + csv_quote(c);
  s += ",status,verify,verify_gemms,area_um2,nand2_eq,flip_flops,critical_path_ns,fmax_mhz,cycles,speedup_cycles,pe_utilization,"
       "rel_error,sqnr_db";
  for (const auto& m : r.extra_metrics) s += "," + m.name;
  s += ",time_us,speedup_time,area_ratio,pareto_time,pareto_error,failed_job,seconds,log\n";
  for (const ReportRow& row : r.rows) {
    const Metrics& m = row.metrics;
    s += fmt::format("{},{},{}", row.index, row.key, row.config_hash);
    for (const auto& [k, v] : row.values) s += "," + csv_quote(v);
    s += fmt::format(",{},{},{},{},{},{},{},{},{},{},{},{},{}", row.status, m.verify_pass ? (*m.verify_pass ? "pass" : "FAIL") : "",
                     cell(m.verify_gemms), cell(m.area_um2), cell(m.nand2_eq), cell(m.flip_flops), cell(m.critical_path_ns),
                     cell(m.fmax_mhz), cell(m.cycles), cell(m.speedup_cycles), cell(m.pe_utilization), cell(m.rel_error),
                     m.sqnr_db ? fmt::format("{}", *m.sqnr_db) : (m.rel_error && *m.rel_error == 0 ? "inf" : ""));
    for (const auto& md : r.extra_metrics) s += "," + (m.extra.count(md.name) ? fmt::format("{}", m.extra.at(md.name)) : std::string());
    s += fmt::format(",{},{},{},{},{},{},{:.1f},{}\n", cell(row.time_us), cell(row.speedup_time), cell(row.area_ratio),
                     row.pareto_time ? 1 : 0, row.pareto_error ? 1 : 0, csv_quote(row.failed_job), row.seconds, csv_quote(row.log));
  }
  return s;
}

std::string to_markdown(const SweepReport& r, const std::vector<std::string>& plots) {
  std::string md = fmt::format("# Sweep `{}`: {} points\n\n", r.name, r.rows.size());
  md += fmt::format("Written by `sysmt sweep` {} from `{}` (hash {}). {} done, {} not done.\n", r.version, r.sweep_file, r.sweep_hash,
                    r.done(), r.failed());
  md += fmt::format(
      "Baseline of the ratios: {}. Speedup in time = baseline workload time / this point's, each design at its "
      "own array fmax (cycles from the cycle model, fmax from OpenSTA).\n\n",
      r.baseline_rule);
  md += "| # |";
  for (const auto& c : r.columns) md += " " + c + " |";
  md +=
      " status | verify | area (um^2) | area vs base | fmax (MHz) | cycles | speedup (cycles) | time (ms) | speedup in time | SQNR (dB) |";
  for (const auto& m : r.extra_metrics) md += fmt::format(" {} ({}) |", m.name, m.unit);
  md += " front | config hash |\n|---:|";
  for (size_t i = 0; i < r.columns.size(); ++i) md += "---|";
  md += "---|---|---:|---:|---:|---:|---:|---:|---:|---:|";
  for (size_t i = 0; i < r.extra_metrics.size(); ++i) md += "---:|";
  md += "---|---|\n";
  auto f = [](const std::optional<double>& v, const char* spec) { return v ? fmt::format(fmt::runtime(spec), *v) : std::string("-"); };
  for (const ReportRow& row : r.rows) {
    const Metrics& m = row.metrics;
    md += fmt::format("| {}{} |", row.index, row.index == r.baseline ? " (base)" : "");
    for (const auto& [k, v] : row.values) md += " " + v + " |";
    std::string sq = m.sqnr_db ? fmt::format("{:.1f}", *m.sqnr_db) : (m.rel_error && *m.rel_error == 0 ? "exact" : "-");
    std::string mark = std::string(row.pareto_time ? "time " : "") + (row.pareto_error ? "error" : "");
    md += fmt::format(" {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |", row.status,
                      m.verify_pass ? (*m.verify_pass ? "pass" : "**FAIL**") : "-", f(m.area_um2, "{:.0f}"), f(row.area_ratio, "{:.2f}x"),
                      f(m.fmax_mhz, "{:.1f}"), m.cycles ? std::to_string(*m.cycles) : "-", f(m.speedup_cycles, "{:.2f}x"),
                      f(row.time_us ? std::optional<double>(*row.time_us / 1000) : std::nullopt, "{:.1f}"), f(row.speedup_time, "{:.2f}x"),
                      sq);
    for (const auto& md2 : r.extra_metrics)
      md += " " + (m.extra.count(md2.name) ? fmt::format("{:.4g}", m.extra.at(md2.name)) : std::string("-")) + " |";
    md += fmt::format(" {} | `{}` |\n", mark.empty() ? "" : mark, row.config_hash);
  }
  md +=
      "\n`front`: on the Pareto front of area against speedup in time (`time`) or against the relative error (`error`). "
      "SQNR: MAC-weighted, interleaved mapping (the project's stand-in for accuracy); exact for 1 thread.\n";
  bool any_bad = false;
  for (const ReportRow& row : r.rows)
    if (row.status != "done") {
      if (!any_bad) md += "\n## Points not done (rerun `sysmt sweep` to run them again)\n\n";
      any_bad = true;
      md += fmt::format("- #{} ({}): {}{}{}; log `{}`\n", row.index, label(row), row.status,
                        row.failed_job.empty() ? "" : " in " + row.failed_job, row.detail.empty() ? "" : " (" + row.detail + ")", row.log);
    }
  if (!plots.empty()) {
    md += "\n## Pareto plots\n\n";
    for (const auto& p : plots)
      if (p.size() > 4 && p.substr(p.size() - 4) == ".svg") md += "![" + p + "](" + p + ")\n";
  }
  return md;
}

namespace {

// A gnuplot script drawing every point (labelled by index) and the Pareto front of (x low, y high/low).
std::string pareto_script(const std::string& base, const std::string& title, const std::string& xlabel, const std::string& ylabel,
                          const std::vector<std::pair<int, std::pair<double, double>>>& pts, bool y_higher_better) {
  std::vector<std::pair<double, double>> xy;
  for (const auto& p : pts) xy.push_back(p.second);
  std::vector<size_t> f = front(xy, y_higher_better);
  std::sort(f.begin(), f.end(), [&](size_t a, size_t b) { return xy[a] < xy[b]; });
  std::string data = "$points << EOD\n";
  for (const auto& p : pts) data += fmt::format("{} {} {}\n", p.second.first, p.second.second, p.first);
  data += "EOD\n$front << EOD\n";
  for (size_t i : f) data += fmt::format("{} {}\n", xy[i].first, xy[i].second);
  data += "EOD\n";
  std::string gp = "# Written by sysmt sweep: " + title + "\n" + data;
  for (const auto& [term, file] : {std::pair<std::string, std::string>{gnuplot().png_terminal(900, 560), base + ".png"},
                                   {"set terminal svg size 900,560", base + ".svg"}}) {
    gp += term + "\nset output '" + file + "'\n";
    gp += fmt::format(
        "set title '{}'\nset xlabel '{}'\nset ylabel '{}'\nset grid\nset key {}\nset offsets graph 0.05, graph 0.08, graph 0.08, {}\n",
        title, xlabel, ylabel, y_higher_better ? "bottom right" : "top left", y_higher_better ? "graph 0.08" : "0\nset yrange [0:*]");
    gp +=
        "plot $points using 1:2 with points pt 7 ps 1.2 lc rgb '#4a7ab7' title 'points', "
        "$points using 1:2:(sprintf('#%d', $3)) with labels offset char 1,0.6 font ',9' notitle, "
        "$front using 1:2 with linespoints lw 2 pt 6 ps 2 lc rgb '#c0392b' title 'Pareto front'\n";
  }
  return gp;
}

}  // namespace

std::vector<std::string> write_report(const SweepReport& r, const fs::path& out, std::string& plot_note) {
  write_file_atomic(out / "sweep.json", json(r).dump(2) + "\n");
  write_file_atomic(out / "sweep.csv", to_csv(r));
  std::vector<std::string> plots;
  struct Plot {
    std::string base, title, xlabel, ylabel;
    std::vector<std::pair<int, std::pair<double, double>>> pts;
    bool higher;
  };
  std::vector<Plot> todo;
  Plot t{"pareto-time",
         "Sweep " + r.name + ": area against speedup in time",
         "array area (mm^2)",
         "speedup in time vs " + std::string("point #") + std::to_string(r.baseline),
         {},
         true};
  Plot e{"pareto-error",
         "Sweep " + r.name + ": area against numerical error",
         "array area (mm^2)",
         "relative error, MAC-weighted (%, 0 = exact)",
         {},
         false};
  for (const ReportRow& row : r.rows) {
    if (row.metrics.area_um2 && row.speedup_time) t.pts.push_back({row.index, {*row.metrics.area_um2 / 1e6, *row.speedup_time}});
    if (row.metrics.area_um2 && row.metrics.rel_error)
      e.pts.push_back({row.index, {*row.metrics.area_um2 / 1e6, 100 * *row.metrics.rel_error}});
  }
  if (!t.pts.empty()) todo.push_back(t);
  if (!e.pts.empty()) todo.push_back(e);
  for (const MetricDoc& m : r.extra_metrics) {
    Plot x{"pareto-" + m.name, "Sweep " + r.name + ": area against " + m.name, "array area (mm^2)", m.name + " (" + m.unit + ")", {},
           m.higher_is_better};
    for (const ReportRow& row : r.rows)
      if (row.metrics.area_um2 && row.metrics.extra.count(m.name))
        x.pts.push_back({row.index, {*row.metrics.area_um2 / 1e6, row.metrics.extra.at(m.name)}});
    if (!x.pts.empty()) todo.push_back(x);
  }
  if (todo.empty()) {
    plot_note = "no plot: no point has both an area (synth job) and speedup or error figures (evaluate job)";
  } else if (!gnuplot().available) {
    plot_note = "gnuplot not found: no plots (install gnuplot-nox; sweep.csv has the data)";
  } else {
    for (const Plot& p : todo) {
      write_file_atomic(out / (p.base + ".gp"), pareto_script(p.base, p.title, p.xlabel, p.ylabel, p.pts, p.higher));
      if (run_gnuplot(out, p.base + ".gp", out / (p.base + ".log"))) {
        plots.push_back(p.base + ".png");
        plots.push_back(p.base + ".svg");
        fs::remove(out / (p.base + ".log"));
      } else {
        plot_note = "gnuplot failed on " + p.base + ".gp (see " + (out / (p.base + ".log")).string() + ")";
      }
    }
  }
  write_file_atomic(out / "sweep.md", to_markdown(r, plots));
  return plots;
}

}  // namespace sysmt::sweep
