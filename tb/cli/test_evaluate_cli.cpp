// `sysmt evaluate` end to end on a tiny workload and a 4x4 array: the files it writes, cycle counts
// derived by hand from the timing contract, the spec's worked PE cycle as a user tensor, exact layers,
// reproducibility, progress lines, a missing gnuplot, and bad inputs (exit 2, nothing written). The
// report is read back through the typed EvaluateReport, which must reproduce the file byte for byte.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/plot.hpp"
#include "sim/eval/eval_report.hpp"

namespace {

using sysmt::EvaluateReport;
using sysmt::Mapping;

namespace fs = std::filesystem;
const std::string kExe = SYSMT_BIN;
const std::string kCfg = std::string(SYSMT_SOURCE_DIR) + "/configs/sysmt_2t_4x4.yaml";

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

class EvaluateCli : public ::testing::Test {
 protected:
  fs::path dir;
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("sysmt_eval_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    // a: 4x4x2 input, 3x3 kernel, pad 1 -> GEMM 16 x 18 x 4 (synthetic data).
    // spec: the worked PE cycle of spec section 3, a = (200, 9), w = (-37, 100): NB-SMT -6796, exact -6500.
    // small: activations < 16 and weights in -8..7, which no reduction changes: exact at T = 2 and 4.
    std::ofstream(dir / "spec_x.csv") << "200,9\n";
    std::ofstream(dir / "spec_w.csv") << "-37\n100\n";
    std::ofstream(dir / "small_x.csv") << "1,15,3,0\n9,9,9,9\n15,15,15,15\n0,2,0,4\n";
    std::ofstream(dir / "small_w.csv") << "7,-8\n-8,7\n3,-1\n5,5\n";
    std::ofstream(dir / "tiny.txt") << "# tiny\n"
                                       "a     4 4 3 3 2 4 1 1\n"
                                       "spec  1 1 1 1 2 1 1 0 x=spec_x.csv w=spec_w.csv\n"
                                       "small 2 2 1 1 4 2 1 0 x=small_x.csv w=small_w.csv\n";
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string evaluate(const std::string& args, const std::string& out) {
    return kExe + " evaluate " + kCfg + " --workload " + (dir / "tiny.txt").string() + " " + args + " -o " + (dir / out).string() + " >" +
           (dir / (out + ".stdout")).string() + " 2>" + (dir / (out + ".stderr")).string();
  }
};

TEST_F(EvaluateCli, WritesReportsWithHandDerivedFigures) {
  ASSERT_EQ(run(evaluate("--seed 3", "out")), 0) << slurp(dir / "out.stderr");
  const fs::path out = dir / "out";
  for (const char* f : {"evaluate.md", "evaluate.json", "speedup.gp", "sqnr.gp"}) EXPECT_TRUE(fs::exists(out / f)) << f;
  if (sysmt::gnuplot().available) {
    for (const char* f : {"speedup.png", "speedup.svg", "sqnr.png", "sqnr.svg"}) EXPECT_GT(fs::file_size(out / f), 1000u) << f;
  }
  for (const auto& e : fs::directory_iterator(out)) EXPECT_NE(e.path().filename().string()[0], '.') << e.path();  // no temporaries

  const std::string err = slurp(dir / "out.stderr");
  EXPECT_NE(err.find("[1/3] a GEMM 16x18x4"), std::string::npos) << err;
  EXPECT_NE(err.find("[3/3] small"), std::string::npos) << err;

  const EvaluateReport ev = sysmt::read_evaluate_report(out / "evaluate.json");
  EXPECT_EQ(nlohmann::json(ev).dump(2) + "\n", slurp(out / "evaluate.json")) << "the typed report lost or changed a field";
  ASSERT_EQ(ev.layers.size(), 3u);
  // Timing contract on 4x4: tiles * max(G, 4) spacing, then latency COLS + 1 + P and ROWS - 1 more beats
  // (P = 1 for T = 2 and 4: the split accumulate).
  // a: 4 tiles; G = 18, 9, 5 -> 18+3*18+5+3 = 80, 9+3*9+8+1 = 45, 5+3*5+8+1 = 29.
  // spec: 1 tile, G = 2, 1, 1 -> 10, 10, 10.  small: 1 tile, G = 4, 2, 1 -> 12, 11, 10.
  const int want[3][3] = {{80, 45, 29}, {10, 10, 10}, {12, 11, 10}};
  for (int l = 0; l < 3; ++l)
    for (int t = 0; t < 3; ++t) {
      const sysmt::PerfResult& p = ev.layers[l].perf[t];
      EXPECT_EQ(p.threads, t == 0 ? 1 : 2 * t);
      EXPECT_EQ(p.cycles.total_cycles, static_cast<std::uint64_t>(want[l][t])) << "layer " << l << " T index " << t;
      EXPECT_NEAR(p.speedup, static_cast<double>(want[l][0]) / want[l][t], 1e-9);
    }
  EXPECT_EQ(ev.perf_for(1).cycles, 102u);
  EXPECT_EQ(ev.perf_for(2).cycles, 66u);
  EXPECT_EQ(ev.perf_for(4).cycles, 49u);
  EXPECT_NEAR(ev.perf_for(4).speedup, 102.0 / 49.0, 1e-9);

  // spec layer: every NB-SMT variant gives -6796 for an exact -6500 (T = 4 with n = 2 is the 4b x 8b mode).
  ASSERT_EQ(ev.layers[1].numeric.size(), 4u);
  for (const sysmt::NumericResult& n : ev.layers[1].numeric) {
    EXPECT_EQ(n.error.max_abs, 296) << n.threads << " " << to_string(n.mapping);
    EXPECT_NEAR(n.error.sqnr_db, 20 * std::log10(6500.0 / 296.0), 1e-9);
    EXPECT_EQ(n.stats.shared_lossy, 1u);
  }
  for (const sysmt::NumericResult& n : ev.layers[2].numeric) {
    EXPECT_TRUE(std::isinf(n.error.sqnr_db)) << n.error.sqnr_db;  // no error at all (null in the file)
    EXPECT_EQ(n.error.max_abs, 0);
  }
  EXPECT_NE(ev.layers[1].act_source.find("spec_x.csv"), std::string::npos) << ev.layers[1].act_source;
  EXPECT_EQ(ev.layers[0].act_source, "synthetic");
  const std::string md = slurp(out / "evaluate.md");
  EXPECT_NE(md.find("| 2 | spec |"), std::string::npos) << md;
  EXPECT_NE(md.find("26.83"), std::string::npos) << md;
}

TEST_F(EvaluateCli, ReproducibleAndSeedAndPruneMatter) {
  ASSERT_EQ(run(evaluate("--seed 5", "r1")), 0);
  ASSERT_EQ(run(evaluate("--seed 5", "r2")), 0);
  ASSERT_EQ(run(evaluate("--seed 6", "r3")), 0);
  ASSERT_EQ(run(evaluate("--seed 5 --prune 0.4", "r4")), 0);
  EXPECT_EQ(slurp(dir / "r1/evaluate.json"), slurp(dir / "r2/evaluate.json"));
  EXPECT_EQ(slurp(dir / "r1/evaluate.md"), slurp(dir / "r2/evaluate.md"));
  EXPECT_EQ(slurp(dir / "r1/sqnr.gp"), slurp(dir / "r2/sqnr.gp"));
  EXPECT_NE(slurp(dir / "r1/evaluate.json"), slurp(dir / "r3/evaluate.json"));
  const EvaluateReport r4 = sysmt::read_evaluate_report(dir / "r4/evaluate.json");
  // 72 weights, floor(0.4 * 72) = 28 pruned.
  EXPECT_GE(r4.layers[0].w_zero_frac, 28.0 / 72.0 - 1e-12);
  // User weights are used as given, not pruned: 0 of 2 are zero.
  EXPECT_EQ(r4.layers[1].w_zero_frac, 0.0);
}

TEST_F(EvaluateCli, MissingGnuplotStillWritesMarkdownAndJson) {
  const std::string cmd = "env PATH=" + (dir / "nobin").string() + " " + evaluate("", "ng");
  ASSERT_EQ(run(cmd), 0) << slurp(dir / "ng.stderr");
  EXPECT_TRUE(fs::exists(dir / "ng/evaluate.md"));
  EXPECT_TRUE(fs::exists(dir / "ng/evaluate.json"));
  EXPECT_TRUE(fs::exists(dir / "ng/sqnr.gp"));
  EXPECT_FALSE(fs::exists(dir / "ng/sqnr.png"));
  EXPECT_NE(slurp(dir / "ng.stderr").find("gnuplot not found"), std::string::npos);
}

// A gnuplot that fails: the tables are still written, the plots of an earlier run stay as they were, and
// no temporary is left behind.
TEST_F(EvaluateCli, FailingGnuplotKeepsEarlierPlotsAndLeavesNoTemporaries) {
  ASSERT_EQ(run(evaluate("--seed 2", "fg")), 0) << slurp(dir / "fg.stderr");
  const bool had_plots = fs::exists(dir / "fg/sqnr.png");
  const std::string old_png = had_plots ? slurp(dir / "fg/sqnr.png") : "";
  fs::create_directories(dir / "badbin");
  std::ofstream(dir / "badbin/gnuplot") << "#!/bin/sh\necho 'gnuplot: broken' >&2\nexit 1\n";
  fs::permissions(dir / "badbin/gnuplot", fs::perms::owner_all);
  const std::string cmd = "env PATH=" + (dir / "badbin").string() + ":/usr/bin:/bin " + evaluate("--seed 3", "fg");
  ASSERT_EQ(run(cmd), 0) << slurp(dir / "fg.stderr");
  EXPECT_NE(slurp(dir / "fg.stderr").find("gnuplot failed"), std::string::npos) << slurp(dir / "fg.stderr");
  EXPECT_EQ(sysmt::read_evaluate_report(dir / "fg/evaluate.json").options.seed, 3u) << "the tables are from the new run";
  if (had_plots) {
    EXPECT_EQ(slurp(dir / "fg/sqnr.png"), old_png);
  }
  EXPECT_EQ(slurp(dir / "fg.stdout").find("sqnr.png"), std::string::npos) << "a plot that was not drawn is not listed";
  for (const auto& e : fs::directory_iterator(dir / "fg")) EXPECT_NE(e.path().filename().string()[0], '.') << e.path();
}

TEST_F(EvaluateCli, DefaultOutputFolderIsNamedAfterTheConfig) {
  const std::string cmd = "cd " + dir.string() + " && " + kExe + " evaluate -q " + kCfg + " --workload tiny.txt";
  ASSERT_EQ(run(cmd), 0);
  EXPECT_TRUE(fs::exists(dir / "reports/evaluate-sysmt_2t_4x4/evaluate.json"));
}

TEST_F(EvaluateCli, BadInputsExit2AndWriteNothing) {
  std::ofstream(dir / "ragged.txt") << "a 4 4 3 3 2 4 1 1\nb 4 4 3 3 2 4 1\n";
  std::ofstream(dir / "badcsv.txt") << "spec 1 1 1 1 2 1 1 0 x=small_x.csv\n";
  struct Case {
    std::string args, want;
  };
  const std::vector<Case> cases = {
      {kCfg + " --workload " + (dir / "ragged.txt").string(), "ragged.txt:2:"},
      {kCfg + " --workload " + (dir / "badcsv.txt").string(), "small_x.csv"},
      {kCfg + " --workload " + (dir / "nothere.txt").string(), "nothere.txt"},
      {(dir / "nothere.yaml").string() + " --workload " + (dir / "tiny.txt").string(), "nothere.yaml"},
      {kCfg + " --workload " + (dir / "tiny.txt").string() + " --sample 0", "sample"},
      {kCfg + " --workload " + (dir / "tiny.txt").string() + " --prune 1.5", "prune"},
      {kCfg + " --workload " + (dir / "tiny.txt").string() + " --seed x", "seed"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const fs::path out = dir / ("bad" + std::to_string(i));
    const int rc = run(kExe + " evaluate " + cases[i].args + " -o " + out.string() + " 2>" + (dir / "bad.stderr").string());
    EXPECT_EQ(rc, 2) << cases[i].args;
    EXPECT_FALSE(fs::exists(out)) << cases[i].args;
    const std::string err = slurp(dir / "bad.stderr");
    EXPECT_NE(err.find(cases[i].want), std::string::npos) << cases[i].args << "\n" << err;
  }
}

}  // namespace
