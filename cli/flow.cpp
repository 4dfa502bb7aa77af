// `sysmt flow`: the main job. For one array size it generates the 1T, 2T and 4T arrays, verifies each
// against the golden model, synthesises and compares them, evaluates a network (ResNet-18 by default,
// unpruned and 40 % pruned), and writes reports/summary.md (+ JSON and a plot): the paper's table beside
// ours. Each step is the project's own subcommand, run as a child process so its report stays its own.
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/cli.hpp"
#include "common/config.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/output.hpp"
#include "common/process.hpp"

namespace sysmt::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct FlowOptions {
  int rows = 16, cols = 16, gemms = 20;
  std::uint64_t seed = 1;
  std::string out = "reports", workload, liberty;
  bool skip_verify = false;
};

fs::path self_exe() { return fs::read_symlink("/proc/self/exe"); }

struct Step {
  int index, total;
  std::string what;
};

// Runs one subcommand of this binary with its output in `log`; returns the exit status.
int run_step(const Step& s, const std::string& args, const fs::path& log) {
  std::fprintf(stderr, "[flow %d/%d] %s ...\n", s.index, s.total, s.what.c_str());
  const auto t0 = std::chrono::steady_clock::now();
  const std::string cmd = shell_quote(self_exe().string()) + " " + args + " > " + shell_quote(log.string()) + " 2>&1";
  const int st = std::system(cmd.c_str());
  const int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "[flow %d/%d] %s: %s in %.0f s (log %s)\n", s.index, s.total, s.what.c_str(), rc == 0 ? "done" : "FAILED", sec,
               log.string().c_str());
  return rc;
}

json read_json(const fs::path& p) {
  try {
    return json::parse(read_file(p));
  } catch (const json::exception& e) {
    throw InputError(p.string() + ": not valid JSON: " + e.what());
  }
}

std::string db(const json& v) { return v.is_null() ? std::string("inf (exact)") : fmt::format("{:.1f} dB", v.get<double>()); }

