// Executors of a sweep. Every point runs as `sysmt sweep-point DIR` (a child process on this machine, or
// an array task on Slurm), which runs the point's sysmt subcommands as its own child processes and writes
// result.json last. Whatever stops a run (a failed job, a kill, a time limit), the stamps of the finished
// points stay and the next invocation runs only the rest.
#include "sweep/executor.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/hash.hpp"
#include "common/output.hpp"
#include "common/process.hpp"

namespace sysmt::sweep {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string self_exe() { return fs::read_symlink("/proc/self/exe").string(); }

// Runs a short Slurm command (squeue, sacct, scontrol, sbatch) through the shared runner (its own process
// group, signals unblocked, private TMPDIR), returning its exit status and its output.
int capture(const std::string& cmd, std::string& out) {
  static std::atomic<unsigned> serial{0};
  sysmt::RunOptions o;
  o.log = tool_tmpdir() / ("slurm-" + std::to_string(serial++) + ".log");
  const RunResult r = run_command(cmd, o);
  std::ifstream in(o.log);
  std::ostringstream text;
  text << in.rdbuf();
  out = text.str();
  std::error_code ec;
  fs::remove(o.log, ec);
  return r.exit_code;
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + shell_quote(a);
  return s;
}

std::string duration(double s) {
  const long t = static_cast<long>(s);
  return t >= 60 ? fmt::format("{} min {:02d} s", t / 60, static_cast<int>(t % 60)) : fmt::format("{} s", t);
}

// One status line, redrawn in place on a terminal and printed only when it changes (or every 30 s) in a log.
class ProgressLine {
 public:
  explicit ProgressLine(bool quiet) : quiet_(quiet), tty_(::isatty(STDERR_FILENO) != 0), t0_(Clock::now()) {}
  void show(const std::string& state) {
    if (quiet_) return;
    const double s = std::chrono::duration<double>(Clock::now() - t0_).count();
    const bool changed = state != last_;
    if (!tty_ && !changed && s - last_print_ < 30) return;
    std::fprintf(stderr, tty_ ? "\r[sweep] %s; %s   " : "[sweep] %s; %s\n", state.c_str(), duration(s).c_str());
    last_ = state;
    last_print_ = s;
  }
  void end() {
    if (!quiet_ && tty_ && !last_.empty()) std::fprintf(stderr, "\n");
  }
  void note(const std::string& s) {
    if (quiet_) return;
    if (tty_ && !last_.empty()) std::fprintf(stderr, "\n");
    std::fprintf(stderr, "[sweep] %s\n", s.c_str());
    last_.clear();
  }

 private:
  bool quiet_, tty_;
  Clock::time_point t0_;
  std::string last_;
  double last_print_ = -1e9;
};

bool finished(const fs::path& dir, const std::string& key) {
  if (!fs::exists(dir / kResultFile)) return false;
  try {
    return json::parse(read_file(dir / kResultFile)).get<PointResult>().key == key;
  } catch (const std::exception&) {
    return false;  // unreadable stamp: run the point again
  }
}

// Writes the point's folder: its config, its plan and the commands it runs (for a human to rerun one job).
void prepare_point(const Sweep& sw, size_t i, const fs::path& dir, const std::string& exe) {
  const PointPlan& p = sw.points[i];
  fs::create_directories(dir / "logs");
  write_file_atomic(
      dir / "config.yaml",
      emit_config(sw.configs[i], fmt::format("Written by sysmt sweep {} (sweep {}, point key {}, config hash {}); do not edit.",
                                             SYSMT_VERSION, sw.name, p.key, p.config_hash)));
  write_file_atomic(dir / kPlanFile, json(p).dump(2) + "\n");
  std::string sh =
      "#!/bin/sh\n# The sysmt commands of this sweep point, in order (what `sysmt sweep-point` runs).\nset -e\n"
      "cd \"$(dirname \"$0\")\"\n";
  for (const JobSpec& j : p.jobs)
    sh += command_line([&] {
            std::vector<std::string> a{exe};
            for (auto& x : find_job_kind(j.kind)->args(p, j, fs::absolute(dir))) a.push_back(x);
            return a;
          }()) +
          " > logs/" + j.kind + ".log 2>&1\n";
  write_file_atomic(dir / "commands.sh", sh);
}

// The job a running point is in: its newest log.
std::string current_job(const fs::path& dir) {
  std::string job = "starting";
  auto newest = fs::file_time_type::min();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir / "logs", ec)) {
    const auto t = e.last_write_time(ec);
    if (!ec && e.path().extension() == ".log" && t >= newest) {
      newest = t;
      job = e.path().stem().string();
    }
  }
  return job;
}

