// The comparison's plan, figures and report.
#include "synth/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/paper.hpp"
#include "sim/cycle/cycle_model.hpp"

namespace sysmt::synth {

namespace {

// The shortest achieved periods are compared with a little slack for printing round-off.
constexpr double kClockEps = 1e-9;

double fmax_of(const SynthReport& s) { return s.timing ? s.timing->array.fmax_mhz : 0.0; }
double path_of(const SynthReport& s) { return s.timing ? s.timing->array.critical_path_ns : 0.0; }
double pe_path_of(const SynthReport& s) { return s.timing && s.timing->pe ? s.timing->pe->critical_path_ns : 0.0; }
double pe_area_of(const SynthReport& s) { return s.pe ? s.pe->area_um2 : 0.0; }

double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

std::uint64_t gemm_total_cycles(const CompareReport& r, int threads, int pipeline) {
  sysmt::ArrayTiming t;
  t.rows = r.rows;
  t.cols = r.cols;
  t.threads = threads;
  t.pipeline = pipeline;
  return gemm_cycles(t, GemmShape{r.reference_gemm.M, r.reference_gemm.K, r.reference_gemm.N}).total_cycles;
}

Versus versus(const CompareReport& r, const CompareDesign& d, const CompareDesign& b) {
  Versus v;
  v.baseline = b.config;
  v.baseline_pipeline = b.pipeline;
  v.array_area_ratio = ratio(d.synth.area_um2, b.synth.area_um2);
  v.pe_area_ratio = ratio(pe_area_of(d.synth), pe_area_of(b.synth));
  v.fmax_ratio = ratio(fmax_of(d.synth), fmax_of(b.synth));
  std::vector<double> runs;
  const auto& dr = d.synth.abc_runs.array_area_um2_by_run;
  const auto& br = b.synth.abc_runs.array_area_um2_by_run;
  for (size_t i = 0; i < std::min(dr.size(), br.size()); ++i) runs.push_back(ratio(dr[i], br[i]));
  v.area_ratio_spread = spread_of(runs);
  v.area_ratio_at_common_clock = ratio(area_at_clock(d, r.common_clock_ns), area_at_clock(b, r.common_clock_ns));
  v.area_ratio_at_best_clock = ratio(d.area_at_best_um2, b.area_at_best_um2);
  v.speedup_cycles = ratio(static_cast<double>(gemm_total_cycles(r, b.threads, b.pipeline)),
                           static_cast<double>(gemm_total_cycles(r, d.threads, d.pipeline)));
  v.speedup_time = v.speedup_cycles * v.fmax_ratio;
  v.area_per_throughput_ratio = ratio(v.array_area_ratio, v.speedup_time);
  return v;
}

void find_best_clock(CompareDesign& d) {
  d.best_period_ns = 0;
  d.area_at_best_um2 = 0;
  for (const SweepPoint& p : d.sweep)
    if (d.best_period_ns == 0 || p.critical_path_ns < d.best_period_ns - kClockEps) d.best_period_ns = p.critical_path_ns;
  d.area_at_best_um2 = area_at_clock(d, d.best_period_ns);
}

CompareRow row_of(const CompareReport& r, const CompareDesign& d) {
  CompareRow row;
  row.config = d.config;
  row.threads = d.threads;
  row.pipeline = d.pipeline;
  const sysmt::PaperFigures& p = sysmt::paper_figures(d.threads);
  row.paper_area_ratio = p.area_ratio;
  row.paper_speedup = p.speedup;
  row.array_area_um2 = d.synth.area_um2;
  row.array_nand2_eq = d.synth.nand2_eq;
  row.pe_area_um2 = pe_area_of(d.synth);
  row.array_critical_path_ns = path_of(d.synth);
  row.pe_critical_path_ns = pe_path_of(d.synth);
  row.array_fmax_mhz = fmax_of(d.synth);
  row.peak_gmac_per_s = r.rows * r.cols * d.threads * row.array_fmax_mhz / 1000.0;
  row.area_spread_um2 = spread_of(d.synth.abc_runs.array_area_um2_by_run);
  row.area_at_common_clock_um2 = area_at_clock(d, r.common_clock_ns);
  row.equal_effort = versus(r, d, r.design(1, d.pipeline));
  row.plain = versus(r, d, r.design(1, 0));
  return row;
}

std::string spread_text(const Spread& s, const char* f) {
  return fmt::format(fmt::runtime(std::string(f) + " ({}-{})"), s.median, fmt::format(fmt::runtime(f), s.min),
                     fmt::format(fmt::runtime(f), s.max));
}

}  // namespace

std::string compare_design_name(int threads, int pipeline, int rows, int cols) {
  return config_name(threads, rows, cols, "p" + std::to_string(pipeline));
}

std::vector<Config> compare_configs(const Config& base, int rows, int cols) {
  std::vector<std::pair<int, int>> keys = {{1, 0}};  // (threads, P): the plain MAC first
  auto add = [&](int t, int p) {
    if (std::find(keys.begin(), keys.end(), std::make_pair(t, p)) == keys.end()) keys.emplace_back(t, p);
  };
  for (int t : kCompareThreads) {
    if (t == 1) continue;
    Config c = base;
    c.threads = t;
    add(1, c.pipeline_stages());  // its equal-effort baseline
  }
  for (int t : kCompareThreads) {
    if (t == 1) continue;
    Config c = base;
    c.threads = t;
    add(t, c.pipeline_stages());
  }
  std::vector<Config> out;
  for (const auto& [t, p] : keys) {
    Config c = base;
    c.threads = t;
    c.pipeline = p;
    c.rows = rows;
    c.cols = cols;
    c.name = compare_design_name(t, p, rows, cols);
    out.push_back(c);
  }
  return out;
}

const CompareDesign& CompareReport::design(int threads, int pipeline) const {
  for (const CompareDesign& d : designs)
    if (d.threads == threads && d.pipeline == pipeline) return d;
  throw InputError(fmt::format("compare report: no design with T = {} and P = {}", threads, pipeline));
}

const CompareRow& CompareReport::row(int threads, int pipeline) const {
  for (const CompareRow& x : table)
    if (x.threads == threads && x.pipeline == pipeline) return x;
  throw InputError(fmt::format("compare report: no row with T = {} and P = {}", threads, pipeline));
}

std::vector<const CompareRow*> CompareReport::nbsmt_rows() const {
  std::vector<const CompareRow*> out;
  for (const CompareRow& x : table)
    if (x.threads > 1) out.push_back(&x);
  std::stable_sort(out.begin(), out.end(), [](const CompareRow* a, const CompareRow* b) { return a->threads < b->threads; });
  return out;
}

CompareReport read_compare_report(const std::string& path) {
  try {
    return nlohmann::json::parse(read_file(path)).get<CompareReport>();
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": not a sysmt comparison report: " + e.what());
  }
}

