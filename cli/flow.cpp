// `sysmt flow`: the main job. For one array size it generates the 1T, 2T and 4T arrays, verifies each
// against the golden model, synthesises and compares them, evaluates a network (ResNet-18 by default,
// unpruned and 40 % pruned), and writes reports/summary.md (+ JSON and a plot): the paper's table beside
// ours. Each step is the project's own subcommand, run as a child process so its report stays its own.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/cli.hpp"
#include "cli/flow_summary.hpp"
#include "common/config.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/output.hpp"
#include "common/paper.hpp"
#include "common/plot.hpp"
#include "common/process.hpp"
#include "energy/energy.hpp"
#include "sim/eval/eval_report.hpp"
#include "sim/nn/accuracy.hpp"
#include "synth/compare.hpp"

namespace sysmt::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kThreads[3] = {1, 2, 4};

struct FlowOptions {
  int rows = 16, cols = 16, gemms = 20;
  std::uint64_t seed = 1;
  std::string out = "reports", workload, liberty;
  std::string periods;          // compare's --periods ("" = its default sweep)
  int accuracy_images = 10000;  // test images of the accuracy step (the whole test set by default)
  bool skip_verify = false, skip_accuracy = false, skip_energy = false;
};

// Where the flow is and what it has found so far.
struct Flow {
  FlowOptions o;
  fs::path out, workload;
  int total = 0, step = 0;
  std::vector<Config> configs;  // 1T, 2T, 4T
  std::vector<fs::path> config_files;
  std::vector<FlowVerify> verify;
  bool all_pass = true;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  fs::path log(const std::string& name) const { return out / "logs" / (name + ".log"); }
};

// This binary, for the child subcommands (resolved here: /proc/self/exe in the child shell is the shell).
const fs::path& self_exe() {
  static const fs::path p = fs::read_symlink("/proc/self/exe");
  return p;
}

// Runs `sysmt ARGS` with its output in `log`; returns the exit status.
int run_step(const Flow& f, const std::string& what, const std::string& args, const fs::path& log) {
  std::fprintf(stderr, "[flow %d/%d] %s ...\n", f.step, f.total, what.c_str());
  const RunResult r =
      run_command(shell_quote(self_exe().string()) + " " + args, RunOptions{"", log, fmt::format("flow {}/{} {}", f.step, f.total, what)});
  std::fprintf(stderr, "[flow %d/%d] %s: %s in %.0f s (log %s)\n", f.step, f.total, what.c_str(), r.exit_code == 0 ? "done" : "FAILED",
               r.seconds, log.string().c_str());
  return r.exit_code;
}

// run_step, then ToolError with the command that reproduces it and its log's tail when it failed.
void run_step_or_throw(const Flow& f, const std::string& what, const std::string& args, const fs::path& log) {
  const int rc = run_step(f, what, args, log);
  if (rc != 0)
    throw ToolError("flow: " + what + " failed (exit status " + std::to_string(rc) + ")", shell_quote(self_exe().string()) + " " + args,
                    tail_lines(log, 20));
}

// 1. The three configs, as objects written by the one canonical emitter, then their RTL.
void write_configs_and_generate(Flow& f) {
  ++f.step;
  fs::create_directories(f.out / "configs");
  OutputSet files;
  for (int t : kThreads) {
    f.configs.push_back(named_config(t, f.o.rows, f.o.cols));
    f.config_files.push_back(f.out / "configs" / (f.configs.back().name + ".yaml"));
    write_file(files.file(f.config_files.back()), emit_config(f.configs.back(), "Written by sysmt flow."));
  }
  files.commit();
  for (size_t i = 0; i < f.configs.size(); ++i) {
    const std::string& name = f.configs[i].name;
    run_step_or_throw(f, "generate " + name,
                      "generate " + shell_quote(f.config_files[i].string()) + " -q -o " + shell_quote((f.out / "rtl" / name).string()),
                      f.log("generate-" + name));
  }
}

// 2. Verification against the golden model; a failing design is reported, not fatal.
void verify_designs(Flow& f) {
  if (f.o.skip_verify) return;
  ++f.step;
  for (size_t i = 0; i < f.configs.size(); ++i) {
    const std::string& name = f.configs[i].name;
    const fs::path log = f.log("verify-" + name);
    const std::string args =
        "verify " + shell_quote(f.config_files[i].string()) + fmt::format(" --gemms {} --seed {}", f.o.gemms, f.o.seed);
    const int rc = run_step(f, fmt::format("verify {} ({} random GEMMs)", name, f.o.gemms), args, log);
    if (rc == kExitInput)
      throw ToolError("flow: verify " + name + " could not run", shell_quote(self_exe().string()) + " " + args, tail_lines(log, 20));
    f.all_pass &= rc == 0;
    f.verify.push_back({f.configs[i].threads, name, log.string(), rc == 0, f.o.gemms});
  }
}

