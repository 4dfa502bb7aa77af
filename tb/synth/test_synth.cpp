// Synthesis flow cross-checks. Covers: liberty cells found by function (osu018, osu035, and a copy of
// osu018 with every cell renamed), the 4x4 hierarchical area against a flattened synthesis (T=2, 4),
// flip-flops in the netlist against the state bits derived from the config (T=1,2,4; 1x1 and 2x3),
// a gate-level simulation of a synthesised 2x3 four-thread array bit-exact against the golden model,
// and bad input (missing liberty, bad period, bad config) exiting 2 with no output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>

#include "common/config.hpp"
#include "common/files.hpp"
#include "synth/compare.hpp"
#include "synth/flow.hpp"
#include "tb/cli/cli_runner.hpp"
#include "tb/state_bits.hpp"

namespace sysmt::test {
namespace {

namespace fs = std::filesystem;
const std::string kCfg = SYSMT_SOURCE_DIR "/configs/";
const std::string kOsu018 = synth::kDefaultLiberty;

synth::SynthReport synth_run(const Config& c, synth::Options o, const TempDir& d, const std::string& tag) {
  const fs::path w = d.path / tag;
  fs::create_directories(w);
  const synth::Liberty lib = synth::check_inputs(o);
  return synth::run_synth(c, lib, o, w, [](const std::string&) {});
}

// Flip-flops that synthesis legitimately merges: with one row, out_last_q and out_valid_q both take
// row_done_q[0] at every edge, so Yosys keeps one of them (the manifest counts both).
long merged_by_synthesis(const Config& c) { return c.rows == 1 ? 1 : 0; }

TEST(Liberty, CellsAreFoundByFunction) {
  EXPECT_TRUE(synth::eval_function("!(A&B)", {{"A", true}, {"B", false}}));
  EXPECT_FALSE(synth::eval_function("(A B)'", {{"A", true}, {"B", true}}));
  EXPECT_TRUE(synth::eval_function("A^B", {{"A", true}, {"B", false}}));
  EXPECT_TRUE(synth::eval_function("!A+B*C", {{"A", true}, {"B", true}, {"C", true}}));
  EXPECT_FALSE(synth::eval_function("!(A1 & A2) & 1", {{"A1", true}, {"A2", true}}));
  const synth::Liberty l = synth::read_liberty(kOsu018);
  EXPECT_EQ(l.nand2, "NAND2X1");
  EXPECT_DOUBLE_EQ(l.nand2_area, 24.0);
  EXPECT_EQ(l.buffer, "BUFX2");
  EXPECT_TRUE(l.has_plain_dff);
  EXPECT_TRUE(l.sequential.count("DFFPOSX1"));
  EXPECT_EQ(l.dff, "DFFPOSX1");  // the plain flip-flop of the modular timing's shells
  EXPECT_EQ(l.dff_d, "D");
  EXPECT_EQ(l.dff_clk, "CLK");
  EXPECT_EQ(l.dff_q, "Q");
  EXPECT_DOUBLE_EQ(l.time_unit_ns, 1.0);
}

// Another library and a library whose cell names the flow has never seen both synthesise and time.
TEST(Liberty, OtherAndRenamedLibrariesWork) {
  TempDir d;
  std::string text = read_file(kOsu018);
  text = std::regex_replace(text, std::regex(R"(cell\s*\(\s*(\w+)\s*\))"), "cell (zz_$1_cell)");
  std::ofstream(d / "renamed.lib") << text;
  const Config c = load_config(kCfg + "sysmt_2t_1x1.yaml");
  synth::Options o;
  o.liberty = d / "renamed.lib";
  const synth::SynthReport r = synth_run(c, o, d, "renamed");
  EXPECT_EQ(r.liberty.nand2_cell, "zz_NAND2X1_cell");
  EXPECT_EQ(r.flip_flops, state_bits(c) - merged_by_synthesis(c));
  ASSERT_TRUE(r.timing);
  EXPECT_GT(r.timing->array.fmax_mhz, 10.0);
  o.liberty = "/usr/share/qflow/tech/osu035/osu035_stdcells.lib";
  if (fs::exists(o.liberty)) {
    const synth::SynthReport r35 = synth_run(c, o, d, "osu035");
    EXPECT_EQ(r35.flip_flops, r.flip_flops);
    EXPECT_GT(r35.area_um2, r.area_um2);  // 0.35 um cells are larger
  }
}

class HierVsFlat : public ::testing::TestWithParam<int> {};

TEST_P(HierVsFlat, AreaWithinTwoPercent) {
  TempDir d;
  Config c = load_config(kCfg + "sysmt_" + std::to_string(GetParam()) + "t_4x4.yaml");
  synth::Options o;
  o.timing = false;
  const double hier = synth_run(c, o, d, "hier").area_um2;
  o.flatten = true;
  const double flat = synth_run(c, o, d, "flat").area_um2;
  EXPECT_LT(std::fabs(hier - flat) / flat, 0.02) << "hierarchical " << hier << " um^2, flattened " << flat << " um^2";
}
INSTANTIATE_TEST_SUITE_P(Synth, HierVsFlat, ::testing::Values(2), [](const auto& i) { return std::to_string(i.param) + "T"; });

// Modular timing (PE and drain column alone, the rest with flip-flop shells at their ports) against
// OpenSTA on the whole flattened array: every module boundary is registered, and the two critical paths
// agree within 2%.
TEST(ModularTiming, AgreesWithWholeArrayTiming) {
  TempDir d;
  const Config c = load_config(kCfg + "sysmt_4t_4x4.yaml");
  synth::Options o;
  o.sta_mode = "whole";
  const synth::ArrayTiming w = synth_run(c, o, d, "whole").timing.value().array;
  o.sta_mode = "modular";
  const synth::ArrayTiming m = synth_run(c, o, d, "modular").timing.value().array;
  EXPECT_EQ(w.method, "whole");
  ASSERT_EQ(m.method, "modular") << nlohmann::json(m).dump(2);
  EXPECT_TRUE(m.boundary_registered);
  for (const char* part : {"frame", "sysmt_4t_4x4_pe", "sysmt_4t_4x4_drain_col"}) {
    ASSERT_TRUE(m.parts.count(part)) << part;
    EXPECT_FALSE(m.parts.at(part).input_to_output_path) << part;
  }
  const double whole = w.critical_path_ns, modular = m.critical_path_ns;
  EXPECT_LT(std::fabs(modular - whole) / whole, 0.02) << "modular " << modular << " ns, whole " << whole << " ns";
}

// Each module is synthesised alone, so a PE's netlist depends on its RTL only: the same PE (two threads,
// the same settings) maps to the same area in a 1x1 and a 2x3 array, whose other modules differ. The
// reported run is the smallest of the ABC runs the report lists.
TEST(PerModuleSynthesis, SamePeSameAreaInAnyArrayAndBestRunKept) {
  TempDir d;
  synth::Options o;
  o.timing = false;
  Config small = load_config(kCfg + "sysmt_2t_1x1.yaml"), wide = load_config(kCfg + "sysmt_2t_2x3.yaml");
  wide.name = small.name;  // the same module names, so the PE files are identical
  const synth::SynthReport a = synth_run(small, o, d, "a"), b = synth_run(wide, o, d, "b");
  ASSERT_TRUE(a.pe && b.pe);
  EXPECT_DOUBLE_EQ(a.pe->area_um2, b.pe->area_um2);
  ASSERT_EQ(a.abc_runs.runs, o.abc_runs);
  bool pe_seen = false;
  for (const synth::UnitRuns& u : a.abc_runs.units) {
    if (u.module != small.name + "_pe") continue;
    pe_seen = true;
    ASSERT_EQ(u.areas_um2.size(), static_cast<size_t>(o.abc_runs));
    const double best = *std::min_element(u.areas_um2.begin(), u.areas_um2.end());
    EXPECT_DOUBLE_EQ(u.areas_um2[static_cast<size_t>(u.kept - 1)], best);
    EXPECT_DOUBLE_EQ(a.pe->area_um2, best);
  }
  EXPECT_TRUE(pe_seen);
  // The array's area per run: the kept runs (each unit's smallest) are at most any single run, and the
  // spread's minimum is the smallest run listed.
  ASSERT_EQ(a.abc_runs.array_area_um2_by_run.size(), static_cast<size_t>(o.abc_runs));
  const double smallest = *std::min_element(a.abc_runs.array_area_um2_by_run.begin(), a.abc_runs.array_area_um2_by_run.end());
  EXPECT_LE(a.area_um2, smallest * (1 + 1e-12));
  EXPECT_DOUBLE_EQ(synth::spread_of(a.abc_runs.array_area_um2_by_run).min, smallest);
}

class FlipFlops : public ::testing::TestWithParam<std::string> {};

TEST_P(FlipFlops, NetlistEqualsStateBitsOfTheConfig) {
  TempDir d;
  const Config c = load_config(kCfg + GetParam() + ".yaml");
  synth::Options o;
  o.timing = false;
  const synth::SynthReport r = synth_run(c, o, d, "ff");
  EXPECT_EQ(r.flip_flops, state_bits(c) - merged_by_synthesis(c));
  EXPECT_EQ(r.flip_flops, r.flip_flops_expected - merged_by_synthesis(c)) << "netlist against the generator's manifest";
}
INSTANTIATE_TEST_SUITE_P(Synth, FlipFlops,
                         ::testing::Values("sysmt_1t_1x1", "sysmt_2t_1x1", "sysmt_4t_1x1", "sysmt_1t_2x3", "sysmt_2t_2x3", "sysmt_4t_2x3",
                                           "sysmt_4t_4x4_even_acc16"));

// The synthesised netlist (with Yosys's models of the liberty cells) runs random GEMMs bit-exactly
// against the golden model and on the cycle model's timing.
TEST(GateLevel, SynthesisedArrayMatchesTheGoldenModel) {
  TempDir d;
  CmdResult s = run("synth " + kCfg + "sysmt_4t_2x3.yaml --gate-sim -o " + (d / "syn"));
  ASSERT_EQ(s.status, 0) << s.out;
  ASSERT_TRUE(fs::exists(d / "syn/gate-sim/sysmt_4t_2x3.v")) << s.out;
  const std::string net = read_file(d / "syn/gate-sim/sysmt_4t_2x3.v");
  EXPECT_NE(net.find("DFFPOSX1"), std::string::npos) << "the simulated netlist is made of liberty cells";
  CmdResult v =
      run("verify " + kCfg + "sysmt_4t_2x3.yaml --rtl " + (d / "syn/gate-sim") + " --gemms 12 --seed 7 --cache " SYSMT_SYNTH_CACHE);
  ASSERT_EQ(v.status, 0) << v.out;
  EXPECT_NE(v.out.find("12 of 12 bit-exact"), std::string::npos) << v.out;
}

TEST(SynthCli, ReportFiles) {
  TempDir d;
  CmdResult s = run("synth " + kCfg + "sysmt_1t_2x3.yaml --period 5 -o " + (d / "r"));
  ASSERT_EQ(s.status, 0) << s.out;
  const synth::SynthReport r = synth::read_synth_report(d / "r/sysmt_1t_2x3.synth.json");
  EXPECT_DOUBLE_EQ(r.clock_period_ns, 5.0);
  for (const char* k : {"pe", "skew", "drain+control"}) EXPECT_TRUE(r.kinds.count(k)) << k;
  double sum = 0;
  for (const auto& [k, v] : r.kinds) sum += v.area_um2;
  EXPECT_NEAR(sum, r.area_um2, 1e-6 * sum);
  ASSERT_TRUE(r.timing);
  EXPECT_NEAR(r.timing->array.fmax_mhz * r.timing->array.critical_path_ns, 1000.0, 1e-6);
  // The report round-trips through its JSON form.
  EXPECT_EQ(nlohmann::json(nlohmann::json(r).get<synth::SynthReport>()), nlohmann::json(r));
  EXPECT_TRUE(fs::exists(d / "r/sysmt_1t_2x3.synth.md"));
  EXPECT_NE(s.out.find("[synth] sysmt_1t_2x3: yosys done"), std::string::npos) << s.out;
}

TEST(SynthCli, BadInputExitsTwoWithoutOutput) {
  TempDir d;
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"synth " + kCfg + "sysmt_1t_1x1.yaml --liberty " + (d / "none.lib"), "no such file"},
      {"synth " + kCfg + "sysmt_1t_1x1.yaml --liberty " + kCfg + "sysmt_1t_1x1.yaml", "liberty"},
      {"synth " + kCfg + "sysmt_1t_1x1.yaml --period 0", "--period"},
      {"synth " + kCfg + "sysmt_1t_1x1.yaml --period -3", "--period"},
      {"synth " + kCfg + "sysmt_1t_1x1.yaml --period fast", "period"},
      {"synth " + (d / "missing.yaml"), "missing.yaml"},
      {"compare --rows 2 --cols 2 --liberty " + (d / "none.lib"), "no such file"},
      {"compare --rows 0 --cols 2", "--rows"},
      {"compare --rows 2 --cols 2 --period 0", "--period"},
      {"compare --rows 2 --cols 2 --periods 5,-1", "--period"},
  };
  for (const auto& c : cases) {
    CmdResult r = run(c.args + " -o " + (d / "out"));
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.args << "\n" << r.out;
    EXPECT_FALSE(fs::exists(d / "out")) << c.args;
  }
}