double area_at_clock(const CompareDesign& d, double clock_ns) {
  double best = 0;
  for (const SweepPoint& p : d.sweep)
    if (p.critical_path_ns <= clock_ns + kClockEps && (best == 0 || p.area_um2 < best)) best = p.area_um2;
  return best;
}

void summarize(CompareReport& r) {
  r.reference_gemm = {8 * r.rows, 1024, 8 * r.cols};
  r.common_clock_ns = 0;
  for (CompareDesign& d : r.designs) {
    find_best_clock(d);
    r.common_clock_ns = std::max(r.common_clock_ns, d.best_period_ns);
  }
  r.table.clear();
  for (const CompareDesign& d : r.designs) r.table.push_back(row_of(r, d));
}

namespace {

std::string versus_table(const CompareReport& r, bool equal_effort) {
  std::string md =
      "| design | T | P | baseline | array area um^2 | area vs baseline | over ABC runs: median (min-max) | paper's area | array path ns | "
      "fmax MHz | fmax vs baseline | speedup in cycles | **speedup in time** | paper's speedup |\n"
      "|---|---:|---:|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const CompareRow& x : r.table) {
    const Versus& v = equal_effort ? x.equal_effort : x.plain;
    if (x.threads == 1 && x.config != v.baseline) continue;  // a 1T against another 1T says nothing here
    md += fmt::format(
        "| {} | {} | {} | {} | {:.0f} | **{:.2f}x** | {} | {:.1f}x | {:.3f} | {:.1f} | {:.2f}x | {:.2f}x | **{:.2f}x** | {:.1f}x |\n",
        x.config, x.threads, x.pipeline, v.baseline, x.array_area_um2, v.array_area_ratio, spread_text(v.area_ratio_spread, "{:.3f}x"),
        x.paper_area_ratio, x.array_critical_path_ns, x.array_fmax_mhz, v.fmax_ratio, v.speedup_cycles, v.speedup_time, x.paper_speedup);
  }
  return md;
}