// 3. Synthesis and comparison; 4. the workload, unpruned and 40 % pruned (the paper's two cases).
void compare_and_evaluate(Flow& f) {
  ++f.step;
  const std::string lib = (f.o.liberty.empty() ? "" : " --liberty " + shell_quote(f.o.liberty)) +
                          (f.o.periods.empty() ? "" : " --periods " + shell_quote(f.o.periods));
  run_step_or_throw(f, fmt::format("synthesize and compare 1T/2T/4T {}x{}", f.o.rows, f.o.cols),
                    fmt::format("compare --rows {} --cols {} -o ", f.o.rows, f.o.cols) + shell_quote((f.out / "compare").string()) + lib,
                    f.log("compare"));
  ++f.step;
  for (const auto& [prune, dir] : {std::pair<const char*, const char*>{"0", "evaluate-prune0"}, {"0.4", "evaluate-prune40"}})
    run_step_or_throw(f, fmt::format("evaluate {} (prune {})", f.workload.stem().string(), prune),
                      "evaluate " + shell_quote(f.config_files[2].string()) + " --workload " + shell_quote(f.workload.string()) +
                          " --prune " + prune + fmt::format(" --seed {} -q -o ", f.o.seed) + shell_quote((f.out / dir).string()),
                      f.log(dir));
}

// One row of the summary table: the paper's figures and ours for one design of the comparison, against
// its equal-effort 1T (the 1T with the same pipeline depth P) and against the plain 1T MAC (P = 0).
// SQNR infinite for T = 1: exact by construction.
FlowRow summary_row(const synth::CompareRow& x, const EvaluateReport& ev0, const EvaluateReport& ev4) {
  const int t = x.threads;
  const PaperFigures& paper = paper_figures(t);
  FlowRow r;
  r.threads = t;
  r.pipeline = x.pipeline;
  r.paper = {paper.area_ratio, paper.speedup, paper.energy, paper.top1_loss};
  FlowOurs& o = r.ours;
  o.baseline = x.equal_effort.baseline;
  o.array_area_ratio = x.equal_effort.array_area_ratio;
  o.pe_area_ratio = x.equal_effort.pe_area_ratio;
  o.fmax_ratio = x.equal_effort.fmax_ratio;
  o.array_fmax_mhz = x.array_fmax_mhz;
  o.area_per_throughput_ratio = x.equal_effort.area_per_throughput_ratio;
  o.area_ratio_at_common_clock = x.equal_effort.area_ratio_at_common_clock;
  o.plain_baseline = x.plain.baseline;
  o.array_area_ratio_plain = x.plain.array_area_ratio;
  o.fmax_ratio_plain = x.plain.fmax_ratio;
  o.speedup_cycles = ev0.perf_for(t).speedup;
  o.speedup_cycles_pruned40 = ev4.perf_for(t).speedup;
  o.speedup_time = o.speedup_cycles * o.fmax_ratio;
  o.speedup_time_plain = o.speedup_cycles * o.fmax_ratio_plain;
  o.pe_utilization = ev0.perf_for(t).pe_utilization;
  const double exact = std::numeric_limits<double>::infinity();
  o.sqnr_db_interleaved = t == 1 ? exact : ev0.numeric_for(t, Mapping::Interleaved).sqnr_db;
  o.sqnr_db_interleaved_pruned40 = t == 1 ? exact : ev4.numeric_for(t, Mapping::Interleaved).sqnr_db;
  o.sqnr_db_blocked = t == 1 ? exact : ev0.numeric_for(t, Mapping::Blocked).sqnr_db;
  o.shared_lossy_fraction = t == 1 ? 0.0 : ev0.numeric_for(t, Mapping::Interleaved).shared_lossy_frac;
  return r;
}