// ---- local ------------------------------------------------------------------------------------------

void run_local(const std::vector<fs::path>& dirs, const RunOptions& o, ProgressLine& progress) {
  const std::string exe = o.sysmt.empty() ? self_exe() : o.sysmt;
  const int n = o.jobs > 0 ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
  std::mutex m;
  size_t next = 0;
  std::atomic<int> running{0}, done{0}, failed{0};
  std::map<fs::path, int> active;  // running point folder -> its index
  auto worker = [&] {
    for (;;) {
      fs::path dir;
      {
        std::lock_guard<std::mutex> lock(m);
        if (next >= dirs.size()) return;
        dir = dirs[next++];
      }
      ++running;
      {
        std::lock_guard<std::mutex> lock(m);
        active[dir] = json::parse(read_file(dir / kPlanFile)).get<PointPlan>().index;
      }
      // Its own process group (common/process): an interrupt of the sweep stops the point and its tools.
      const int rc = run_command(shell_quote(exe) + " sweep-point " + shell_quote(dir.string()), {{}, dir / "point.log", {}}).exit_code;
      {
        std::lock_guard<std::mutex> lock(m);
        active.erase(dir);
      }
      --running;
      (rc == 0 ? done : failed) += 1;
    }
  };
  std::vector<std::thread> pool;
  for (int i = 0; i < std::min<int>(n, static_cast<int>(dirs.size())); ++i) pool.emplace_back(worker);
  std::atomic<bool> stop{false};
  std::thread ticker([&] {
    while (!stop) {
      const int d = done, f = failed, r = running;
      std::string now;
      {
        std::lock_guard<std::mutex> lock(m);
        for (const auto& [dir, index] : active) now += fmt::format("{}#{} {}", now.empty() ? "" : ", ", index, current_job(dir));
      }
      progress.show(fmt::format("{}/{} points run: {} done, {} failed, {} running{}, {} waiting ({} at once)", d + f, dirs.size(), d, f, r,
                                now.empty() ? "" : " (" + now + ")", static_cast<int>(dirs.size()) - d - f - r, n));
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  });
  for (auto& t : pool) t.join();
  stop = true;
  ticker.join();
  progress.show(fmt::format("{}/{} points run: {} done, {} failed", dirs.size(), dirs.size(), done.load(), failed.load()));
  progress.end();
}

// ---- slurm ------------------------------------------------------------------------------------------

struct SlurmJob {
  std::string job_id;
  std::vector<std::string> dirs;  // array task i runs dirs[i]
};
void to_json(json& j, const SlurmJob& s) { j = {{"job_id", s.job_id}, {"dirs", s.dirs}}; }
void from_json(const json& j, SlurmJob& s) {
  j.at("job_id").get_to(s.job_id);
  j.at("dirs").get_to(s.dirs);
}

// Task index -> state, from squeue (-r lists each array task). Returns false when squeue does not know the job.
bool squeue_states(const std::string& job, std::map<int, std::string>& states) {
  states.clear();
  std::string out;
  if (capture("squeue -h -r -j " + shell_quote(job) + " -o '%K %T'", out) != 0) return false;
  std::istringstream in(out);
  std::string idx, state;
  while (in >> idx >> state) {
    try {
      states[std::stoi(idx)] = state;
    } catch (const std::exception&) {
      states[-1] = state;  // "N/A" or a range of pending tasks
    }
  }
  return true;
}

// Final state of each array task: sacct when accounting is on, else scontrol (which keeps finished jobs
// for MinJobAge seconds). Empty when neither knows.
std::map<int, std::string> final_states(const std::string& job) {
  std::map<int, std::string> st;
  std::string out;
  if (capture("sacct -n -P -X -j " + shell_quote(job) + " -o JobID,State,ExitCode", out) == 0) {
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
      const size_t us = line.find('_'), bar = line.find('|');
      if (us == std::string::npos || bar == std::string::npos || us > bar) continue;
      try {
        st[std::stoi(line.substr(us + 1, bar - us - 1))] = line.substr(bar + 1);
      } catch (const std::exception&) {
      }
    }
    if (!st.empty()) return st;
  }
  if (capture("scontrol -o show job " + shell_quote(job), out) == 0) {
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
      auto field = [&](const std::string& k) {
        const size_t p = line.find(" " + k + "=");
        if (p == std::string::npos) return std::string();
        const size_t b = p + k.size() + 2, e = line.find(' ', b);
        return line.substr(b, e == std::string::npos ? std::string::npos : e - b);
      };
      try {
        st[std::stoi(field("ArrayTaskId"))] = field("JobState") + " exit " + field("ExitCode");
      } catch (const std::exception&) {
      }
    }
  }
  return st;
}

