// `sysmt accuracy` and run_accuracy: the K reordering of mechanism (b) on hand cases, the report's
// invariants on a few real images (flip counts, losses, trade-off curve end points and speedups against
// the cycle model), its JSON round trip, and the command line's strict errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "common/error.hpp"
#include "common/files.hpp"
#include "sim/cycle/cycle_model.hpp"
#include "sim/nn/accuracy.hpp"

namespace sysmt::nn {
namespace {

namespace fs = std::filesystem;

TEST(BalancedOrder, PairsDenseWithSparseOperands) {
  // Interleaved T = 2, K = 4: K-groups are feeder columns (0, 1) and (2, 3). Scores (1, 1, 0, 0): the two
  // dense k go to different K-groups: columns hold k = (0, 2, 1, 3).
  EXPECT_EQ(balanced_order({1, 1, 0, 0}, 2, Mapping::Interleaved), (std::vector<int>{0, 2, 1, 3}));
  // Blocked T = 2, K = 4: K-groups are columns (0, 2) and (1, 3), already one dense and one sparse each.
  EXPECT_EQ(balanced_order({1, 1, 0, 0}, 2, Mapping::Blocked), (std::vector<int>{0, 1, 2, 3}));
  // K = 5, T = 4: group 0 has columns 0..3, group 1 only column 4. Largest first into the least loaded
  // group with room: k0 -> g0, k1 -> g1 (full), then k2, k3, k4 -> g0.
  EXPECT_EQ(balanced_order({5, 4, 3, 2, 1}, 4, Mapping::Interleaved), (std::vector<int>{0, 2, 3, 4, 1}));
  // Always a permutation.
  std::vector<double> s(77);
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<double>((i * 37) % 11);
  std::vector<int> o = balanced_order(s, 4, Mapping::Blocked);
  std::sort(o.begin(), o.end());
  std::vector<int> id(77);
  std::iota(id.begin(), id.end(), 0);
  EXPECT_EQ(o, id);
}

TEST(RunAccuracy, ReportInvariantsOnFewImages) {
  const Config cfg = load_config(SYSMT_SOURCE_DIR "/configs/sysmt_4t_4x4.yaml");
  AccuracyOptions o;
  o.networks = {fs::path(SYSMT_SOURCE_DIR) / "configs/networks/fmresnet_p40.q8"};
  o.mappings = {Mapping::Interleaved};
  o.images = 24;
  o.calib_images = 16;
  o.stats_images = 4;
  o.mode_policy = "greedy:100";
  const AccuracyReport r = run_accuracy(cfg, o, {});
  ASSERT_EQ(r.networks.size(), 1u);
  const NetworkReport& n = r.networks[0];
  ASSERT_EQ(n.layers.size(), 10u);
  const RunFigure* t1 = n.find("T=1");
  ASSERT_NE(t1, nullptr);
  EXPECT_EQ(t1->changed, 0u);
  EXPECT_EQ(t1->loss, 0.0);
  EXPECT_EQ(t1->speedup, 1.0);
  for (const char* name : {"T=2 interleaved", "T=4 interleaved", "T=4 interleaved reordered"}) ASSERT_NE(n.find(name), nullptr) << name;
  // Speedups from the cycle model on the 4x4 array, summed over the layers' GEMMs (per image).
  std::array<std::uint64_t, 3> cyc{};
  const int ts[3] = {1, 2, 4};
  for (const LayerReport& l : n.layers)
    for (int t = 0; t < 3; ++t) {
      Config ct = cfg;
      ct.threads = ts[t];
      cyc[static_cast<size_t>(t)] += gemm_cycles(ArrayTiming::from(ct), GemmShape{l.M, l.K, l.N}).total_cycles;
    }
  EXPECT_DOUBLE_EQ(n.find("T=2 interleaved")->speedup, static_cast<double>(cyc[0]) / static_cast<double>(cyc[1]));
  EXPECT_DOUBLE_EQ(n.find("T=4 interleaved")->speedup, static_cast<double>(cyc[0]) / static_cast<double>(cyc[2]));
  for (const RunFigure& f : n.runs) {
    EXPECT_DOUBLE_EQ(f.top1, 100.0 * static_cast<double>(f.correct) / 24.0) << f.name;
    EXPECT_DOUBLE_EQ(f.loss, 100.0 * (static_cast<double>(t1->correct) - static_cast<double>(f.correct)) / 24.0) << f.name;
    EXPECT_GE(f.changed, f.right_to_wrong + f.wrong_to_right) << f.name;
    // Net change of correct answers is exactly the flips in the two directions.
    EXPECT_EQ(static_cast<long>(t1->correct) - static_cast<long>(f.correct),
              static_cast<long>(f.right_to_wrong) - static_cast<long>(f.wrong_to_right))
        << f.name;
  }
  // Mechanism (a): 11 points from all layers at 4T to all at 2T, speedup never rising as layers switch.
  ASSERT_EQ(n.tradeoff.size(), 11u);
  EXPECT_EQ(n.tradeoff.front().run.correct, n.find("T=4 interleaved")->correct);
  EXPECT_EQ(n.tradeoff.back().run.correct, n.find("T=2 interleaved")->correct);
  EXPECT_DOUBLE_EQ(n.tradeoff.front().speedup, n.find("T=4 interleaved")->speedup);
  EXPECT_DOUBLE_EQ(n.tradeoff.back().speedup, n.find("T=2 interleaved")->speedup);
  for (std::size_t i = 1; i < n.tradeoff.size(); ++i) {
    EXPECT_LE(n.tradeoff[i].speedup, n.tradeoff[i - 1].speedup);
    EXPECT_EQ(n.tradeoff[i].layers_2t.size(), i);
    EXPECT_EQ(std::count(n.tradeoff[i].run.layer_threads.begin(), n.tradeoff[i].run.layer_threads.end(), 2), static_cast<long>(i));
  }
  EXPECT_EQ(n.greedy_order.size(), 10u);
  EXPECT_EQ(n.policy_point, 0);  // a 100-point target is met with every layer at 4T
  // Per layer: real and synthetic numerics for T = 2 and 4, and the reordered T = 4.
  for (const LayerReport& l : n.layers) EXPECT_EQ(l.numeric.size(), 5u) << l.name;

  // JSON round trip through the typed report.
  const nlohmann::json j = r;
  const AccuracyReport back = j.get<AccuracyReport>();
  EXPECT_EQ(nlohmann::json(back).dump(), j.dump());
}

struct Cmd {
  int status = -1;
  std::string out;
};
Cmd sysmt(const std::string& args) {
  Cmd r;
  FILE* p = popen((std::string(SYSMT_BIN) + " " + args + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  for (size_t k; (k = fread(buf.data(), 1, buf.size(), p)) > 0;) r.out.append(buf.data(), k);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

TEST(AccuracyCli, StrictErrors) {
  const std::string cfg = SYSMT_SOURCE_DIR "/configs/sysmt_4t_4x4.yaml";
  const fs::path dir = fs::temp_directory_path() / "sysmt_acc_cli_err";
  fs::remove_all(dir);
  fs::create_directories(dir);
  Cmd c = sysmt("accuracy " + cfg + " --mode-policy greedy:x -o " + (dir / "o").string());
  EXPECT_EQ(c.status, 2) << c.out;
  EXPECT_NE(c.out.find("--mode-policy 'greedy:x'"), std::string::npos) << c.out;
  c = sysmt("accuracy " + cfg + " --prune 0.3");
  EXPECT_EQ(c.status, 2) << c.out;
  EXPECT_NE(c.out.find("--prune 0.3"), std::string::npos) << c.out;
  c = sysmt("accuracy " + cfg + " --network " + (dir / "none.q8").string());
  EXPECT_EQ(c.status, 2) << c.out;
  EXPECT_NE(c.out.find("none.q8"), std::string::npos) << c.out;
  std::ofstream(dir / "bad.q8") << "sysmt-qnet 1\nname x\nbogus 1\n";
  c = sysmt("accuracy " + cfg + " --network " + (dir / "bad.q8").string());
  EXPECT_EQ(c.status, 2) << c.out;
  EXPECT_NE(c.out.find("bad.q8:3: unknown record 'bogus'"), std::string::npos) << c.out;
  c = sysmt("accuracy " + cfg + " --prune 0.4 --mode-policy layers:conv1,nosuch");
  EXPECT_EQ(c.status, 2) << c.out;
  EXPECT_NE(c.out.find("has no GEMM layer 'nosuch'"), std::string::npos) << c.out;
  c = sysmt("accuracy " + cfg + " --reorder sideways");
  EXPECT_EQ(c.status, 2) << c.out;
  EXPECT_NE(c.out.find("--reorder 'sideways'"), std::string::npos) << c.out;
  c = sysmt("accuracy " + cfg + " --mapping diagonal");
  EXPECT_EQ(c.status, 2) << c.out;
  c = sysmt("accuracy " + cfg + " --data " + (dir / "nodata").string());
  EXPECT_EQ(c.status, 2) << c.out;
  EXPECT_NE(c.out.find("dataset-fashion-mnist"), std::string::npos) << c.out;
  // Nothing was written for any of the failures.
  EXPECT_FALSE(fs::exists(dir / "o"));
  fs::remove_all(dir);
}

TEST(AccuracyCli, WritesReportFilesDeterministically) {
  const std::string cfg = SYSMT_SOURCE_DIR "/configs/sysmt_2t_4x4.yaml";
  const fs::path dir = fs::temp_directory_path() / "sysmt_acc_cli_ok";
  fs::remove_all(dir);
  const std::string args =
      "accuracy " + cfg + " --prune 0.4 --images 6 --stats-images 2 --mapping interleaved --reorder none --mode-policy none -q";
  Cmd a = sysmt(args + " -o " + (dir / "a").string());
  ASSERT_EQ(a.status, 0) << a.out;
  Cmd b = sysmt(args + " --workers 1 -o " + (dir / "b").string());
  ASSERT_EQ(b.status, 0) << b.out;
  for (const char* f : {"accuracy.json", "accuracy.md", "accuracy.gp"}) {
    ASSERT_TRUE(fs::exists(dir / "a" / f)) << f;
    EXPECT_EQ(read_file(dir / "a" / f), read_file(dir / "b" / f)) << f;
  }
  const AccuracyReport r = nlohmann::json::parse(read_file(dir / "a" / "accuracy.json")).get<AccuracyReport>();
  ASSERT_EQ(r.networks.size(), 1u);
  EXPECT_EQ(r.images, 6u);
  EXPECT_EQ(r.networks[0].runs.size(), 3u);  // T = 1, 2, 4
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sysmt::nn