// Plain lines for the NB-SMT rows whose speedup in time (against the equal-effort 1T) is below the
// paper's, or whose area is above it.
std::string below_paper(const std::vector<FlowRow>& rows) {
  std::string s;
  for (const FlowRow& r : rows) {
    if (r.threads == 1) continue;
    if (r.ours.speedup_time < r.paper.speedup)
      s += fmt::format(
          "- **{}T speedup in time {:.2f}x against the equal-effort 1T: below the paper's {:.1f}x** (cycles {:.2f}x, fmax "
          "{:.2f}x of the 1T with P = {}).\n",
          r.threads, r.ours.speedup_time, r.paper.speedup, r.ours.speedup_cycles, r.ours.fmax_ratio, r.pipeline);
    if (r.ours.array_area_ratio > r.paper.area_ratio)
      s += fmt::format("- **{}T area {:.2f}x of the equal-effort 1T: above the paper's {:.1f}x.**\n", r.threads, r.ours.array_area_ratio,
                       r.paper.area_ratio);
  }
  return s.empty() ? "Nowhere in this table.\n" : s;
}

std::string db(double v) { return std::isfinite(v) ? fmt::format("{:.1f} dB", v) : std::string("inf (exact)"); }

std::string summary_markdown(const Flow& f, const synth::CompareReport& cmp, const EvaluateReport& ev0, const std::vector<FlowRow>& rows) {
  std::string md = fmt::format("# SySMT summary: {}x{} array, 1, 2 and 4 threads\n\n", f.o.rows, f.o.cols);
  md += fmt::format("Written by `sysmt flow` {} (seed {}). Liberty `{}`, clock target {} ns. Workload `{}` ({:.2f} G MACs).\n\n",
                    SYSMT_VERSION, f.o.seed, cmp.liberty.library, cmp.clock_period_ns, ev0.workload_name,
                    static_cast<double>(ev0.macs) / 1e9);
  md +=
      "## The paper's table beside ours (ratios against the equal-effort 1T and against the plain 1T MAC)\n\n"
      "Two baselines. **Equal-effort 1T**: the 1T array with the same pipeline depth P as the NB-SMT design (its accumulator split "
      "the same way), the comparison the paper's figures stand for. **Plain 1T**: the single-cycle MAC (P = 0). Speedup in time = "
      "speedup in cycles x fmax of T / fmax of the baseline.\n\n"
      "| threads | P | area (paper) | area vs equal-effort 1T | area vs plain 1T | speedup (paper) | speedup in cycles | "
      "fmax vs equal-effort 1T | **speedup in time vs equal-effort 1T** | speedup in time vs plain 1T | energy (paper) | "
      "accuracy loss (paper) | SQNR, 0% / 40% pruned (ours) |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const FlowRow& r : rows)
    md += fmt::format(
        "| {} | {} | {:.1f}x | **{:.2f}x** | {:.2f}x | {:.1f}x | {:.2f}x | {:.2f}x | **{:.2f}x** | {:.2f}x | {} | {} | {} |\n", r.threads,
        r.pipeline, r.paper.area_ratio, r.ours.array_area_ratio, r.ours.array_area_ratio_plain, r.paper.speedup, r.ours.speedup_cycles,
        r.ours.fmax_ratio, r.ours.speedup_time, r.ours.speedup_time_plain, r.paper.energy, r.paper.top1_accuracy_loss,
        r.threads == 1 ? std::string("exact") : db(r.ours.sqnr_db_interleaved) + " / " + db(r.ours.sqnr_db_interleaved_pruned40));
  md +=
      "\n- **area**: whole array, hierarchical Yosys synthesis to standard cells (`compare/compare.md` has the PE alone, the "
      "breakdown and the plot).\n"
      "- **speedup in cycles**: network cycles of T = 1 over cycles of T, from the cycle model that the RTL regression checks "
      "cycle for cycle (unpruned data; NB-SMT timing does not depend on values, so pruning does not change it).\n"
      "- **speedup in time**: speedup in cycles times the fmax ratio against the named baseline, each design at its own fmax "
      "(`compare/compare.md` also has the area-delay curves, the ratios at one common clock and the spread over ABC runs).\n"
      "- **SQNR**: MAC-weighted signal-to-quantisation-noise ratio of every layer's output against the exact GEMM, "
      "synthetic post-ReLU activations and Gaussian weights, interleaved thread mapping (top-1 of a trained network is in "
      "its own table below).\n"
      "- **energy** and **accuracy loss**: measured in the tables below (unless skipped: --skip-energy, --skip-accuracy).\n\n";
  md += "## Where we are below the paper\n\n" + below_paper(rows) + "\n";
  md += "## Verification\n\n";
  if (f.o.skip_verify) md += "Skipped (`--skip-verify`).\n";
  for (const FlowVerify& v : f.verify)
    md += fmt::format("- {}: {} ({} random GEMMs against the golden model and the cycle model)\n", v.config, v.pass ? "PASS" : "**FAIL**",
                      v.gemms);
  md +=
      "\n## Reports\n\n- `compare/compare.md`: area, timing, breakdown and plot per thread count\n"
      "- `evaluate-prune0/evaluate.md`, `evaluate-prune40/evaluate.md`: per-layer speedup, utilization, hazard statistics and "
      "SQNR, with plots\n- `rtl/`: the generated Verilog; `configs/`: the configs used; `logs/`: each step's output\n";
  return md;
}

