// `sysmt synth` (one config: area, cells, flip-flops, timing with Yosys and OpenSTA) and `sysmt compare`
// (the 1-, 2- and 4-thread arrays of one size side by side, against the paper's area figures).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "cli/cli.hpp"
#include "common/config.hpp"
#include "synth/flow.hpp"
#include "common/error.hpp"
#include "common/output.hpp"

namespace sysmt::cli {

namespace {

namespace fs = std::filesystem;

std::mutex g_print;
void progress_line(const std::string& tool, const std::string& s) {
  std::lock_guard<std::mutex> lock(g_print);
  std::fprintf(stderr, "[%s] %s\n", tool.c_str(), s.c_str());
}

fs::path temp_sibling(const fs::path& out) {
  fs::path abs = fs::absolute(out);
  if (!abs.has_filename()) abs = abs.parent_path();
  return abs.parent_path() / (abs.filename().string() + ".tmp" + std::to_string(::getpid()));
}

// Runs `body(tmp)` in a temporary sibling of `out`, which replaces `out` only when body succeeds.
template <class F>
void with_output_dir(const fs::path& out, F body) {
  synth::check_output_dir(out);
  const fs::path tmp = temp_sibling(out);
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  try {
    body(tmp);
    synth::commit_output_dir(tmp, out);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
}

// An explicit --period must be a positive number of ns (0 inside Options means "the config's").
void check_period(const CLI::Option* opt, double ns) {
  if (opt->count() > 0 && !(ns > 0 && ns <= 1e6))
    throw InputError(fmt::format("--period {}: expected a clock period in ns, greater than 0 and at most 1e6", ns));
}

// ---------------------------------------------------------------------------------------------------

struct SynthCliOptions {
  std::string config, out;
  synth::Options o;
};

void run_synth_cli(const SynthCliOptions& so) {
  const Config cfg = load_config(so.config);
  const synth::Liberty lib = synth::check_inputs(so.o);
  const fs::path out = so.out.empty() ? fs::path("reports") / ("synth-" + cfg.name) : fs::path(so.out);
  nlohmann::json r;
  with_output_dir(out, [&](const fs::path& tmp) {
    r = synth::run_synth(cfg, lib, so.o, tmp, [](const std::string& s) { progress_line("synth", s); });
  });
  std::cout << synth::report_markdown(r);
  progress_line("synth", fmt::format("report: {}/{}.synth.md and .synth.json", out.string(), cfg.name));
}

void add_synth(CLI::App& app) {
  auto so = std::make_shared<SynthCliOptions>();
  CLI::App* sub = app.add_subcommand("synth", "Synthesise a config's array (Yosys, any liberty) and time it (OpenSTA): area, cells, "
                                              "flip-flops, critical path, fmax");
  sub->add_option("config", so->config, "Array configuration (YAML)")->required();
  sub->add_option("--liberty", so->o.liberty, "Standard-cell liberty file")->capture_default_str();
  CLI::Option* period = sub->add_option("--period", so->o.period_ns, "Clock period in ns (default: the config's synth.clock_period_ns)");
  sub->add_option("-o,--out", so->out, "Output folder (default reports/synth-<name>)");
  sub->add_flag("--gate-sim", so->o.gate_sim, "Also write gate-sim/<name>.v (netlist + cell models) for `sysmt verify --rtl`");
  sub->add_option("--abc-runs", so->o.abc_runs, "ABC mapping runs; the smallest total area is kept")->capture_default_str()->check(CLI::Range(1, 32));
  sub->add_flag("--flatten", so->o.flatten, "Flatten before mapping (slow for large arrays; used by the cross-check)");
  sub->add_option("--sta", so->o.sta_mode,
                  "Array timing: whole (one flattened OpenSTA run), modular (parts with registered boundaries, composed), or auto "
                  "(modular above 64 PEs)")
      ->check(CLI::IsMember({"auto", "whole", "modular"}))
      ->capture_default_str();
  sub->callback([so, period] {
    check_period(period, so->o.period_ns);
    run_synth_cli(*so);
  });
}

// ---------------------------------------------------------------------------------------------------

struct CompareOptions {
  int rows = 16, cols = 16;
  std::string base, out;
  synth::Options o;
};

std::string plot_script(const std::string& term, const std::string& file, int rows, int cols, const std::string& lib) {
  return fmt::format(
      "set terminal {}\nset output '{}'\n"
      "set title 'SySMT {}x{} array area by component ({})'\n"
      "set style data histograms\nset style histogram rowstacked\nset style fill solid 0.85 border -1\nset boxwidth 0.6\n"
      "set ylabel 'area (mm^2)'\nset xlabel 'threads per PE'\nset key left top\nset grid ytics\nset yrange [0:*]\n"
      "plot 'area_breakdown.dat' using 2:xtic(1) title 'PE flip-flops', '' using 3 title 'PE logic', "
      "'' using 4 title 'skew registers', '' using 5 title 'drain + control'\n",
      term, file, rows, cols, lib);
}

void run_compare(const CompareOptions& co) {
  if (co.rows < 1 || co.rows > 64 || co.cols < 1 || co.cols > 64)
    throw InputError(fmt::format("compare: --rows and --cols must be 1..64, found {}x{}", co.rows, co.cols));
  Config base = co.base.empty() ? parse_config("name: sysmt_base\narray:\n  rows: 1\n  cols: 1\nthreads: 1\n", "<compare defaults>") : load_config(co.base);
  const synth::Liberty lib = synth::check_inputs(co.o);
  const fs::path out = co.out.empty() ? fs::path("reports") / fmt::format("compare-{}x{}", co.rows, co.cols) : fs::path(co.out);
  const int threads[3] = {1, 2, 4};
  nlohmann::json res[3];
  const auto t0 = std::chrono::steady_clock::now();
  with_output_dir(out, [&](const fs::path& tmp) {
    // Two at a time (the machine has two cores), the largest first.
    std::vector<int> order = {2, 1, 0};
    std::mutex m;
    std::exception_ptr err;
    auto worker = [&] {
      for (;;) {
        int i;
        {
          std::lock_guard<std::mutex> lock(m);
          if (order.empty() || err) return;
          i = order.front();
          order.erase(order.begin());
        }
        try {
          Config c = base;
          c.threads = threads[i];
          c.rows = co.rows;
          c.cols = co.cols;
          c.name = fmt::format("sysmt_{}t_{}x{}", c.threads, c.rows, c.cols);
          const fs::path w = tmp / ("synth-" + c.name);
          fs::create_directories(w);
          res[i] = synth::run_synth(c, lib, co.o, w, [](const std::string& s) { progress_line("compare", s); });
        } catch (...) {
          std::lock_guard<std::mutex> lock(m);
          if (!err) err = std::current_exception();
        }
      }
    };
    std::thread a(worker), b(worker);
    a.join();
    b.join();
    if (err) std::rethrow_exception(err);

    // Table.
    auto area = [&](int i) { return res[i]["area_um2"].get<double>(); };
    auto pe_area = [&](int i) { return res[i]["pe"]["area_um2"].get<double>(); };
    auto fmax = [&](int i, const char* k) { return res[i]["timing"][k]["fmax_mhz"].get<double>(); };
    const double paper[3] = {1.0, 1.4, 2.5};
    nlohmann::json rows = nlohmann::json::array();
    for (int i = 0; i < 3; ++i) {
      const int T = threads[i];
      const double peak_gmacs = co.rows * co.cols * T * fmax(i, "array") / 1000.0;
      const double peak_1t = co.rows * co.cols * fmax(0, "array") / 1000.0;
      nlohmann::json k = res[i]["kinds"];
      rows.push_back({{"threads", T},
                      {"config", res[i]["config"]},
                      {"array_area_um2", area(i)},
                      {"array_nand2_eq", res[i]["nand2_eq"]},
                      {"array_area_ratio", area(i) / area(0)},
                      {"pe_area_um2", pe_area(i)},
                      {"pe_nand2_eq", res[i]["pe"]["nand2_eq"]},
                      {"pe_area_ratio", pe_area(i) / pe_area(0)},
                      {"paper_area_ratio", paper[i]},
                      {"pe_fmax_mhz", fmax(i, "pe")},
                      {"array_fmax_mhz", fmax(i, "array")},
                      {"fmax_ratio", fmax(i, "array") / fmax(0, "array")},
                      {"pe_critical_path_ns", res[i]["timing"]["pe"]["critical_path_ns"]},
                      {"array_critical_path_ns", res[i]["timing"]["array"]["critical_path_ns"]},
                      {"peak_gmac_per_s", peak_gmacs},
                      {"area_per_gmac_per_s_um2", area(i) / peak_gmacs},
                      {"area_per_throughput_ratio", (area(i) / peak_gmacs) / (area(0) / peak_1t)},
                      {"flip_flops", res[i]["flip_flops"]},
                      {"cells", res[i]["cells"]},
                      {"kinds", k},
                      {"pe_ff_area_um2", res[i]["pe"]["ff_area_um2"]},
                      {"pe_comb_area_um2", res[i]["pe"]["comb_area_um2"]},
                      {"synth_run_time_s", res[i]["run_time_s"]["total"]}});
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    nlohmann::json j = {{"tool", "sysmt compare"},
                        {"version", SYSMT_VERSION},
                        {"rows", co.rows},
                        {"cols", co.cols},
                        {"base_config", co.base.empty() ? std::string("defaults") : co.base},
                        {"liberty", res[0]["liberty"]},
                        {"clock_period_ns", res[0]["clock_period_ns"]},
                        {"tools", res[0]["tools"]},
                        {"designs", rows},
                        {"wall_time_s", wall}};

    // Plot: stacked area per thread count.
    std::string dat = "# threads  pe_flipflops_mm2  pe_logic_mm2  skew_mm2  drain_control_mm2\n";
    for (int i = 0; i < 3; ++i) {
      const auto& r = rows[i];
      const double n = co.rows * co.cols;
      auto kind = [&](const char* k) { return r["kinds"].contains(k) ? r["kinds"][k]["area_um2"].get<double>() : 0.0; };
      dat += fmt::format("{}T {:.6f} {:.6f} {:.6f} {:.6f}\n", threads[i], n * r["pe_ff_area_um2"].get<double>() / 1e6,
                         n * r["pe_comb_area_um2"].get<double>() / 1e6, kind("skew") / 1e6, kind("drain+control") / 1e6);
    }
    write_file_atomic(tmp / "area_breakdown.dat", dat);
    const std::string libname = res[0]["liberty"]["library"].get<std::string>();
    const bool have_gnuplot = std::system("command -v gnuplot > /dev/null 2>&1") == 0;
    nlohmann::json plots = nlohmann::json::array();
    if (have_gnuplot) {
      const bool cairo = std::system("gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo") == 0;
      write_file_atomic(tmp / "area_breakdown.gp",
                        plot_script(cairo ? "pngcairo size 800,500" : "png size 800,500", "area_breakdown.png", co.rows, co.cols, libname) +
                            plot_script("svg size 800,500", "area_breakdown.svg", co.rows, co.cols, libname));
      const std::string cmd = "cd '" + tmp.string() + "' && gnuplot area_breakdown.gp > gnuplot.log 2>&1";
      if (std::system(cmd.c_str()) == 0) {
        plots = {"area_breakdown.png", "area_breakdown.svg"};
        progress_line("compare", "plot: area_breakdown.png, area_breakdown.svg");
      } else {
        progress_line("compare", "warning: gnuplot failed (see gnuplot.log); no plot");
      }
    } else {
      progress_line("compare", "warning: gnuplot not found; no plot (area_breakdown.dat has the data)");
    }
    j["plots"] = plots;

    // Markdown.
    std::string md = fmt::format("# SySMT {}x{}: 1, 2 and 4 threads per PE\n\n", co.rows, co.cols);
    md += fmt::format("Library `{}`, corner {}; clock period {} ns; hierarchical Yosys synthesis, OpenSTA timing. {}; {}.\n\n", libname,
                      res[0]["liberty"]["corner"].get<std::string>(), res[0]["clock_period_ns"].get<double>(),
                      res[0]["tools"]["yosys"].get<std::string>(), res[0]["tools"]["sta"].get<std::string>());
    md += "| | 1T | 2T | 4T |\n|---|---:|---:|---:|\n";
    auto line = [&](const std::string& label, auto f) {
      md += "| " + label;
      for (int i = 0; i < 3; ++i) md += " | " + f(rows[i]);
      md += " |\n";
    };
    auto num = [](const nlohmann::json& v, const char* f) { return fmt::format(fmt::runtime(f), v.get<double>()); };
    line("array area (um^2)", [&](const nlohmann::json& r) { return num(r["array_area_um2"], "{:.0f}"); });
    line("array area (NAND2-eq)", [&](const nlohmann::json& r) { return num(r["array_nand2_eq"], "{:.0f}"); });
    line("**array area vs 1T**", [&](const nlohmann::json& r) { return num(r["array_area_ratio"], "**{:.2f}x**"); });
    line("paper's area vs 1T", [&](const nlohmann::json& r) { return num(r["paper_area_ratio"], "{:.1f}x"); });
    line("PE area (um^2)", [&](const nlohmann::json& r) { return num(r["pe_area_um2"], "{:.0f}"); });
    line("PE area vs 1T", [&](const nlohmann::json& r) { return num(r["pe_area_ratio"], "{:.2f}x"); });
    line("PE critical path (ns)", [&](const nlohmann::json& r) { return num(r["pe_critical_path_ns"], "{:.3f}"); });
    line("array critical path (ns)", [&](const nlohmann::json& r) { return num(r["array_critical_path_ns"], "{:.3f}"); });
    line("array fmax (MHz)", [&](const nlohmann::json& r) { return num(r["array_fmax_mhz"], "{:.1f}"); });
    line("**fmax vs 1T**", [&](const nlohmann::json& r) { return num(r["fmax_ratio"], "**{:.2f}x**"); });
    line("peak throughput (GMAC/s)", [&](const nlohmann::json& r) { return num(r["peak_gmac_per_s"], "{:.1f}"); });
    line("area per GMAC/s (um^2)", [&](const nlohmann::json& r) { return num(r["area_per_gmac_per_s_um2"], "{:.0f}"); });
    line("area per throughput vs 1T", [&](const nlohmann::json& r) { return num(r["area_per_throughput_ratio"], "{:.2f}x"); });
    line("flip-flops", [&](const nlohmann::json& r) { return std::to_string(r["flip_flops"].get<long>()); });
    md += "\nPeak throughput = rows x cols x T MAC per cycle at the array's fmax (every thread busy; NB-SMT never stalls).\n\n"
          "## Area breakdown (um^2, share of the array)\n\n| component | 1T | 2T | 4T |\n|---|---:|---:|---:|\n";
    const double npe = co.rows * co.cols;
    auto share = [&](const nlohmann::json& r, double a) { return fmt::format("{:.0f} ({:.1f}%)", a, 100 * a / r["array_area_um2"].get<double>()); };
    line("PE flip-flops", [&](const nlohmann::json& r) { return share(r, npe * r["pe_ff_area_um2"].get<double>()); });
    line("PE logic", [&](const nlohmann::json& r) { return share(r, npe * r["pe_comb_area_um2"].get<double>()); });
    for (const char* k : {"skew", "drain+control"})
      line(k, [&](const nlohmann::json& r) { return share(r, r["kinds"].contains(k) ? r["kinds"][k]["area_um2"].get<double>() : 0.0); });
    if (!plots.empty()) md += "\n![area breakdown](area_breakdown.svg)\n";
    md += fmt::format("\nWall time {:.1f} s (syntheses two at a time); per design: 1T {:.1f} s, 2T {:.1f} s, 4T {:.1f} s.\n", wall,
                      rows[0]["synth_run_time_s"].get<double>(), rows[1]["synth_run_time_s"].get<double>(),
                      rows[2]["synth_run_time_s"].get<double>());
    write_file_atomic(tmp / "compare.json", j.dump(2) + "\n");
    write_file_atomic(tmp / "compare.md", md);
    std::cout << md;
  });
  progress_line("compare", fmt::format("report: {}/compare.md, compare.json, area_breakdown.png/.svg", out.string()));
}

void add_compare(CLI::App& app) {
  auto co = std::make_shared<CompareOptions>();
  CLI::App* sub = app.add_subcommand("compare", "Synthesise the 1-, 2- and 4-thread arrays of one size and compare area, fmax and "
                                                "area per throughput (with the paper's 1.4x and 2.5x)");
  sub->add_option("--rows", co->rows, "PE rows")->capture_default_str();
  sub->add_option("--cols", co->cols, "PE columns")->capture_default_str();
  sub->add_option("--config", co->base, "Base config for the other settings (acc_bits, rounding, ...); its threads, size and name are replaced");
  sub->add_option("--liberty", co->o.liberty, "Standard-cell liberty file")->capture_default_str();
  CLI::Option* period = sub->add_option("--period", co->o.period_ns, "Clock period in ns (default: synth.clock_period_ns of the base config, 10)");
  sub->add_option("-o,--out", co->out, "Output folder (default reports/compare-<rows>x<cols>)");
  sub->add_option("--abc-runs", co->o.abc_runs, "ABC mapping runs per design; the smallest total area is kept")->capture_default_str()->check(CLI::Range(1, 32));
  sub->callback([co, period] {
    check_period(period, co->o.period_ns);
    run_compare(*co);
  });
}

const Register reg_synth(40, add_synth);
const Register reg_compare(50, add_compare);

}  // namespace

}  // namespace sysmt::cli