void run_flow(const FlowOptions& o) {
  if (o.rows < 1 || o.rows > 64 || o.cols < 1 || o.cols > 64) throw InputError("flow: --rows and --cols must be 1..64");
  const std::string workload = o.workload.empty() ? data_file("configs/workloads/resnet18.txt").string() : o.workload;
  if (!fs::exists(workload)) throw InputError("flow: --workload " + workload + ": no such file");
  if (!o.liberty.empty() && !fs::exists(o.liberty)) throw InputError("flow: --liberty " + o.liberty + ": no such file");
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path out = o.out;
  fs::create_directories(out / "configs");
  fs::create_directories(out / "logs");
  const int threads[3] = {1, 2, 4};
  const int total = o.skip_verify ? 4 : 5;
  int step = 0;

  // 1. Configs and RTL.
  std::vector<std::string> cfgs;
  for (int t : threads) {
    const std::string name = fmt::format("sysmt_{}t_{}x{}", t, o.rows, o.cols);
    const fs::path p = out / "configs" / (name + ".yaml");
    write_file_atomic(p, fmt::format("# Written by sysmt flow.\nname: {}\narray:\n  rows: {}\n  cols: {}\nthreads: {}\n", name, o.rows,
                                     o.cols, t));
    cfgs.push_back(p.string());
  }
  ++step;
  for (int i = 0; i < 3; ++i) {
    const std::string name = fs::path(cfgs[i]).stem().string();
    if (run_step({step, total, "generate " + name}, "generate " + shell_quote(cfgs[i]) + " -q -o " + shell_quote((out / "rtl" / name).string()),
                 out / "logs" / ("generate-" + name + ".log")) != 0)
      throw ToolError("flow: generate failed; see " + (out / "logs").string());
  }

  // 2. Verification against the golden model.
  json verify = json::array();
  bool all_pass = true;
  if (!o.skip_verify) {
    ++step;
    for (int i = 0; i < 3; ++i) {
      const std::string name = fs::path(cfgs[i]).stem().string();
      const fs::path log = out / "logs" / ("verify-" + name + ".log");
      const int rc = run_step({step, total, fmt::format("verify {} ({} random GEMMs)", name, o.gemms)},
                              "verify " + shell_quote(cfgs[i]) + fmt::format(" --gemms {} --seed {}", o.gemms, o.seed), log);
      if (rc == 2) throw ToolError("flow: verify could not run; see " + log.string());
      all_pass &= rc == 0;
      verify.push_back({{"threads", threads[i]}, {"config", name}, {"pass", rc == 0}, {"gemms", o.gemms}, {"log", log.string()}});
    }
  }

  // 3. Synthesis and comparison.
  ++step;
  const std::string lib = o.liberty.empty() ? "" : " --liberty " + shell_quote(o.liberty);
  if (run_step({step, total, fmt::format("synthesize and compare 1T/2T/4T {}x{}", o.rows, o.cols)},
               fmt::format("compare --rows {} --cols {} -o ", o.rows, o.cols) + shell_quote((out / "compare").string()) + lib,
               out / "logs" / "compare.log") != 0)
    throw ToolError("flow: compare failed; see " + (out / "logs" / "compare.log").string());

  // 4. Workload evaluation, unpruned and 40 % pruned (the paper's two cases).
  ++step;
  for (const char* prune : {"0", "0.4"}) {
    const std::string dir = std::string("evaluate-prune") + (prune[0] == '0' && prune[1] == 0 ? "0" : "40");
    if (run_step({step, total, fmt::format("evaluate {} (prune {})", fs::path(workload).stem().string(), prune)},
                 "evaluate " + shell_quote(cfgs[2]) + " --workload " + shell_quote(workload) + " --prune " + prune +
                     fmt::format(" --seed {} -q -o ", o.seed) + shell_quote((out / dir).string()),
                 out / "logs" / (dir + ".log")) != 0)
      throw ToolError("flow: evaluate failed; see " + (out / "logs" / (dir + ".log")).string());
  }

  // 5. Summary.
  ++step;
  std::fprintf(stderr, "[flow %d/%d] summary ...\n", step, total);
  const json cmp = read_json(out / "compare" / "compare.json");
  const json ev0 = read_json(out / "evaluate-prune0" / "evaluate.json");
  const json ev4 = read_json(out / "evaluate-prune40" / "evaluate.json");
  auto design = [&](int t) -> const json& {
    for (const json& d : cmp["designs"])
      if (d["threads"].get<int>() == t) return d;
    throw InputError("flow: compare.json has no " + std::to_string(t) + "T design");
  };
  auto perf = [&](const json& ev, int t) -> const json& {
    for (const json& p : ev["network"]["performance"])
      if (p["threads"].get<int>() == t) return p;
    throw InputError("flow: evaluate.json has no T=" + std::to_string(t));
  };
  auto numeric = [&](const json& ev, int t, const char* map) -> const json& {
    for (const json& n : ev["network"]["numeric"])
      if (n["threads"].get<int>() == t && n["mapping"] == map) return n;
    throw InputError("flow: evaluate.json has no numeric T=" + std::to_string(t));
  };
  const std::string wl = ev0["workload"]["name"].get<std::string>();
  struct Paper { double area, speedup; const char* energy; const char* acc; };
  const Paper paper[3] = {{1.0, 1.0, "-", "-"}, {1.4, 2.0, "-33%", "< 1%"}, {2.5, 3.4, "-39%", "about 1%"}};
  json rows = json::array();
  std::string md = fmt::format("# SySMT summary: {}x{} array, 1, 2 and 4 threads\n\n", o.rows, o.cols);
  md += fmt::format("Written by `sysmt flow` {} (seed {}). Liberty `{}`, clock target {} ns. Workload `{}` ({:.2f} G MACs).\n\n", SYSMT_VERSION,
                    o.seed, cmp["liberty"]["library"].get<std::string>(), cmp["clock_period_ns"].get<double>(), wl,
                    ev0["workload"]["macs"].get<double>() / 1e9);
  md += "## The paper's table beside ours\n\n"
        "| threads | area (paper) | area (ours) | speedup (paper) | speedup in cycles (ours) | fmax vs 1T (ours) | "
        "speedup in time (ours) | energy (paper) | accuracy loss (paper) | SQNR, 0% / 40% pruned (ours) |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n";
  for (int i = 0; i < 3; ++i) {
    const int t = threads[i];
    const json& d = design(t);
    const double area = d["array_area_ratio"].get<double>(), fr = d["fmax_ratio"].get<double>();
    const double sp0 = perf(ev0, t)["speedup"].get<double>(), sp4 = perf(ev4, t)["speedup"].get<double>();
    json q0 = t == 1 ? json(nullptr) : numeric(ev0, t, "interleaved")["sqnr_db_mac_weighted"];
    json q4 = t == 1 ? json(nullptr) : numeric(ev4, t, "interleaved")["sqnr_db_mac_weighted"];
    md += fmt::format("| {} | {:.1f}x | **{:.2f}x** | {:.1f}x | **{:.2f}x** | {:.2f}x | {:.2f}x | {} | {} | {} |\n", t, paper[i].area, area,
                      paper[i].speedup, sp0, fr, sp0 * fr, paper[i].energy, paper[i].acc,
                      t == 1 ? std::string("exact") : db(q0) + " / " + db(q4));
    rows.push_back({{"threads", t},
                    {"paper", {{"area_ratio", paper[i].area}, {"speedup", paper[i].speedup}, {"energy", paper[i].energy},
                               {"top1_accuracy_loss", paper[i].acc}}},
                    {"ours", {{"array_area_ratio", area}, {"pe_area_ratio", d["pe_area_ratio"]}, {"fmax_ratio", fr},
                              {"array_fmax_mhz", d["array_fmax_mhz"]}, {"speedup_cycles", sp0}, {"speedup_cycles_pruned40", sp4},
                              {"speedup_time", sp0 * fr}, {"pe_utilization", perf(ev0, t)["pe_utilization"]},
                              {"area_per_throughput_ratio", d["area_per_throughput_ratio"]},
                              {"sqnr_db_interleaved", q0}, {"sqnr_db_interleaved_pruned40", q4},
                              {"sqnr_db_blocked", t == 1 ? json(nullptr) : numeric(ev0, t, "blocked")["sqnr_db_mac_weighted"]},
                              {"shared_lossy_fraction", t == 1 ? json(0.0) : numeric(ev0, t, "interleaved")["shared_lossy_fraction"]}}}});
  }
  md += "\n- **area**: whole array, hierarchical Yosys synthesis to standard cells (`compare/compare.md` has the PE alone, the "
        "breakdown and the plot).\n"
        "- **speedup in cycles**: network cycles of T = 1 over cycles of T, from the cycle model that the RTL regression checks "
        "cycle for cycle (unpruned data; NB-SMT timing does not depend on values, so pruning does not change it).\n"
        "- **speedup in time**: speedup in cycles times the fmax ratio, each design at its own fmax.\n"
        "- **SQNR**: MAC-weighted signal-to-quantisation-noise ratio of every layer's output against the exact GEMM, "
        "synthetic post-ReLU activations and Gaussian weights, interleaved thread mapping (the project's stand-in for "
        "accuracy: it has no trained network).\n"
        "- **energy**: not measured by this flow (the paper's figures are shown for reference).\n\n";
  md += "## Verification\n\n";
  if (o.skip_verify) md += "Skipped (`--skip-verify`).\n";
  for (const json& v : verify)
    md += fmt::format("- {}: {} ({} random GEMMs against the golden model and the cycle model)\n", v["config"].get<std::string>(),
                      v["pass"].get<bool>() ? "PASS" : "**FAIL**", v["gemms"].get<int>());
  md += "\n## Reports\n\n- `compare/compare.md`: area, timing, breakdown and plot per thread count\n"
        "- `evaluate-prune0/evaluate.md`, `evaluate-prune40/evaluate.md`: per-layer speedup, utilization, hazard statistics and "
        "SQNR, with plots\n- `rtl/`: the generated Verilog; `configs/`: the configs used; `logs/`: each step's output\n";

  // Plot: area and speedup, paper against ours.
  std::string dat = "# threads area_paper area_ours speedup_paper speedup_ours_cycles speedup_ours_time\n";
  for (const json& r : rows)
    dat += fmt::format("{}T {} {} {} {} {}\n", r["threads"].get<int>(), r["paper"]["area_ratio"].get<double>(),
                       r["ours"]["array_area_ratio"].get<double>(), r["paper"]["speedup"].get<double>(),
                       r["ours"]["speedup_cycles"].get<double>(), r["ours"]["speedup_time"].get<double>());
  write_file_atomic(out / "summary.dat", dat);
  json plots = json::array();
  if (std::system("command -v gnuplot > /dev/null 2>&1") == 0) {
    const bool cairo = std::system("gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo") == 0;
    std::string gp;
    for (const auto& [term, file] : {std::pair<std::string, std::string>{cairo ? "pngcairo size 900,450" : "png size 900,450", "summary.png"},
                                     {"svg size 900,450", "summary.svg"}})
      gp += "set terminal " + term + "\nset output '" + file + "'\n" +
            fmt::format("set title 'SySMT {}x{} against the paper (ratios to the 1-thread array)'\n", o.rows, o.cols) +
            "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.8 border -1\n"
            "set key top left\nset grid ytics\nset yrange [0:4.6]\nset ylabel 'x of 1T'\n"
            "plot 'summary.dat' using 2:xtic(1) title 'area (paper)', '' using 3 title 'area (ours)', "
            "'' using 4 title 'speedup (paper)', '' using 5 title 'speedup in cycles (ours)', '' using 6 title 'speedup in time (ours)'\n";
    write_file_atomic(out / "summary.gp", gp);
    if (std::system(("cd " + shell_quote(out.string()) + " && gnuplot summary.gp > logs/gnuplot.log 2>&1").c_str()) == 0) {
      plots = {"summary.png", "summary.svg"};
      md += "\n![paper against ours](summary.svg)\n";
    }
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  md += fmt::format("\nWhole flow: {:.0f} s.\n", wall);
  json j = {{"tool", "sysmt flow"}, {"version", SYSMT_VERSION}, {"rows", o.rows}, {"cols", o.cols}, {"seed", o.seed},
            {"workload", wl}, {"liberty", cmp["liberty"]}, {"clock_period_ns", cmp["clock_period_ns"]}, {"table", rows},
            {"verification", verify}, {"plots", plots}, {"wall_time_s", wall}};
  write_file_atomic(out / "summary.json", j.dump(2) + "\n");
  write_file_atomic(out / "summary.md", md);
  std::cout << md;
  std::fprintf(stderr, "[flow] %s written in %.0f s\n", (out / "summary.md").string().c_str(), wall);
  if (!all_pass) {
    std::fprintf(stderr, "[flow] verification FAILED for at least one design; see %s\n", (out / "logs").string().c_str());
    throw CLI::RuntimeError(1);
  }
}

void add_flow(CLI::App& app) {
  auto o = std::make_shared<FlowOptions>();
  CLI::App* sub = app.add_subcommand("flow", "The main job: generate, verify, synthesize and evaluate the 1T/2T/4T arrays; write summary.md");
  sub->add_option("--rows", o->rows, "Array rows")->capture_default_str();
  sub->add_option("--cols", o->cols, "Array columns")->capture_default_str();
  sub->add_option("--gemms", o->gemms, "Random GEMMs per verification")->capture_default_str();
  sub->add_option("--seed", o->seed, "Seed of verification and evaluation data")->capture_default_str();
  sub->add_option("--workload", o->workload, "Network to evaluate (default configs/workloads/resnet18.txt)");
  sub->add_option("--liberty", o->liberty, "Liberty file for synthesis (default: OSU 0.18 um)");
  sub->add_option("-o,--output", o->out, "Report folder")->capture_default_str();
  sub->add_flag("--skip-verify", o->skip_verify, "Skip the Verilator verification step");
  sub->callback([o] { run_flow(*o); });
}

const Register reg(70, add_flow);

}  // namespace

}  // namespace sysmt::cli