// The plot of area and speedup, paper against ours: a self-contained script (data inline) that writes
// png_out and svg_out (default summary.png, summary.svg), and the same data as summary.dat.
std::string summary_dat(const std::vector<FlowRow>& rows) {
  std::string dat = "# threads area_paper area_ours speedup_paper speedup_ours_cycles speedup_ours_time\n";
  for (const FlowRow& r : rows)
    dat += fmt::format("{}T-P{} {} {} {} {} {}\n", r.threads, r.pipeline, r.paper.area_ratio, r.ours.array_area_ratio, r.paper.speedup,
                       r.ours.speedup_cycles, r.ours.speedup_time);
  return dat;
}

std::string summary_gnuplot(const Flow& f, const std::string& dat) {
  std::string gp =
      "# Written by sysmt flow. Run in this folder: gnuplot summary.gp\n"
      "if (!exists(\"png_out\")) png_out = 'summary.png'\n"
      "if (!exists(\"svg_out\")) svg_out = 'summary.svg'\n"
      "$data << EOD\n" +
      dat + "EOD\n";
  for (const auto& [term, file] :
       {std::pair<std::string, std::string>{gnuplot().png_terminal(900, 450), "png_out"}, {"set terminal svg size 900,450", "svg_out"}})
    gp += term + "\nset output " + file + "\n" +
          fmt::format("set title 'SySMT {}x{} against the paper (ratios to the equal-effort 1T: same pipeline depth P)'\n", f.o.rows,
                      f.o.cols) +
          "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.8 border -1\n"
          "set key top left\nset grid ytics\nset yrange [0:4.6]\nset ylabel 'x of 1T'\n"
          "plot $data using 2:xtic(1) title 'area (paper)', '' using 3 title 'area (ours)', "
          "'' using 4 title 'speedup (paper)', '' using 5 title 'speedup in cycles (ours)', '' using 6 title 'speedup in time (ours)'\n";
  return gp + "unset output\n";
}

// 5. Top-1 of the committed network through the NB-SMT arithmetic on the 4T design's arithmetic settings
// (rounding, zero skip; threads is swept 1, 2, 4), both committed networks, the interleaved mapping.
void accuracy_step(Flow& f) {
  if (f.o.skip_accuracy) return;
  ++f.step;
  const fs::path out = f.out / "accuracy";
  run_step_or_throw(f, "accuracy (Fashion-MNIST ResNet, 10,000 test images, T = 1, 2, 4, dense and 40 % pruned)",
                    "accuracy " + shell_quote(f.config_files.back().string()) +
                        " --mapping interleaved --mode-policy none --stats-images 20 -q --images " + std::to_string(f.o.accuracy_images) +
                        " -o " + shell_quote(out.string()),
                    f.log("accuracy"));
}

std::vector<FlowAccuracy> accuracy_rows(const Flow& f) {
  std::vector<FlowAccuracy> rows;
  if (f.o.skip_accuracy) return rows;
  const fs::path file = f.out / "accuracy" / "accuracy.json";
  nn::AccuracyReport rep;
  try {
    rep = json::parse(read_file(file)).get<nn::AccuracyReport>();
  } catch (const json::exception& e) {
    throw ToolError("flow: " + file.string() + " is not an accuracy report: " + e.what());
  }
  for (const nn::NetworkReport& net : rep.networks)
    for (int t : kThreads) {
      const nn::RunFigure* r = net.find(t == 1 ? "T=1" : fmt::format("T={} interleaved", t));
      if (!r) continue;
      rows.push_back(FlowAccuracy{t, net.weight_zero_frac > 0.3 ? "pruned 40 %" : "dense", r->top1, r->loss, r->right_to_wrong,
                                  r->wrong_to_right, rep.images});
    }
  return rows;
}