std::string area_delay_section(const CompareReport& r) {
  std::string md = "\n## Area against achieved clock period (clock targets";
  for (double p : r.periods_ns) md += fmt::format(" {:g}", p);
  md +=
      " ns)\n\nEach cell: achieved period (the array's critical path) ns / array area um^2 (kept ABC runs); ABC's delay target is the "
      "clock target.\n\n| design |";
  for (double p : r.periods_ns) md += fmt::format(" target {:g} ns |", p);
  md += " best period ns |\n|---|";
  for (size_t i = 0; i < r.periods_ns.size(); ++i) md += "---:|";
  md += "---:|\n";
  for (const CompareDesign& d : r.designs) {
    md += "| " + d.config + " |";
    for (const SweepPoint& p : d.sweep) md += fmt::format(" {:.3f} / {:.0f} |", p.critical_path_ns, p.area_um2);
    md += fmt::format(" {:.3f} |\n", d.best_period_ns);
  }
  md += fmt::format(
      "\nCommon clock: {:.3f} ns, the shortest period every design meets (the largest of their best periods). Area at a clock = the "
      "smallest "
      "area among a design's points that meet it.\n\n"
      "| design | area at the common clock um^2 | vs equal-effort 1T | vs plain 1T (P = 0) | area at its own best clock um^2 | vs "
      "equal-effort 1T "
      "(each at its best clock) | vs plain 1T (each at its best clock) |\n|---|---:|---:|---:|---:|---:|---:|\n",
      r.common_clock_ns);
  for (const CompareRow& x : r.table) {
    const CompareDesign& d = r.design(x.threads, x.pipeline);
    md += fmt::format("| {} | {:.0f} | {:.2f}x | {:.2f}x | {:.0f} | {:.2f}x | {:.2f}x |\n", x.config, x.area_at_common_clock_um2,
                      x.equal_effort.area_ratio_at_common_clock, x.plain.area_ratio_at_common_clock, d.area_at_best_um2,
                      x.equal_effort.area_ratio_at_best_clock, x.plain.area_ratio_at_best_clock);
  }
  return md;
}

std::string breakdown_section(const CompareReport& r) {
  std::string md = "\n## Area breakdown at the main clock target (um^2, share of the array)\n\n| component |";
  for (const CompareDesign& d : r.designs) md += " " + d.config + " |";
  md += "\n|---|";
  for (size_t i = 0; i < r.designs.size(); ++i) md += "---:|";
  md += "\n";
  const double npe = r.rows * r.cols;
  auto line = [&](const std::string& label, auto area_of) {
    md += "| " + label + " |";
    for (const CompareDesign& d : r.designs) md += fmt::format(" {:.0f} ({:.1f}%) |", area_of(d), 100 * area_of(d) / d.synth.area_um2);
    md += "\n";
  };
  line("PE flip-flops", [&](const CompareDesign& d) { return d.synth.pe ? npe * d.synth.pe->ff_area_um2 : 0.0; });
  line("PE logic", [&](const CompareDesign& d) { return d.synth.pe ? npe * d.synth.pe->comb_area_um2 : 0.0; });
  line("skew", [&](const CompareDesign& d) { return d.synth.kind_area("skew"); });
  line("drain+control", [&](const CompareDesign& d) { return d.synth.kind_area("drain+control"); });
  return md;
}

