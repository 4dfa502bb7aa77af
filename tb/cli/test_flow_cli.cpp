// `sysmt flow` end to end on the smallest arrays (1x1, verification skipped, a two-layer workload): the
// configs it writes are the named configs setting by setting, the evaluation it summarises is read back
// through the typed report, the paper's figures are the spec's, and no temporary is left behind. Needs
// yosys and sta (the compare step synthesises), hence label synth.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/flow_summary.hpp"
#include "cli_runner.hpp"
#include "common/config.hpp"
#include "sim/eval/eval_report.hpp"
#include "synth/compare.hpp"

namespace sysmt {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Temporaries are ".<name>.tmp<pid>" (common/output.cpp); other dot files (compare's folder marker) are outputs.
void expect_no_temporaries(const fs::path& dir) {
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    EXPECT_FALSE(name[0] == '.' && name.find(".tmp") != std::string::npos) << e.path();
  }
}

TEST(FlowCli, OneByOneArraysWithATinyWorkload) {
  test::TempDir tmp;
  std::ofstream(tmp.path / "tiny.txt") << "a 4 4 3 3 2 4 1 1\nfc 1 1 1 1 16 8 1 0\n";
  const fs::path out = tmp.path / "out";
  const test::CmdResult r = test::run("flow --rows 1 --cols 1 --skip-verify --workload " + (tmp.path / "tiny.txt").string() +
                                      " --periods 10 --accuracy-images 100 --skip-energy -o " + out.string());
  ASSERT_EQ(r.status, 0) << r.out;

  for (int t : {1, 2, 4}) {
    const std::string name = "sysmt_" + std::to_string(t) + "t_1x1";
    const Config got = load_config((out / "configs" / (name + ".yaml")).string());
    const Config want = load_config(std::string(SYSMT_SOURCE_DIR) + "/configs/" + name + ".yaml");
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.rows, want.rows);
    EXPECT_EQ(got.cols, want.cols);
    EXPECT_EQ(got.threads, want.threads);
    EXPECT_EQ(got.acc_bits, want.acc_bits);
    EXPECT_EQ(got.pipeline, want.pipeline);
    EXPECT_EQ(got.rounding, want.rounding);
    EXPECT_EQ(got.zero_skip, want.zero_skip);
    EXPECT_EQ(got.clock_period_ns, want.clock_period_ns);
    EXPECT_EQ(got.hash(), want.hash()) << name;
    EXPECT_TRUE(fs::exists(out / "logs" / ("generate-" + name + ".log"))) << name;
  }

  const EvaluateReport ev0 = read_evaluate_report(out / "evaluate-prune0" / "evaluate.json");
  const EvaluateReport ev4 = read_evaluate_report(out / "evaluate-prune40" / "evaluate.json");
  EXPECT_EQ(ev0.config_name, "sysmt_4t_1x1");
  EXPECT_EQ(ev0.options.data.prune, 0.0);
  EXPECT_EQ(ev4.options.data.prune, 0.4);
  ASSERT_EQ(ev0.layers.size(), 2u);