std::string accuracy_markdown(const std::vector<FlowAccuracy>& rows) {
  if (rows.empty()) return "";
  std::string md =
      "\n## Top-1 accuracy loss (integer Fashion-MNIST ResNet through the bit-exact NB-SMT model)\n\n"
      "Loss = top-1 of the same integer network run exactly (T = 1) minus top-1 with T threads, in points, on the whole test "
      "set; flips are the images whose prediction changed (right to wrong / wrong to right). The paper's figures are for "
      "ImageNet CNNs; ours are for a small network on Fashion-MNIST (docs/accuracy.md).\n\n"
      "| T | network | top-1 % | loss, points | flips r->w / w->r | paper's loss |\n|---|---|---:|---:|---:|---|\n";
  for (const FlowAccuracy& a : rows)
    md += fmt::format("| {} | {} | {:.2f} | {:.2f} | {} / {} | {} |\n", a.threads, a.network, a.top1, a.loss, a.right_to_wrong,
                      a.wrong_to_right, a.threads == 1 ? "-" : paper_figures(a.threads).top1_loss);
  return md;
}

// 6. Energy per inference of the four designs on the workload, 40 % pruned (the paper's energy example),
// from gate-level activity and OpenSTA power (sysmt energy, docs/energy.md).
void energy_step(Flow& f) {
  if (f.o.skip_energy) return;
  ++f.step;
  run_step_or_throw(f, fmt::format("energy of 1T (P0, P1), 2T, 4T on {} (prune 0.4)", f.workload.stem().string()),
                    "energy " + shell_quote(f.config_files.back().string()) + " --workload " + shell_quote(f.workload.string()) +
                        " --prune 0.4 --seed " + std::to_string(f.o.seed) + " -q -o " + shell_quote((f.out / "energy").string()),
                    f.log("energy"));
}

std::vector<FlowEnergy> energy_rows(const Flow& f) {
  std::vector<FlowEnergy> rows;
  if (f.o.skip_energy) return rows;
  const fs::path file = f.out / "energy" / "energy.json";
  energy::EnergyReport rep;
  try {
    rep = json::parse(read_file(file)).get<energy::EnergyReport>();
  } catch (const json::exception& e) {
    throw ToolError("flow: " + file.string() + " is not an energy report: " + e.what());
  }
  for (const energy::DesignEnergy& d : rep.designs)
    rows.push_back(
        FlowEnergy{d.label, d.threads, d.pipeline, d.energy_common_j * 1e3, d.pj_per_mac_common, d.vs_baseline_common, d.vs_plain_common});
  return rows;
}

std::string energy_markdown(const std::vector<FlowEnergy>& rows) {
  if (rows.empty()) return "";
  std::string md =
      "\n## Energy per inference (40 %-pruned workload, gate-level activity, OpenSTA; docs/energy.md)\n\n"
      "At one common clock that every design meets. Baseline: the equal-effort 1T (same pipelining, `1T P1`); the plain "
      "single-cycle MAC (`1T P0`) as a second baseline.\n\n"
      "| design | energy mJ | pJ per MAC | vs equal-effort 1T | vs plain MAC | paper |\n|---|---:|---:|---:|---:|---|\n";
  for (const FlowEnergy& e : rows)
    md += fmt::format("| {} | {:.2f} | {:.1f} | {:+.1f} % | {:+.1f} % | {} |\n", e.design, e.energy_mj, e.pj_per_mac, e.vs_baseline * 100,
                      e.vs_plain * 100, e.threads == 1 ? "-" : paper_figures(e.threads).energy);
  return md;
}

