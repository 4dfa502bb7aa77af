// `sysmt sweep` end to end with the local executor: the table against direct runs of the same subcommands,
// byte-identical reruns that skip finished points, a sweep interrupted mid-way that stops its points and
// loses nothing finished, a failed job reported with its log and rerun next time, and bad input (exit 2,
// nothing written).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "sweep/report.hpp"

namespace {

namespace fs = std::filesystem;
using sysmt::sweep::SweepReport;
const std::string kExe = SYSMT_BIN;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int run(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

SweepReport report(const fs::path& out) { return nlohmann::json::parse(slurp(out / "sweep.json")).get<SweepReport>(); }

class SweepCli : public ::testing::Test {
 protected:
  fs::path dir;
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("sysmt_sweep_cli_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "tiny.txt") << "a 4 4 3 3 2 4 1 1\nb 8 8 1 1 4 8 1 0\n";
    std::ofstream(dir / "big.txt") << "big 56 56 3 3 64 64 1 1\n";
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string sweep(const std::string& file, const std::string& out, const std::string& args = "") {
    return kExe + " sweep " + (dir / file).string() + " -o " + (dir / out).string() + " " + args + " > " +
           (dir / (out + ".stdout")).string() + " 2> " + (dir / (out + ".stderr")).string();
  }
};

TEST_F(SweepCli, TableMatchesDirectRunsAndRerunSkipsEverything) {
  std::ofstream(dir / "s.yaml") << "name: grid\nbase:\n  name: g\n  array: {rows: 2, cols: 2}\n  threads: 1\n"
                                   "axes:\n  threads: [1, 2, 4]\n  array.rows: [2, 4]\n"
                                   "jobs:\n  generate:\n  evaluate: {workload: tiny.txt, seed: 3}\n";
  ASSERT_EQ(run(sweep("s.yaml", "out", "-j 2")), 0) << slurp(dir / "out.stderr");
  const SweepReport r = report(dir / "out");
  ASSERT_EQ(r.rows.size(), 6u);
  EXPECT_EQ(r.done(), 6);
  for (const auto& row : r.rows) {
    const fs::path pdir = dir / "out" / "points" / row.key;
    EXPECT_EQ(row.status, "done");
    EXPECT_TRUE(fs::exists(pdir / "rtl" / "g.v")) << "the generate job wrote the point's RTL";
    // The same subcommand run by hand on the point's config gives the table's figures.
    const fs::path direct = dir / ("direct" + std::to_string(row.index));
    ASSERT_EQ(run(kExe + " evaluate " + (pdir / "config.yaml").string() + " --workload " + (dir / "tiny.txt").string() +
                  " --seed 3 -q -o " + direct.string() + " > /dev/null 2>&1"),
              0);
    const auto ev = nlohmann::json::parse(slurp(direct / "evaluate.json"));
    const int t = std::stoi(row.values[0].second);
    for (const auto& p : ev["network"]["performance"])
      if (p["threads"].get<int>() == t) {
        EXPECT_EQ(*row.metrics.cycles, p["cycles"].get<std::uint64_t>()) << row.index;
        EXPECT_DOUBLE_EQ(*row.metrics.speedup_cycles, p["speedup"].get<double>());
      }
    if (t == 1) {
      EXPECT_EQ(*row.metrics.rel_error, 0.0);
      EXPECT_FALSE(row.metrics.sqnr_db.has_value()) << "1 thread is exact";
    } else {
      EXPECT_GT(*row.metrics.rel_error, 0.0);
    }
    EXPECT_FALSE(row.speedup_time.has_value()) << "no synth job: no fmax, no time";
  }
  // The config each point ran is the sweep's: rows and threads as in the table.
  EXPECT_NE(slurp(dir / "out" / "points" / r.rows[5].key / "config.yaml").find("rows: 4"), std::string::npos);
  EXPECT_NE(slurp(dir / "out" / "points" / r.rows[5].key / "config.yaml").find("threads: 4"), std::string::npos);

  const std::string csv = slurp(dir / "out" / "sweep.csv"), js = slurp(dir / "out" / "sweep.json");
  const auto stamp = fs::last_write_time(dir / "out" / "points" / r.rows[0].key / "result.json");
  ASSERT_EQ(run(sweep("s.yaml", "out", "-j 2")), 0) << slurp(dir / "out.stderr");
  EXPECT_NE(slurp(dir / "out.stderr").find("6 points, 6 finished earlier (skipped), 0 to run"), std::string::npos)
      << slurp(dir / "out.stderr");
  EXPECT_EQ(fs::last_write_time(dir / "out" / "points" / r.rows[0].key / "result.json"), stamp);
  EXPECT_EQ(slurp(dir / "out" / "sweep.csv"), csv) << "same inputs, same bytes";
  EXPECT_EQ(slurp(dir / "out" / "sweep.json"), js);
  EXPECT_NE(slurp(dir / "out" / "sweep.md").find("| 5 | 4 | 4 | done |"), std::string::npos) << slurp(dir / "out" / "sweep.md");

  // A sweep that adds one value runs only the new points.
  std::ofstream(dir / "s.yaml", std::ios::app) << "points:\n  - {threads: 2, array.rows: 8}\n";
  ASSERT_EQ(run(sweep("s.yaml", "out", "-j 2")), 0) << slurp(dir / "out.stderr");
  EXPECT_NE(slurp(dir / "out.stderr").find("7 points, 6 finished earlier (skipped), 1 to run"), std::string::npos)
      << slurp(dir / "out.stderr");
  EXPECT_EQ(report(dir / "out").done(), 7);
}

TEST_F(SweepCli, InterruptedSweepStopsItsPointsAndLosesNothingFinished) {
  std::ofstream(dir / "s.yaml") << "base:\n  name: k\n  array: {rows: 4, cols: 4}\n  threads: 1\n"
                                   "axes:\n  threads: [1, 2, 4]\n  array.rows: [4, 8]\n"
                                   "jobs:\n  evaluate: {workload: big.txt}\n";
  const fs::path out = dir / "out";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string f = (dir / "s.yaml").string(), o = out.string(), log = (dir / "first.log").string();
    if (!freopen(log.c_str(), "w", stderr)) _exit(126);
    execl(kExe.c_str(), kExe.c_str(), "sweep", f.c_str(), "-o", o.c_str(), "-j", "1", static_cast<char*>(nullptr));
    _exit(127);
  }
  auto stamps = [&] {
    int n = 0;
    if (fs::exists(out / "points"))
      for (const auto& e : fs::directory_iterator(out / "points")) n += fs::exists(e.path() / "result.json");
    return n;
  };
  // SIGTERM (what a scheduler or `kill` sends) as soon as the first point is finished.
  const auto t0 = std::chrono::steady_clock::now();
  while (stamps() == 0 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ::kill(pid, SIGTERM);
  int st = 0;
  waitpid(pid, &st, 0);
  ASSERT_TRUE(WIFEXITED(st)) << slurp(dir / "first.log");
  ASSERT_EQ(WEXITSTATUS(st), 143) << "the sweep finished before it could be interrupted; make big.txt bigger\n" << slurp(dir / "first.log");
  const int finished = stamps();
  ASSERT_GE(finished, 1);
  ASSERT_LT(finished, 6);
  // The running point was stopped with the sweep: no stamp appears afterwards.
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  EXPECT_EQ(stamps(), finished);
  EXPECT_FALSE(fs::exists(out / "sweep.json")) << "the table is written at the end only";

  ASSERT_EQ(run(sweep("s.yaml", "out", "-j 2")), 0) << slurp(dir / "out.stderr");
  EXPECT_NE(slurp(dir / "out.stderr")
                .find("6 points, " + std::to_string(finished) + " finished earlier (skipped), " + std::to_string(6 - finished) + " to run"),
            std::string::npos)
      << slurp(dir / "out.stderr");
  EXPECT_EQ(report(out).done(), 6);
}

TEST_F(SweepCli, FailedJobIsReportedWithItsLogAndRerunNextTime) {
  std::ofstream(dir / "s.yaml") << "base:\n  name: f\n  array: {rows: 1, cols: 1}\n  threads: 1\n"
                                   "points:\n  - {threads: 2}\n"
                                   "jobs:\n  generate:\n  synth: {abc_runs: 1}\n";
  // No yosys on PATH: the synth job fails (the sweep itself runs this binary by its own path).
  ASSERT_EQ(run("PATH=/nonexistent " + sweep("s.yaml", "out")), 1) << slurp(dir / "out.stderr");
  const SweepReport r = report(dir / "out");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].status, "failed");
  EXPECT_EQ(r.rows[0].failed_job, "synth");
  EXPECT_EQ(r.rows[0].log, "points/" + r.rows[0].key + "/logs/synth.log");
  EXPECT_NE(slurp(dir / "out" / r.rows[0].log).find("yosys"), std::string::npos) << slurp(dir / "out" / r.rows[0].log);
  EXPECT_NE(slurp(dir / "out.stderr").find("point #0 failed in synth; log " + (dir / "out" / r.rows[0].log).string()), std::string::npos)
      << slurp(dir / "out.stderr");
  EXPECT_NE(slurp(dir / "out" / "sweep.md").find("#0 (threads 2): failed in synth; log"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "out" / "points" / r.rows[0].key / "result.json"));

  ASSERT_EQ(run(sweep("s.yaml", "out")), 0) << slurp(dir / "out.stderr");
  EXPECT_NE(slurp(dir / "out.stderr").find("1 points, 0 finished earlier (skipped), 1 to run"), std::string::npos);
  const SweepReport r2 = report(dir / "out");
  EXPECT_EQ(r2.rows[0].status, "done");
  EXPECT_GT(*r2.rows[0].metrics.area_um2, 0.0);
  EXPECT_GT(*r2.rows[0].metrics.fmax_mhz, 0.0);
  EXPECT_EQ(*r2.rows[0].area_ratio, 1.0) << "a one-point sweep is its own baseline";
}

TEST_F(SweepCli, BadSweepExitsTwoAndWritesNothing) {
  std::ofstream(dir / "s.yaml")
      << "base:\n  name: b\n  array: {rows: 1, cols: 1}\n  threads: 1\naxes:\n  threads: [1, 8]\njobs: {generate: }\n";
  EXPECT_EQ(run(sweep("s.yaml", "out")), 2);
  EXPECT_NE(slurp(dir / "out.stderr").find("s.yaml:6:16: key 'threads': value 8 is not one of 1, 2, 4"), std::string::npos)
      << slurp(dir / "out.stderr");
  EXPECT_FALSE(fs::exists(dir / "out"));
  EXPECT_EQ(run(sweep("missing.yaml", "out")), 2);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST_F(SweepCli, ListPrintsPointsWithoutRunning) {
  std::ofstream(dir / "s.yaml")
      << "base:\n  name: l\n  array: {rows: 1, cols: 1}\n  threads: 1\naxes:\n  threads: [1, 2]\njobs: {generate: }\n";
  ASSERT_EQ(run(sweep("s.yaml", "out", "--list")), 0);
  const std::string s = slurp(dir / "out.stdout");
  EXPECT_NE(s.find("#0 "), std::string::npos);
  EXPECT_NE(s.find("threads=2"), std::string::npos);
  EXPECT_NE(s.find("(baseline)"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

}  // namespace