  // summary.json through its typed form (which must reproduce the file): the spec's published figures
  // (spec section 1, written here by hand) and ours from the evaluation's reports.
  const std::string text = slurp(out / "summary.json");
  const FlowSummary sum = nlohmann::json::parse(text).get<FlowSummary>();
  EXPECT_EQ(nlohmann::json(sum).dump(2) + "\n", text);
  EXPECT_EQ(sum.rows, 1);
  EXPECT_EQ(sum.workload, "tiny");
  EXPECT_TRUE(sum.verification.empty());
  // The accuracy rows: T = 1, 2, 4 for the dense and the pruned committed network, on the images asked
  // for; each loss is that network's exact (T = 1) top-1 minus its own, and T = 1 loses nothing.
  ASSERT_EQ(sum.accuracy.size(), 6u);
  const int threads[3] = {1, 2, 4};
  for (size_t i = 0; i < sum.accuracy.size(); ++i) {
    const FlowAccuracy& a = sum.accuracy[i];
    const FlowAccuracy& exact = sum.accuracy[i - i % 3];
    EXPECT_EQ(a.threads, threads[i % 3]);
    EXPECT_EQ(a.images, 100u);
    EXPECT_NEAR(a.loss, exact.top1 - a.top1, 1e-9) << i;
    EXPECT_EQ(exact.loss, 0.0);
  }
  EXPECT_EQ(sum.accuracy[0].network, "dense");
  EXPECT_EQ(sum.accuracy[3].network, "pruned 40 %");
  EXPECT_TRUE(sum.energy.empty());  // --skip-energy (tb/energy checks the energy figures themselves)
  // One row per compared design: the plain 1T (P = 0), the equal-effort 1T (P = 1), 2T and 4T (P = 1).
  ASSERT_EQ(sum.table.size(), 4u);
  const struct {
    int threads, pipeline;
    double area, speedup;
    const char *energy, *loss;
  } spec[4] = {
      {1, 0, 1.0, 1.0, "-", "-"}, {1, 1, 1.0, 1.0, "-", "-"}, {2, 1, 1.4, 2.0, "-33%", "< 1%"}, {4, 1, 2.5, 3.4, "-39%", "about 1%"}};
  const synth::CompareReport cmp = synth::read_compare_report((out / "compare" / "compare.json").string());
  for (int i = 0; i < 4; ++i) {
    const FlowRow& row = sum.table[i];
    const int t = spec[i].threads;
    EXPECT_EQ(row.threads, t);
    EXPECT_EQ(row.pipeline, spec[i].pipeline);
    // The equal-effort baseline has the row's pipeline depth; the plain one P = 0.
    EXPECT_EQ(row.ours.baseline, synth::compare_design_name(1, row.pipeline, 1, 1));
    EXPECT_EQ(row.ours.plain_baseline, synth::compare_design_name(1, 0, 1, 1));
    const synth::CompareDesign &d = cmp.design(t, row.pipeline), &eq = cmp.design(1, row.pipeline), &plain = cmp.design(1, 0);
    EXPECT_DOUBLE_EQ(row.ours.array_area_ratio, d.synth.area_um2 / eq.synth.area_um2);
    EXPECT_DOUBLE_EQ(row.ours.array_area_ratio_plain, d.synth.area_um2 / plain.synth.area_um2);
    EXPECT_DOUBLE_EQ(row.ours.fmax_ratio, d.synth.timing->array.fmax_mhz / eq.synth.timing->array.fmax_mhz);
    EXPECT_DOUBLE_EQ(row.ours.speedup_time_plain, row.ours.speedup_cycles * row.ours.fmax_ratio_plain);
    EXPECT_EQ(row.paper.area_ratio, spec[i].area);
    EXPECT_EQ(row.paper.speedup, spec[i].speedup);
    EXPECT_EQ(row.paper.energy, spec[i].energy);
    EXPECT_EQ(row.paper.top1_accuracy_loss, spec[i].loss);
    EXPECT_EQ(row.ours.speedup_cycles, ev0.perf_for(t).speedup);
    EXPECT_EQ(row.ours.speedup_cycles_pruned40, ev4.perf_for(t).speedup);
    EXPECT_DOUBLE_EQ(row.ours.speedup_time, row.ours.speedup_cycles * row.ours.fmax_ratio);
    if (t == 1) {
      EXPECT_TRUE(std::isinf(row.ours.sqnr_db_interleaved));
      EXPECT_EQ(row.ours.array_area_ratio, 1.0) << "a 1T design is its own equal-effort baseline";
    } else {
      EXPECT_EQ(row.ours.sqnr_db_interleaved, ev0.numeric_for(t, Mapping::Interleaved).sqnr_db);
      EXPECT_EQ(row.ours.sqnr_db_interleaved_pruned40, ev4.numeric_for(t, Mapping::Interleaved).sqnr_db);
      EXPECT_EQ(row.ours.sqnr_db_blocked, ev0.numeric_for(t, Mapping::Blocked).sqnr_db);
      EXPECT_GT(row.ours.array_area_ratio, 1.0) << "an NB-SMT array is larger than the 1-thread one";
      EXPECT_GT(row.ours.array_area_ratio_plain, 1.0);
    }
  }

  // The Markdown table shows the same rows.
  const std::string md = slurp(out / "summary.md");
  EXPECT_NE(md.find("| 1 | 0 | 1.0x | "), std::string::npos) << md;
  EXPECT_NE(md.find("| 1 | 1 | 1.0x | "), std::string::npos) << md;
  EXPECT_NE(md.find("| 2 | 1 | 1.4x | "), std::string::npos) << md;
  EXPECT_NE(md.find(fmt::format(" | 2.0x | {:.2f}x | ", ev0.perf_for(2).speedup)), std::string::npos) << md;
  EXPECT_NE(md.find(fmt::format(" | 3.4x | {:.2f}x | ", ev0.perf_for(4).speedup)), std::string::npos) << md;
  EXPECT_NE(md.find("ratios against the equal-effort 1T and against the plain 1T MAC"), std::string::npos) << md;
  EXPECT_NE(md.find("## Where we are below the paper"), std::string::npos) << md;
  EXPECT_NE(md.find("| -33% | < 1% |"), std::string::npos) << md;
  EXPECT_NE(md.find("| -39% | about 1% |"), std::string::npos) << md;
  EXPECT_NE(md.find(fmt::format("{:.1f} dB / {:.1f} dB", ev0.numeric_for(4, Mapping::Interleaved).sqnr_db,
                                ev4.numeric_for(4, Mapping::Interleaved).sqnr_db)),
            std::string::npos)
      << md;
  for (const char* f : {"summary.json", "summary.dat", "compare/compare.json", "logs/compare.log", "logs/evaluate-prune40.log"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  expect_no_temporaries(out);
}

}  // namespace
}  // namespace sysmt