// Waits for a submitted array until squeue no longer lists it, with a progress line.
void wait_slurm(const SlurmJob& job, const SlurmOptions& so, ProgressLine& progress) {
  std::map<int, std::string> states;
  int misses = 0;
  for (;;) {
    const bool known = squeue_states(job.job_id, states);
    int done = 0, failed = 0;
    for (const auto& d : job.dirs) {
      done += fs::exists(fs::path(d) / kResultFile);
      failed += fs::exists(fs::path(d) / kFailureFile);
    }
    int running = 0, pending = 0;
    std::string now;  // what each running task is doing
    for (const auto& [i, s] : states) {
      const bool run = s == "RUNNING" || s == "COMPLETING";
      (run ? running : pending) += 1;
      if (run && i >= 0 && i < static_cast<int>(job.dirs.size()))
        now += fmt::format("{}task {} {}", now.empty() ? "" : ", ", i, current_job(job.dirs[static_cast<size_t>(i)]));
    }
    if (states.count(-1)) pending = static_cast<int>(job.dirs.size()) - done - failed - running;
    progress.show(fmt::format("slurm job {}: {}/{} points: {} done, {} failed, {} running{}, {} queued", job.job_id, done + failed,
                              job.dirs.size(), done, failed, running, now.empty() ? "" : " (" + now + ")", std::max(0, pending)));
    if (known && states.empty()) break;
    if (!known && ++misses >= 3) break;  // squeue forgot the job (purged): it is over
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(so.poll_seconds * 1000)));
  }
  progress.end();
}

SlurmJob submit_slurm(const Sweep& sw, const std::vector<fs::path>& dirs, const fs::path& out, const RunOptions& o) {
  const std::string exe = o.sysmt.empty() ? self_exe() : o.sysmt;
  const fs::path sdir = fs::absolute(out / "slurm");
  fs::create_directories(sdir);
  SlurmJob job;
  std::string tasks;
  for (const auto& d : dirs) {
    job.dirs.push_back(fs::absolute(d).string());
    tasks += job.dirs.back() + "\n";
  }
  // Each submission gets its own task list, so a later submission never changes what a running task reads.
  const std::string stamp = hex64(fnv1a64(tasks)).substr(0, 8);
  const fs::path task_file = sdir / ("tasks-" + stamp + ".txt");
  write_file_atomic(task_file, tasks);
  std::string sb = "#!/bin/sh\n# Written by sysmt sweep " SYSMT_VERSION
                   ": one array task per sweep point; each runs `sysmt sweep-point` on\n"
                   "# its folder (the line of tasks-*.txt after its task id), which runs the point's sysmt subcommands.\n";
  sb += "#SBATCH --job-name=sysmt-sweep-" + sw.name + "\n";  // the name is letters, digits, _ . -
  sb += fmt::format("#SBATCH --array=0-{}{}\n", dirs.size() - 1, o.slurm.max_running > 0 ? "%" + std::to_string(o.slurm.max_running) : "");
  sb += "#SBATCH --output=" + (sdir / "task-%A_%a.log").string() + "\n";
  sb += fmt::format("#SBATCH --cpus-per-task={}\n", o.slurm.cpus_per_task);
  if (!o.slurm.partition.empty()) sb += "#SBATCH --partition=" + o.slurm.partition + "\n";
  if (!o.slurm.account.empty()) sb += "#SBATCH --account=" + o.slurm.account + "\n";
  if (!o.slurm.time_limit.empty()) sb += "#SBATCH --time=" + o.slurm.time_limit + "\n";
  if (!o.slurm.mem.empty()) sb += "#SBATCH --mem=" + o.slurm.mem + "\n";
  sb += "set -eu\ndir=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" " + shell_quote(task_file.string()) + ")\n";
  sb += "echo \"sysmt sweep: task $SLURM_ARRAY_TASK_ID on $(hostname): $dir\"\n";
  sb += "exec " + shell_quote(exe) + " sweep-point \"$dir\" > \"$dir/point.log\" 2>&1\n";
  const fs::path script = sdir / ("sweep-" + stamp + ".sbatch");
  write_file_atomic(script, sb);
  const std::string cmd = "sbatch --parsable " + o.slurm.sbatch_args + " " + shell_quote(script.string());
  std::string outp;
  const int rc = capture(cmd, outp);
  std::string id = outp.substr(0, outp.find_first_of(";\n"));
  if (rc != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    throw ToolError("sweep: sbatch refused the job array (status " + std::to_string(rc) + ")", cmd, outp);
  job.job_id = id;
  write_file_atomic(sdir / "job.json", json(job).dump(2) + "\n");
  return job;
}

