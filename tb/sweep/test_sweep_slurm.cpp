// The slurm executor on a real Slurm: scripts/slurm-cluster.sh starts munged, slurmctld and slurmd as a
// single-node cluster in a temporary folder; a 4-point sweep (verify + synth + evaluate of 1x1 and 2x3
// arrays, 1 and 2 threads) runs as one job array and its table must equal the local executor's in every
// deterministic column. Needs root and slurm-wlm + munge; fails (never skips) without them.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sweep/report.hpp"

namespace {

namespace fs = std::filesystem;
using sysmt::sweep::ReportRow;
using sysmt::sweep::SweepReport;
const std::string kExe = SYSMT_BIN;
const std::string kCluster = std::string(SYSMT_SOURCE_DIR) + "/scripts/slurm-cluster.sh";

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

// Starts the cluster; stops it and removes the folder whatever happens to the test.
struct Cluster {
  fs::path dir;
  bool started = false;
  std::string log;
  explicit Cluster(const fs::path& d) : dir(d) {
    const fs::path l = dir.parent_path() / "cluster-start.log";
    started = run(kCluster + " start " + dir.string() + " > " + l.string() + " 2>&1") == 0;
    log = slurp(l);
    if (started) ::setenv("SLURM_CONF", (dir / "slurm.conf").c_str(), 1);
  }
  ~Cluster() {
    run(kCluster + " stop " + dir.string() + " > /dev/null 2>&1");
    ::unsetenv("SLURM_CONF");
  }
};

TEST(SweepSlurm, JobArrayTableEqualsLocalTable) {
  ASSERT_EQ(::geteuid(), 0u) << "the slurm test starts munged, slurmctld and slurmd: run it as root (CI does)";
  for (const char* tool : {"munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol"})
    ASSERT_EQ(run(std::string("command -v ") + tool + " > /dev/null 2>&1"), 0)
        << tool << " not found: install slurm-wlm and munge (scripts/install-deps.sh)";

  const fs::path dir = fs::temp_directory_path() / ("sysmt_sweep_slurm_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  ::setenv("SYSMT_CACHE", (dir / "cache").c_str(), 1);  // one Verilator model cache for both executors
  {
    Cluster cluster(dir / "cluster");
    ASSERT_TRUE(cluster.started) << "scripts/slurm-cluster.sh start failed:\n" << cluster.log;

    std::ofstream(dir / "tiny.txt") << "a 4 4 3 3 2 4 1 1\nb 8 8 1 1 4 8 1 0\n";
    std::ofstream(dir / "s.yaml") << "name: slurm-check\n"
                                     "base:\n  name: sl\n  array: {rows: 1, cols: 1}\n  threads: 1\n"
                                     "points:\n"
                                     "  - {array.rows: 1, array.cols: 1, threads: 1}\n"
                                     "  - {array.rows: 1, array.cols: 1, threads: 2}\n"
                                     "  - {array.rows: 2, array.cols: 3, threads: 1}\n"
                                     "  - {array.rows: 2, array.cols: 3, threads: 2}\n"
                                     "jobs:\n  verify: {gemms: 5}\n  synth: {abc_runs: 1}\n  evaluate: {workload: tiny.txt}\n";
    const std::string sweep = kExe + " sweep " + (dir / "s.yaml").string();
    ASSERT_EQ(run(sweep + " -o " + (dir / "local").string() + " -j 2 2> " + (dir / "local.log").string()), 0) << slurp(dir / "local.log");
    ASSERT_EQ(run(sweep + " -o " + (dir / "slurm").string() + " --executor slurm --poll 0.5 --time 10 2> " + (dir / "slurm.log").string()),
              0)
        << slurp(dir / "slurm.log") << "\n--- slurmctld.log\n"
        << slurp(dir / "cluster" / "log" / "slurmctld.log");
    EXPECT_NE(slurp(dir / "slurm.log").find("submitted slurm job array"), std::string::npos) << slurp(dir / "slurm.log");

    const SweepReport a = report(dir / "local"), b = report(dir / "slurm");
    ASSERT_EQ(a.rows.size(), 4u);
    ASSERT_EQ(b.rows.size(), 4u);
    EXPECT_EQ(a.baseline, b.baseline);
    for (size_t i = 0; i < 4; ++i) {
      const ReportRow &x = a.rows[i], &y = b.rows[i];
      SCOPED_TRACE("point #" + std::to_string(i));
      EXPECT_EQ(x.status, "done");
      EXPECT_EQ(y.status, "done");
      EXPECT_EQ(x.key, y.key);
      EXPECT_EQ(x.config_hash, y.config_hash);
      EXPECT_EQ(x.values, y.values);
      EXPECT_TRUE(x.metrics.verify_pass.value_or(false));
      EXPECT_GT(x.metrics.area_um2.value_or(0), 0.0);
      EXPECT_GT(x.metrics.cycles.value_or(0), 0u);
      // Every figure (verification, synthesis, timing, cycles, error) and everything derived from them.
      EXPECT_EQ(nlohmann::json(x.metrics), nlohmann::json(y.metrics));
      EXPECT_EQ(x.time_us, y.time_us);
      EXPECT_EQ(x.speedup_time, y.speedup_time);
      EXPECT_EQ(x.area_ratio, y.area_ratio);
      EXPECT_EQ(x.pareto_time, y.pareto_time);
      EXPECT_EQ(x.pareto_error, y.pareto_error);
      // The point really ran as an array task.
      bool task_log = false;
      for (const auto& e : fs::directory_iterator(dir / "slurm" / "slurm"))
        task_log |= slurp(e.path()).find("task " + std::to_string(i) + " on ") != std::string::npos &&
                    slurp(e.path()).find(y.key) != std::string::npos;
      EXPECT_TRUE(task_log) << "no slurm task log names point " << y.key;
    }
    // The CSV's deterministic columns (everything before seconds and log) are the same text.
    auto cut = [](const std::string& csv) {
      std::string o, line;
      std::istringstream in(csv);
      while (std::getline(in, line)) o += line.substr(0, line.rfind(',', line.rfind(',') - 1)) + "\n";
      return o;
    };
    EXPECT_EQ(cut(slurp(dir / "local" / "sweep.csv")), cut(slurp(dir / "slurm" / "sweep.csv")));
    // Resuming on Slurm submits nothing when every point is finished.
    ASSERT_EQ(run(sweep + " -o " + (dir / "slurm").string() + " --executor slurm 2> " + (dir / "slurm2.log").string()), 0);
    EXPECT_NE(slurp(dir / "slurm2.log").find("4 finished earlier (skipped), 0 to run"), std::string::npos) << slurp(dir / "slurm2.log");
    EXPECT_EQ(slurp(dir / "slurm2.log").find("submitted"), std::string::npos);
  }
  ::unsetenv("SYSMT_CACHE");
  fs::remove_all(dir);
}

}  // namespace
