// `sysmt compare`: the 1-, 2- and 4-thread arrays of one size, each NB-SMT design against the
// equal-effort 1T (same pipeline depth) and the plain single-cycle MAC, every design synthesised at a
// sweep of clock targets (area against achieved clock period), with the spread of ABC's runs.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "cli/cli.hpp"
#include "common/config.hpp"
#include "common/error.hpp"
#include "common/output.hpp"
#include "common/plot.hpp"
#include "synth/compare.hpp"
#include "synth/flow.hpp"

namespace sysmt::cli {

namespace {

namespace fs = std::filesystem;

struct CompareOptions {
  int rows = 16, cols = 16;
  std::string base, out;
  std::vector<double> periods = {4, 5, 6, 8, 10};
  synth::Options o;
};

// One synthesis: design `design` (index into the configs) at clock target `period_ns`.
struct Job {
  size_t design = 0;
  double period_ns = 0;
  bool main = false;  // the main clock target: its whole folder is kept
  synth::SynthReport report;
};

std::string period_tag(double ns) { return fmt::format("{:g}ns", ns); }

// The sweep's targets, loosest first, with the main target among them.
std::vector<double> sweep_targets(std::vector<double> periods, double main_ns) {
  for (double p : periods) synth::check_period_option(p);
  periods.push_back(main_ns);
  std::sort(periods.begin(), periods.end(), std::greater<double>());
  periods.erase(std::unique(periods.begin(), periods.end()), periods.end());
  return periods;
}

// Runs every job, two at a time (each synthesis runs its Yosys units in parallel too), the largest
// designs and tightest targets first; one progress line per finished job.
void run_jobs(std::vector<Job>& jobs, const std::vector<Config>& cfgs, const synth::Liberty& lib, const synth::Options& o,
              const fs::path& tmp) {
  std::vector<size_t> order(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Config &ca = cfgs[jobs[a].design], &cb = cfgs[jobs[b].design];
    return ca.threads != cb.threads ? ca.threads > cb.threads : jobs[a].period_ns < jobs[b].period_ns;
  });
  std::atomic<size_t> next{0}, done{0};
  std::mutex mu;
  std::exception_ptr err;
  const auto t0 = std::chrono::steady_clock::now();
  const auto say = synth::progress_printer("compare");
  auto worker = [&] {
    for (size_t k = next++; k < order.size(); k = next++) {
      Job& j = jobs[order[k]];
      const Config& c = cfgs[j.design];
      try {
        synth::Options jo = o;
        jo.period_ns = j.period_ns;
        const fs::path w = j.main ? tmp / ("synth-" + c.name) : tmp / "sweep" / (c.name + "_" + period_tag(j.period_ns));
        fs::create_directories(w);
        j.report = synth::run_synth(c, lib, jo, w, j.main ? say : synth::Progress([](const std::string&) {}));
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        say(fmt::format("{}/{} syntheses done: {} at {:g} ns: path {:.3f} ns, area {:.0f} um^2 ({:.0f} s)", ++done, jobs.size(), c.name,
                        j.period_ns, j.report.timing ? j.report.timing->array.critical_path_ns : 0.0, j.report.area_um2, s));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!err) err = std::current_exception();
        next = order.size();
      }
    }
  };
  const unsigned n = std::max(1u, std::min(2u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < n; ++i) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (err) std::rethrow_exception(err);
}

// A sweep point's folder keeps its reports only (its netlists and unit folders are large).
void trim_sweep_folder(const fs::path& w) {
  for (const auto& e : fs::directory_iterator(w)) {
    const std::string n = e.path().filename().string();
    const bool report = n.size() > 11 && (n.substr(n.size() - 11) == ".synth.json" || n.substr(n.size() - 9) == ".synth.md");
    if (!report) fs::remove_all(e.path());
  }
}

synth::CompareReport assemble(const CompareOptions& co, const std::vector<Config>& cfgs, const std::vector<Job>& jobs,
                              const std::vector<double>& targets, double main_ns) {
  synth::CompareReport r;
  r.version = SYSMT_VERSION;
  r.rows = co.rows;
  r.cols = co.cols;
  r.base_config = co.base.empty() ? std::string("defaults") : co.base;
  r.clock_period_ns = main_ns;
  r.periods_ns = targets;
  r.abc_runs = co.o.abc_runs;
  for (size_t d = 0; d < cfgs.size(); ++d) {
    synth::CompareDesign cd;
    cd.config = cfgs[d].name;
    cd.threads = cfgs[d].threads;
    cd.pipeline = cfgs[d].pipeline_stages();
    for (const Job& j : jobs) {
      if (j.design != d) continue;
      if (j.main) cd.synth = j.report;
      const synth::SynthReport& s = j.report;
      cd.sweep.push_back({j.period_ns, s.timing ? s.timing->array.critical_path_ns : 0.0,
                          s.timing && s.timing->pe ? s.timing->pe->critical_path_ns : 0.0, s.area_um2,
                          synth::spread_of(s.abc_runs.array_area_um2_by_run)});
    }
    r.designs.push_back(cd);
  }
  r.liberty = r.designs.front().synth.liberty;
  r.tools = r.designs.front().synth.tools;
  synth::summarize(r);
  return r;
}

std::string breakdown_script(const std::string& terminal, const std::string& file, const synth::CompareReport& r) {
  return fmt::format(
      "{}\nset output '{}'\nset termoption noenhanced\n"
      "set title 'SySMT {}x{} array area by component ({})'\n"
      "set style data histograms\nset style histogram rowstacked\nset style fill solid 0.85 border -1\nset boxwidth 0.6\n"
      "set ylabel 'area (mm2)'\nset xlabel 'threads per PE, pipeline depth P'\nset key left top\nset grid ytics\nset yrange [0:*]\n"
      "plot 'area_breakdown.dat' using 2:xtic(1) title 'PE flip-flops', '' using 3 title 'PE logic', "
      "'' using 4 title 'skew registers', '' using 5 title 'drain + control'\n",
      terminal, file, r.rows, r.cols, r.liberty.library);
}

std::string area_delay_script(const std::string& terminal, const std::string& file, const synth::CompareReport& r) {
  std::string s = fmt::format(
      "{}\nset output '{}'\nset termoption noenhanced\n"
      "set title 'SySMT {}x{}: area against achieved clock period ({}, ABC target = clock target)'\n"
      "set xlabel 'achieved clock period (ns)'\nset ylabel 'array area (mm2; bars: min-max over ABC runs)'\nset key outside right\nset "
      "grid\nset offsets 0.2, 0.2, 0.5, 0.5\n"
      "set arrow 1 from {:.4f}, graph 0 to {:.4f}, graph 1 nohead dashtype 2\nset label 1 'common clock' at {:.4f}, graph 0.04 right "
      "offset -0.5,0\n"
      "plot ",
      terminal, file, r.rows, r.cols, r.liberty.library, r.common_clock_ns, r.common_clock_ns, r.common_clock_ns);
  for (size_t i = 0; i < r.designs.size(); ++i)
    s += fmt::format("{}'area_delay.dat' index {} using 2:3:4:5 with yerrorlines pointtype 7 title '{}T, P = {}'", i ? ", " : "", i,
                     r.designs[i].threads, r.designs[i].pipeline);
  return s + "\n";
}

// area_breakdown.{dat,gp,png,svg} and area_delay.{dat,gp,png,svg}; the plots' file names (none
// without gnuplot: the data files still say everything).
std::vector<std::string> write_plots(const fs::path& tmp, const synth::CompareReport& r) {
  std::string dat = "# design  pe_flipflops_mm2  pe_logic_mm2  skew_mm2  drain_control_mm2\n";
  const double npe = r.rows * r.cols;
  for (const synth::CompareDesign& d : r.designs)
    dat += fmt::format("\"{}T P{}\" {:.6f} {:.6f} {:.6f} {:.6f}\n", d.threads, d.pipeline,
                       d.synth.pe ? npe * d.synth.pe->ff_area_um2 / 1e6 : 0.0, d.synth.pe ? npe * d.synth.pe->comb_area_um2 / 1e6 : 0.0,
                       d.synth.kind_area("skew") / 1e6, d.synth.kind_area("drain+control") / 1e6);
  write_file(tmp / "area_breakdown.dat", dat);
  std::string ad = "# one block per design: target_ns achieved_period_ns area_mm2 area_min_mm2 area_max_mm2 (sorted by achieved period)\n";
  for (const synth::CompareDesign& d : r.designs) {
    std::vector<synth::SweepPoint> pts = d.sweep;
    std::sort(pts.begin(), pts.end(), [](const auto& a, const auto& b) { return a.critical_path_ns < b.critical_path_ns; });
    ad += fmt::format("# {} (T = {}, P = {})\n", d.config, d.threads, d.pipeline);
    for (const auto& p : pts)
      ad += fmt::format("{:g} {:.4f} {:.6f} {:.6f} {:.6f}\n", p.target_ns, p.critical_path_ns, p.area_um2 / 1e6,
                        p.area_spread_um2.min / 1e6, p.area_spread_um2.max / 1e6);
    ad += "\n\n";
  }
  write_file(tmp / "area_delay.dat", ad);
  const Gnuplot& g = gnuplot();
  write_file(tmp / "area_breakdown.gp", breakdown_script(g.png_terminal(900, 500), "area_breakdown.png", r) +
                                            breakdown_script("set terminal svg size 900,500", "area_breakdown.svg", r));
  write_file(tmp / "area_delay.gp", area_delay_script(g.png_terminal(1000, 550), "area_delay.png", r) +
                                        area_delay_script("set terminal svg size 1000,550", "area_delay.svg", r));
  const auto say = synth::progress_printer("compare");
  if (!g.available) {
    say("warning: gnuplot not found; no plots (area_breakdown.dat and area_delay.dat have the data)");
    return {};
  }
  if (!run_gnuplot(tmp, "area_breakdown.gp", tmp / "gnuplot.log") || !run_gnuplot(tmp, "area_delay.gp", tmp / "gnuplot.log")) {
    say("warning: gnuplot failed (see gnuplot.log); no plots");
    return {};
  }
  return {"area_breakdown.png", "area_breakdown.svg", "area_delay.png", "area_delay.svg"};
}

void run_compare(const CompareOptions& co) {
  if (co.rows < 1 || co.rows > 64 || co.cols < 1 || co.cols > 64)
    throw InputError(fmt::format("compare: --rows and --cols must be 1..64, found {}x{}", co.rows, co.cols));
  const Config base = co.base.empty() ? parse_config("name: sysmt_base\narray:\n  rows: 1\n  cols: 1\nthreads: 1\n", "<compare defaults>")
                                      : load_config(co.base);
  const double main_ns = co.o.period_ns > 0 ? co.o.period_ns : base.clock_period_ns;
  const std::vector<double> targets = sweep_targets(co.periods, main_ns);
  const synth::Liberty lib = synth::check_inputs(co.o);
  const fs::path out = co.out.empty() ? fs::path("reports") / fmt::format("compare-{}x{}", co.rows, co.cols) : fs::path(co.out);
  const std::vector<Config> cfgs = synth::compare_configs(base, co.rows, co.cols);
  OutputSet outputs;
  const fs::path tmp = outputs.folder(out, synth::kOutputMarker);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<Job> jobs;
  for (size_t d = 0; d < cfgs.size(); ++d)
    for (double p : targets) jobs.push_back({d, p, p == main_ns, {}});
  synth::progress_printer("compare")(fmt::format("{} designs x {} clock targets = {} syntheses, {} ABC run(s) per leaf module ...",
                                                 cfgs.size(), targets.size(), jobs.size(), co.o.abc_runs));
  run_jobs(jobs, cfgs, lib, co.o, tmp);
  for (const Job& j : jobs)
    if (!j.main) trim_sweep_folder(tmp / "sweep" / (cfgs[j.design].name + "_" + period_tag(j.period_ns)));
  synth::CompareReport r = assemble(co, cfgs, jobs, targets, main_ns);
  r.plots = write_plots(tmp, r);
  r.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string md = synth::compare_markdown(r);
  write_file(tmp / "compare.json", nlohmann::json(r).dump(2) + "\n");
  write_file(tmp / "compare.md", md);
  outputs.commit();
  std::cout << md;
  synth::progress_printer("compare")(
      fmt::format("report: {}/compare.md, compare.json, area_delay and area_breakdown plots ({:.0f} s)", out.string(), r.wall_time_s));
}

void add_compare(CLI::App& app) {
  auto co = std::make_shared<CompareOptions>();
  CLI::App* sub = app.add_subcommand("compare",
                                     "Synthesise the 1-, 2- and 4-thread arrays of one size at a sweep of clock targets; area, fmax and "
                                     "speedup in time against the equal-effort 1T (same pipeline depth) and the plain MAC");
  sub->add_option("--rows", co->rows, "PE rows")->capture_default_str();
  sub->add_option("--cols", co->cols, "PE columns")->capture_default_str();
  sub->add_option("--config", co->base,
                  "Base config for the other settings (acc_bits, rounding, pipeline, ...); its threads, size and name are replaced");
  sub->add_option("--liberty", co->o.liberty, "Standard-cell liberty file")->capture_default_str();
  CLI::Option* period = sub->add_option("--period", co->o.period_ns,
                                        "Main clock target in ns, for the tables (default: synth.clock_period_ns of the base config, 10)");
  sub->add_option("--periods", co->periods, "Clock targets of the area-delay sweep in ns (the main target is added)")
      ->delimiter(',')
      ->capture_default_str();
  sub->add_option("-o,--out", co->out, "Output folder (default reports/compare-<rows>x<cols>)");
  sub->add_option("--abc-runs", co->o.abc_runs, "ABC mapping runs per leaf module; the smallest area is kept, the spread reported")
      ->capture_default_str()
      ->check(CLI::Range(1, 32));
  sub->callback([co, period] {
    if (period->count() > 0) synth::check_period_option(co->o.period_ns);
    run_compare(*co);
  });
}

const Register reg_compare(50, add_compare);

}  // namespace

}  // namespace sysmt::cli