// Slurm: attach to a job array an earlier invocation left running, else submit the pending points.
std::map<std::string, std::pair<std::string, std::string>> run_slurm(const Sweep& sw, const std::vector<fs::path>& pending,
                                                                     const fs::path& out, const RunOptions& o, ProgressLine& progress) {
  for (const char* t : {"sbatch", "squeue"})
    if (!on_path(t))
      throw ToolError(std::string("sweep: --executor slurm: '") + t +
                      "' not found on PATH (install slurm-wlm, or run where Slurm's "
                      "client commands are)");
  std::map<std::string, std::pair<std::string, std::string>> detail;  // point dir -> (state, log)
  auto finish = [&](const SlurmJob& job) {
    std::map<int, std::string> st;
    bool looked = false;
    for (size_t i = 0; i < job.dirs.size(); ++i) {
      const fs::path d = job.dirs[i];
      if (fs::exists(d / kResultFile)) continue;
      if (!looked) st = final_states(job.job_id);
      looked = true;
      const std::string state = st.count(static_cast<int>(i)) ? st[static_cast<int>(i)] : "unknown to squeue, sacct and scontrol";
      detail[d.string()] = {"slurm job " + job.job_id + "_" + std::to_string(i) + ": " + state,
                            (fs::path("slurm") / fmt::format("task-{}_{}.log", job.job_id, i)).string()};
    }
  };
  const fs::path jf = out / "slurm" / "job.json";
  if (fs::exists(jf)) {
    const SlurmJob old = json::parse(read_file(jf)).get<SlurmJob>();
    std::map<int, std::string> states;
    if (squeue_states(old.job_id, states) && !states.empty()) {
      progress.note("slurm job " + old.job_id + " of an earlier invocation is still running: waiting for it");
      wait_slurm(old, o.slurm, progress);
      finish(old);
    }
  }
  std::vector<fs::path> todo;
  for (const auto& d : pending)
    if (!finished(d, json::parse(read_file(d / kPlanFile)).get<PointPlan>().key)) todo.push_back(d);
  if (todo.empty()) return detail;
  for (const auto& d : todo) {
    fs::remove(d / kFailureFile);
    detail.erase(fs::absolute(d).string());
  }
  const SlurmJob job = submit_slurm(sw, todo, out, o);
  progress.note(fmt::format("submitted slurm job array {} ({} tasks; scripts and task logs in {})", job.job_id, todo.size(),
                            (out / "slurm").string()));
  wait_slurm(job, o.slurm, progress);
  finish(job);
  return detail;
}

}  // namespace

fs::path default_out_dir(const Sweep& sw) { return fs::path("reports") / ("sweep-" + sw.name); }