// 7. The summary: Markdown, JSON, plot data and plot, committed together.
void write_summary(const Flow& f) {
  std::fprintf(stderr, "[flow %d/%d] summary ...\n", f.step + 1, f.total);
  const synth::CompareReport cmp = synth::read_compare_report((f.out / "compare" / "compare.json").string());
  const EvaluateReport ev0 = read_evaluate_report(f.out / "evaluate-prune0" / "evaluate.json");
  const EvaluateReport ev4 = read_evaluate_report(f.out / "evaluate-prune40" / "evaluate.json");
  FlowSummary sum;
  sum.version = SYSMT_VERSION;
  sum.rows = f.o.rows;
  sum.cols = f.o.cols;
  sum.seed = f.o.seed;
  sum.workload = ev0.workload_name;
  sum.liberty = cmp.liberty;
  sum.clock_period_ns = cmp.clock_period_ns;
  for (const synth::CompareRow& x : cmp.table) sum.table.push_back(summary_row(x, ev0, ev4));
  sum.verification = f.verify;
  sum.accuracy = accuracy_rows(f);
  sum.energy = energy_rows(f);
  std::string md = summary_markdown(f, cmp, ev0, sum.table) + energy_markdown(sum.energy) + accuracy_markdown(sum.accuracy);
  OutputSet out;
  const std::string dat = summary_dat(sum.table);
  write_file(out.file(f.out / "summary.dat"), dat);
  if (gnuplot().available) {
    const fs::path gp = out.file(f.out / "summary.gp"), png = out.file(f.out / "summary.png"), svg = out.file(f.out / "summary.svg");
    write_file(gp, summary_gnuplot(f, dat));
    const std::string names = "png_out='" + png.filename().string() + "'; svg_out='" + svg.filename().string() + "'";
    if (run_gnuplot(f.out, gp.filename().string(), f.log("gnuplot"), names) && fs::exists(png) && fs::exists(svg)) {
      sum.plots = {"summary.png", "summary.svg"};
      md += "\n![paper against ours](summary.svg)\n";
    } else {
      out.discard(png);
      out.discard(svg);
    }
  }
  sum.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - f.t0).count();
  md += fmt::format("\nWhole flow: {:.0f} s.\n", sum.wall_time_s);
  write_file(out.file(f.out / "summary.json"), json(sum).dump(2) + "\n");
  write_file(out.file(f.out / "summary.md"), md);
  out.commit();
  std::cout << md;
  std::fprintf(stderr, "[flow] %s written in %.0f s\n", (f.out / "summary.md").string().c_str(), sum.wall_time_s);
}

void run_flow(const FlowOptions& o) {
  if (o.rows < 1 || o.rows > 64 || o.cols < 1 || o.cols > 64) throw InputError("flow: --rows and --cols must be 1..64");
  Flow f;
  f.o = o;
  f.workload = o.workload.empty() ? data_file("configs/workloads/resnet18.txt") : fs::path(o.workload);
  if (!fs::exists(f.workload)) throw InputError("flow: --workload " + f.workload.string() + ": no such file");
  if (!o.liberty.empty() && !fs::exists(o.liberty)) throw InputError("flow: --liberty " + o.liberty + ": no such file");
  f.out = o.out;
  fs::create_directories(f.out / "logs");
  f.total = 7 - (o.skip_verify ? 1 : 0) - (o.skip_accuracy ? 1 : 0) - (o.skip_energy ? 1 : 0);
  write_configs_and_generate(f);
  verify_designs(f);
  compare_and_evaluate(f);
  energy_step(f);
  accuracy_step(f);
  write_summary(f);
  if (!f.all_pass) {
    std::fprintf(stderr, "[flow] verification FAILED for at least one design; see %s\n", (f.out / "logs").string().c_str());
    throw CLI::RuntimeError(1);
  }
}

void add_flow(CLI::App& app) {
  auto o = std::make_shared<FlowOptions>();
  CLI::App* sub =
      app.add_subcommand("flow", "The main job: generate, verify, synthesize and evaluate the 1T/2T/4T arrays; write summary.md");
  sub->add_option("--rows", o->rows, "Array rows")->capture_default_str();
  sub->add_option("--cols", o->cols, "Array columns")->capture_default_str();
  sub->add_option("--gemms", o->gemms, "Random GEMMs per verification")->capture_default_str();
  sub->add_option("--seed", o->seed, "Seed of verification and evaluation data")->capture_default_str();
  sub->add_option("--workload", o->workload, "Network to evaluate (default configs/workloads/resnet18.txt)");
  sub->add_option("--liberty", o->liberty, "Liberty file for synthesis (default: OSU 0.18 um)");
  sub->add_option("-o,--output", o->out, "Report folder")->capture_default_str();
  sub->add_flag("--skip-verify", o->skip_verify, "Skip the Verilator verification step");
  sub->add_flag("--skip-energy", o->skip_energy, "Skip the energy step (gate-level power, docs/energy.md)");
  sub->add_flag("--skip-accuracy", o->skip_accuracy, "Skip the top-1 accuracy step (Fashion-MNIST, docs/accuracy.md)");
  sub->add_option("--accuracy-images", o->accuracy_images, "Test images of the accuracy step")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  sub->add_option("--periods", o->periods, "Clock targets of the comparison's area-delay sweep, e.g. 4,6,10 (default: compare's)");
  sub->callback([o] { run_flow(*o); });
}

const Register reg(70, add_flow);

}  // namespace

}  // namespace sysmt::cli