// Plain sentences: where our figures are below the paper's (speedup) or above it (area).
std::string paper_section(const CompareReport& r) {
  const sysmt::PaperFigures &p2 = sysmt::paper_figures(2), &p4 = sysmt::paper_figures(4);
  std::string md = fmt::format("\n## Against the paper (2T: {:.1f}x area, {:.1f}x speedup; 4T: {:.1f}x area, {:.1f}x speedup)\n\n",
                               p2.area_ratio, p2.speedup, p4.area_ratio, p4.speedup);
  for (const CompareRow* x : r.nbsmt_rows()) {
    const Versus& v = x->equal_effort;
    md += fmt::format(
        "- {}T against the equal-effort 1T (P = {}): speedup in time {:.2f}x, {} the paper's {:.1f}x; area {:.2f}x ({:.2f}x at the "
        "common clock), {} the paper's {:.1f}x. Against the plain MAC: {:.2f}x speedup in time, {:.2f}x area.\n",
        x->threads, v.baseline_pipeline, v.speedup_time, v.speedup_time < x->paper_speedup ? "**below**" : "at or above", x->paper_speedup,
        v.array_area_ratio, v.area_ratio_at_common_clock, v.array_area_ratio <= x->paper_area_ratio ? "within" : "**above**",
        x->paper_area_ratio, x->plain.speedup_time, x->plain.array_area_ratio);
  }
  return md;
}

}  // namespace

std::string compare_markdown(const CompareReport& r) {
  std::string md = fmt::format("# SySMT {}x{}: 1, 2 and 4 threads per PE\n\n", r.rows, r.cols);
  md += fmt::format(
      "Library `{}`, corner {}; main clock target {} ns (ABC's delay target and the timing reports); hierarchical Yosys synthesis, best of "
      "{} ABC "
      "run{} per leaf module; OpenSTA timing. {}; {}.\n\n",
      r.liberty.library, r.liberty.corner, r.clock_period_ns, r.abc_runs, r.abc_runs == 1 ? "" : "s", r.tools.yosys, r.tools.sta);
  md += fmt::format(
      "Speedup in cycles: the cycle model (sim/cycle) on a reference GEMM of {} x {} x {} (M x K x N), the baseline's cycles over the "
      "design's. Speedup in time = speedup in cycles x fmax of the design / fmax of the baseline, each at its critical path for the main "
      "clock target. Area ratios: whole array, kept (smallest) ABC runs; beside them the ratio of run i to the baseline's run i over the "
      "runs.\n\n",
      r.reference_gemm.M, r.reference_gemm.K, r.reference_gemm.N);
  md += "## Baseline: the equal-effort 1T (the 1T array with the same pipeline depth P as the design)\n\n" + versus_table(r, true);
  md += "\n## Baseline: the plain single-cycle MAC (1T, P = 0)\n\n" + versus_table(r, false);
  md += area_delay_section(r);
  md += paper_section(r);
  md += breakdown_section(r);
  for (const std::string& p : r.plots)
    if (p.size() > 4 && p.substr(p.size() - 4) == ".svg") md += "\n![" + p.substr(0, p.size() - 4) + "](" + p + ")\n";
  md += fmt::format("\nWall time {:.1f} s.\n", r.wall_time_s);
  return md;
}

}  // namespace sysmt::synth