// The designs `sysmt compare` plans: each NB-SMT design's 1T baseline has the NB-SMT design's pipeline
// depth, and the plain MAC (P = 0) is there as the second baseline.
TEST(ComparePlan, EqualEffortBaselineHasTheSamePipeline) {
  auto keys = [](const std::vector<Config>& cs) {
    std::vector<std::pair<int, int>> k;
    for (const Config& c : cs) k.emplace_back(c.threads, c.pipeline_stages());
    return k;
  };
  const Config auto_p =
      parse_config("name: x\narray:\n  rows: 1\n  cols: 1\nthreads: 2\n", "<test>");  // array.pipeline auto: P = 1 for T = 2, 4
  using K = std::vector<std::pair<int, int>>;
  EXPECT_EQ(keys(synth::compare_configs(auto_p, 2, 3)), (K{{1, 0}, {1, 1}, {2, 1}, {4, 1}}));
  const Config p0 = parse_config("name: x\nthreads: 2\narray:\n  rows: 1\n  cols: 1\n  pipeline: 0\n", "<test>");
  EXPECT_EQ(keys(synth::compare_configs(p0, 2, 3)), (K{{1, 0}, {2, 0}, {4, 0}}));
  for (const Config& c : synth::compare_configs(auto_p, 2, 3)) {
    EXPECT_EQ(c.rows, 2);
    EXPECT_EQ(c.cols, 3);
    EXPECT_EQ(c.name, synth::compare_design_name(c.threads, c.pipeline_stages(), 2, 3));
  }
}