int run_point(const fs::path& dir_in, const std::string& exe, bool quiet) {
  const fs::path dir = fs::absolute(dir_in);
  if (!fs::exists(dir / kPlanFile)) throw InputError(dir.string() + ": not a sweep point folder (no " + kPlanFile + ")");
  PointPlan plan;
  try {
    plan = json::parse(read_file(dir / kPlanFile)).get<PointPlan>();
  } catch (const json::exception& e) {
    throw InputError((dir / kPlanFile).string() + ": not a point plan: " + e.what());
  }
  fs::remove(dir / kResultFile);
  fs::remove(dir / kFailureFile);
  fs::create_directories(dir / "logs");
  PointResult res;
  res.key = plan.key;
  res.config_hash = plan.config_hash;
  for (const JobSpec& j : plan.jobs) {
    const JobKind* kind = find_job_kind(j.kind);
    if (!kind) throw InputError((dir / kPlanFile).string() + ": unknown job '" + j.kind + "'");
    std::vector<std::string> argv{exe};
    for (auto& a : kind->args(plan, j, dir)) argv.push_back(a);
    const fs::path log = dir / "logs" / (j.kind + ".log");
    if (!quiet) std::fprintf(stderr, "[point #%d] %s: %s\n", plan.index, j.kind.c_str(), command_line(argv).c_str());
    const RunResult rr = run_command(command_line(argv), {{}, log, {}});
    const int st = rr.exit_code;
    const double sec = rr.seconds;
    bool ok = false;
    std::string why;
    try {
      ok = kind->collect(plan, j, dir, st, res.metrics);
    } catch (const std::exception& e) {
      why = e.what();
    }
    if (!quiet)
      std::fprintf(stderr, "[point #%d] %s: status %d, %s in %.1f s%s\n", plan.index, j.kind.c_str(), st, ok ? "done" : "FAILED", sec,
                   why.empty() ? "" : (": " + why).c_str());
    if (!ok) {
      write_file_atomic(dir / kFailureFile, json(PointFailure{plan.key, j.kind, st, "logs/" + j.kind + ".log"}).dump(2) + "\n");
      return 1;
    }
    res.job_seconds[j.kind] = sec;
  }
  write_file_atomic(dir / kResultFile, json(res).dump(2) + "\n");  // the stamp: last
  return 0;
}

RunSummary run_sweep(const Sweep& sw, const fs::path& out, const RunOptions& o) {
  if (o.executor != "local" && o.executor != "slurm") throw InputError("sweep: --executor " + o.executor + ": expected local or slurm");
  const std::string exe = o.sysmt.empty() ? self_exe() : o.sysmt;
  if (!o.sysmt.empty() && !fs::exists(o.sysmt)) throw InputError("sweep: --sysmt " + o.sysmt + ": no such file");
  // Each goes into one #SBATCH line of the batch script.
  for (const auto& [opt, v] : {std::pair<const char*, const std::string&>{"--partition", o.slurm.partition},
                               {"--account", o.slurm.account},
                               {"--time", o.slurm.time_limit},
                               {"--mem", o.slurm.mem}})
    if (v.find_first_of(" \t\r\n'\"") != std::string::npos)
      throw InputError(std::string("sweep: ") + opt + " '" + v + "': no spaces or quotes");
  fs::create_directories(out / "points");
  ProgressLine progress(o.quiet);
  RunSummary sum;
  std::vector<fs::path> pending;
  for (size_t i = 0; i < sw.points.size(); ++i) {
    const fs::path dir = out / "points" / sw.points[i].key;
    if (!o.force && finished(dir, sw.points[i].key)) {
      ++sum.skipped;
      continue;
    }
    if (o.force) fs::remove(dir / kResultFile);
    prepare_point(sw, i, dir, exe);
    pending.push_back(dir);
  }
  progress.note(fmt::format("{}: {} points, {} finished earlier (skipped), {} to run with the {} executor; folder {}", sw.source,
                            sw.points.size(), sum.skipped, pending.size(), o.executor, out.string()));
  std::map<std::string, std::pair<std::string, std::string>> detail;
  if (!pending.empty()) {
    if (o.executor == "local")
      run_local(pending, o, progress);
    else
      detail = run_slurm(sw, pending, out, o, progress);
  }
  sum.ran = static_cast<int>(pending.size());
  sum.report = gather(sw, out);
  for (ReportRow& r : sum.report.rows) {
    auto it = detail.find(fs::absolute(out / "points" / r.key).string());
    if (it != detail.end() && r.status != "done") {
      r.detail = it->second.first;
      if (r.status == "unfinished") r.log = it->second.second;
    }
  }
  sum.plots = write_report(sum.report, out, sum.plot_note);
  return sum;
}

}  // namespace sysmt::sweep
