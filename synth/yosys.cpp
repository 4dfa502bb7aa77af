// Yosys synthesis units, their ABC runs, and the choice of the smallest run per unit.
#include "synth/yosys.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/output.hpp"
#include "common/process.hpp"
#include "synth/area.hpp"
#include "synth/templates.hpp"

namespace sysmt::synth {

namespace fs = std::filesystem;

namespace {

struct Unit {
  std::string top, dir;
  int runs = 1;
  UnitRuns result;
};

std::string period_ps(const YosysJob& job) { return fmt::format("{:.0f}", job.period_ns * 1000); }

// abc.constr (driving cell and load, so that ABC buffers and sizes) and the scripts of runs 2..: the
// number of runs each leaf unit gets (1 when the liberty has no buffer or inverter for -constr).
int write_abc_files(const YosysJob& job) {
  const Liberty& lib = job.lib;
  if (lib.driving_cell().empty()) return 1;
  // Each module output drives about four gate inputs; module inputs come from the smallest buffer.
  const double load = 4 * lib.nand2_input_cap > 0 ? 4 * lib.nand2_input_cap : 0.01 / lib.cap_unit_pf;
  write_file_atomic(job.work / "abc.constr",
                    fill_template("abc.constr.in", {{"DRIVING_CELL", lib.driving_cell()}, {"LOAD", fmt::format("{:.6g}", load)}}));
  const int runs = std::max(1, job.abc_runs);
  for (int i = 2; i <= runs; ++i)
    write_file_atomic(job.work / fmt::format("abc_run{}.script", i),
                      fill_template("abc_run.script.in", {{"SEED", std::to_string(i - 1)}, {"PERIOD_PS", period_ps(job)}}));
  return runs;
}

// Hierarchical synthesis maps every module in its own Yosys process, with the modules it instantiates
// read as black boxes, so a module's netlist depends on its own RTL only (in one process for the whole
// design, ABC's result for the same PE moved by 5 % with the array around it). Flattened synthesis (the
// cross-check) is one unit. Leaf modules get every mapping run; wrappers (mostly wiring) one.
std::vector<Unit> plan_units(const YosysJob& job, int runs) {
  std::vector<Unit> units;
  if (job.flatten) {
    units.push_back(Unit{job.top, "yosys/" + job.top, runs, {}});
  } else {
    for (const auto& m : job.modules) units.push_back(Unit{m, "yosys/" + m, job.wrappers.count(m) ? 1 : runs, {}});
  }
  return units;
}

// Run 1 uses Yosys's default ABC script, runs 2.. the same script (abc_run<i>.script) after
// `permute -S <i - 1>`.
void write_unit_script(const YosysJob& job, const Unit& u, bool constr) {
  fs::create_directories(job.work / u.dir);
  std::string reads;
  for (const auto& m : job.modules)
    reads += (job.flatten || m == u.top ? "read_verilog -defer ../../rtl/" : "read_verilog -lib ../../rtl/") + m + ".v\n";
  std::string map_runs;
  for (int i = 1; i <= u.runs; ++i)
    map_runs += fill_template("synth_run.ys.in", {{"RUN", std::to_string(i)},
                                                  {"TOP", u.top},
                                                  {"LIBERTY", ys_path(job.lib.path)},
                                                  {"PERIOD_PS", period_ps(job)},
                                                  {"CONSTR", constr ? "-constr ../../abc.constr" : ""},
                                                  {"SCRIPT", i > 1 ? fmt::format("-script ../../abc_run{}.script", i) : ""},
                                                  {"STAT_JSON", fmt::format("stat_run{}.json", i)},
                                                  {"NETLIST", fmt::format("run{}.netlist.v", i)}});
  write_file_atomic(job.work / u.dir / "synth.ys", fill_template("synth.ys.in", {{"READ_VERILOG", reads},
                                                                                 {"TOP", u.top},
                                                                                 {"FLATTEN", job.flatten ? "-flatten" : ""},
                                                                                 {"LIBERTY", ys_path(job.lib.path)},
                                                                                 {"ABC_RUNS", std::to_string(u.runs)},
                                                                                 {"MAP_RUNS", map_runs}}));
}

// The units run in parallel, as many at a time as there are cores; the first failure is rethrown.
void run_units(const YosysJob& job, std::vector<Unit>& units) {
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::exception_ptr first_error;
  const unsigned workers = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), static_cast<unsigned>(units.size())));
  std::vector<std::thread> pool;
  for (unsigned w = 0; w < workers; ++w)
    pool.emplace_back([&] {
      for (size_t i = next++; i < units.size(); i = next++) {
        Unit& u = units[i];
        try {
          u.result.seconds = run_tool("yosys -q -l yosys.log -s synth.ys", "yosys (" + u.top + ")",
                                      RunOptions{job.work / u.dir, job.work / u.dir / "yosys.stdout", ""});
        } catch (...) {
          std::lock_guard<std::mutex> lock(mu);
          if (!first_error) first_error = std::current_exception();
        }
      }
    });
  for (auto& t : pool) t.join();
  if (first_error) std::rethrow_exception(first_error);
}