// `sysmt compare` on a 1x1 array at two clock targets with two ABC runs: the pairing, the spread, the
// area-delay points and the report's JSON round trip.
TEST(CompareCli, EqualEffortSpreadAndAreaDelay) {
  TempDir d;
  CmdResult s = run("compare --rows 1 --cols 1 --periods 4,10 --abc-runs 2 -o " + (d / "c"));
  ASSERT_EQ(s.status, 0) << s.out;
  const std::string json_text = read_file(d / "c/compare.json");
  const synth::CompareReport r = synth::read_compare_report(d / "c/compare.json");
  EXPECT_EQ(nlohmann::json(r), nlohmann::json::parse(json_text)) << "to_json(from_json(file)) is the file";
  ASSERT_EQ(r.designs.size(), 4u);
  EXPECT_EQ(r.periods_ns, (std::vector<double>{10, 4}));

  // Pairing: the 2T and 4T designs (P = 1) against the 1T with P = 1; the plain baseline has P = 0.
  const synth::CompareDesign& one_p1 = r.design(1, 1);
  EXPECT_EQ(one_p1.synth.pipeline, 1) << "the 1T baseline was synthesised with the split accumulate";
  EXPECT_EQ(r.design(1, 0).synth.pipeline, 0);
  for (int t : {2, 4}) {
    const synth::CompareRow& row = r.row(t, 1);
    EXPECT_EQ(row.equal_effort.baseline, one_p1.config);
    EXPECT_EQ(row.equal_effort.baseline_pipeline, 1);
    EXPECT_EQ(row.plain.baseline, r.design(1, 0).config);
    const synth::CompareDesign& dt = r.design(t, 1);
    EXPECT_DOUBLE_EQ(row.equal_effort.array_area_ratio, dt.synth.area_um2 / one_p1.synth.area_um2);
    EXPECT_DOUBLE_EQ(row.equal_effort.fmax_ratio, dt.synth.timing->array.fmax_mhz / one_p1.synth.timing->array.fmax_mhz);
    EXPECT_NEAR(row.equal_effort.speedup_time, row.equal_effort.speedup_cycles * row.equal_effort.fmax_ratio, 1e-12);
    EXPECT_GT(row.equal_effort.speedup_cycles, t * 0.5) << "T values of K per cycle";
  }

  for (const synth::CompareDesign& dsn : r.designs) {
    // Spread over ABC runs: one array area per run, min <= median <= max, the minimum the smallest run,
    // and the kept area (each unit's smallest run) no larger than any run.
    const std::vector<double>& runs = dsn.synth.abc_runs.array_area_um2_by_run;
    ASSERT_EQ(runs.size(), 2u) << dsn.config;
    const synth::CompareRow& row = r.row(dsn.threads, dsn.pipeline);
    EXPECT_LE(row.area_spread_um2.min, row.area_spread_um2.median);
    EXPECT_LE(row.area_spread_um2.median, row.area_spread_um2.max);
    EXPECT_DOUBLE_EQ(row.area_spread_um2.min, std::min(runs[0], runs[1]));
    EXPECT_DOUBLE_EQ(row.area_spread_um2.max, std::max(runs[0], runs[1]));
    EXPECT_LE(dsn.synth.area_um2, row.area_spread_um2.min * (1 + 1e-12));
    EXPECT_LE(row.equal_effort.area_ratio_spread.min, row.equal_effort.area_ratio_spread.max);

    // Area-delay points: one per target, loosest first; the achieved period is at least the PE's own
    // path, the main target's point is the design's main synthesis, and the best period is the shortest.
    ASSERT_EQ(dsn.sweep.size(), 2u) << dsn.config;
    EXPECT_DOUBLE_EQ(dsn.sweep[0].target_ns, 10.0);
    EXPECT_DOUBLE_EQ(dsn.sweep[1].target_ns, 4.0);
    for (const synth::SweepPoint& p : dsn.sweep) {
      EXPECT_GT(p.pe_critical_path_ns, 0.0);
      EXPECT_GE(p.critical_path_ns, p.pe_critical_path_ns - 1e-9) << dsn.config << " at " << p.target_ns;
      EXPECT_LE(p.area_um2, p.area_spread_um2.min * (1 + 1e-12));
    }
    EXPECT_DOUBLE_EQ(dsn.sweep[0].area_um2, dsn.synth.area_um2);
    EXPECT_DOUBLE_EQ(dsn.sweep[0].critical_path_ns, dsn.synth.timing->array.critical_path_ns);
    EXPECT_DOUBLE_EQ(dsn.best_period_ns, std::min(dsn.sweep[0].critical_path_ns, dsn.sweep[1].critical_path_ns));
    EXPECT_LE(dsn.best_period_ns, r.common_clock_ns + 1e-12);
    EXPECT_GT(synth::area_at_clock(dsn, r.common_clock_ns), 0.0) << "every design meets the common clock";
  }
  // The tables name their baseline.
  const std::string md = read_file(d / "c/compare.md");
  EXPECT_NE(md.find("Baseline: the equal-effort 1T"), std::string::npos);
  EXPECT_NE(md.find("Baseline: the plain single-cycle MAC (1T, P = 0)"), std::string::npos);
  EXPECT_TRUE(fs::exists(d / "c/area_delay.dat"));
  if (std::find(r.plots.begin(), r.plots.end(), "area_delay.svg") != r.plots.end()) {
    EXPECT_TRUE(fs::exists(d / "c/area_delay.svg"));
    EXPECT_TRUE(fs::exists(d / "c/area_delay.png"));
  }
}

}  // namespace
}  // namespace sysmt::test