// Reads every run of a unit, keeps the smallest: its statistics go into `stat`, its netlist onto `netlist`.
void keep_best_run(const YosysJob& job, Unit& u, nlohmann::json& stat, std::string& netlist) {
  std::vector<nlohmann::json> run_stats;
  u.result.module = u.top;
  for (int i = 1; i <= u.runs; ++i) {
    nlohmann::json st = read_stat_json(job.work / u.dir / fmt::format("stat_run{}.json", i));
    const double a = stat_area(st, job.lib);
    u.result.areas_um2.push_back(a);
    if (i == 1 || a < u.result.areas_um2[static_cast<size_t>(u.result.kept - 1)]) u.result.kept = i;
    run_stats.push_back(std::move(st));
  }
  for (auto& [raw, m] : run_stats[static_cast<size_t>(u.result.kept - 1)].at("modules").items()) stat["modules"][raw] = m;
  netlist += read_file(job.work / u.dir / fmt::format("run{}.netlist.v", u.result.kept));
  std::string list;
  for (size_t i = 0; i < u.result.areas_um2.size(); ++i) list += fmt::format("{}{:.0f}", i ? ", " : "", u.result.areas_um2[i]);
  job.progress(fmt::format("{}: {} mapped in {:.1f} s{}", job.top, u.top, u.result.seconds,
                           u.runs > 1 ? fmt::format(" (area per run {} um^2; kept run {})", list, u.result.kept) : ""));
}

std::string first_line(const fs::path& log) {
  std::string s = read_file(log);
  s = s.substr(0, s.find('\n'));
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

YosysResult run_yosys(const YosysJob& job) {
  const int runs = write_abc_files(job);
  std::vector<Unit> units = plan_units(job, runs);
  for (const Unit& u : units) write_unit_script(job, u, !job.lib.driving_cell().empty());
  job.progress(fmt::format("{}: yosys: {} synthesis of {} unit{} mapped to {} ({} ABC run{} each) ...", job.top,
                           job.flatten ? "flattened" : "hierarchical", units.size(), units.size() == 1 ? "" : "s", job.lib.library, runs,
                           runs == 1 ? "" : "s"));
  const auto t0 = std::chrono::steady_clock::now();
  run_units(job, units);
  YosysResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.stat = {{"modules", nlohmann::json::object()}};
  std::string netlist;
  for (Unit& u : units) keep_best_run(job, u, r.stat, netlist);
  write_file_atomic(job.work / "stat.json", r.stat.dump(1));
  write_file_atomic(job.work / (job.top + ".netlist.v"), netlist);
  r.runs.runs = runs;
  for (const Unit& u : units) r.runs.units.push_back(u.result);
  job.progress(fmt::format("{}: yosys done in {:.1f} s", job.top, r.seconds));
  return r;
}

void write_gate_sim_netlist(const YosysJob& job) {
  fs::create_directories(job.work / "gate-sim");
  write_file_atomic(job.work / "gate_sim.ys", fill_template("gate_sim.ys.in", {{"LIBERTY", ys_path(job.lib.path)},
                                                                               {"NETLIST", job.top + ".netlist.v"},
                                                                               {"TOP", job.top},
                                                                               {"SIM_NETLIST", "gate-sim/" + job.top + ".v"}}));
  run_tool("yosys -q -l gate_sim.log -s gate_sim.ys", "yosys (gate-level netlist)", RunOptions{job.work, job.work / "gate_sim.stdout", ""});
  job.progress(fmt::format("{}: gate-level simulation netlist in gate-sim/{}.v", job.top, job.top));
}

std::string yosys_version(const fs::path& dir) {
  const fs::path log = dir / "yosys_version.log";
  if (run_command("yosys -V", RunOptions{dir, log, ""}).exit_code != 0) return "";
  return first_line(log);
}

}  // namespace sysmt::synth
