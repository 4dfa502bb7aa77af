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

#include "tb/cli/cli_runner.hpp"
#include "tb/state_bits.hpp"
#include "common/config.hpp"
#include "synth/flow.hpp"
#include "common/files.hpp"

namespace sysmt::test {
namespace {

namespace fs = std::filesystem;
const std::string kCfg = SYSMT_SOURCE_DIR "/configs/";
const std::string kOsu018 = synth::kDefaultLiberty;

nlohmann::json synth_run(const Config& c, synth::Options o, const TempDir& d, const std::string& tag) {
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
  const nlohmann::json r = synth_run(c, o, d, "renamed");
  EXPECT_EQ(r["liberty"]["nand2_cell"], "zz_NAND2X1_cell");
  EXPECT_EQ(r["flip_flops"].get<long>(), state_bits(c) - merged_by_synthesis(c));
  EXPECT_GT(r["timing"]["array"]["fmax_mhz"].get<double>(), 10.0);
  o.liberty = "/usr/share/qflow/tech/osu035/osu035_stdcells.lib";
  if (fs::exists(o.liberty)) {
    const nlohmann::json r35 = synth_run(c, o, d, "osu035");
    EXPECT_EQ(r35["flip_flops"], r["flip_flops"]);
    EXPECT_GT(r35["area_um2"].get<double>(), r["area_um2"].get<double>());  // 0.35 um cells are larger
  }
}

class HierVsFlat : public ::testing::TestWithParam<int> {};

TEST_P(HierVsFlat, AreaWithinTwoPercent) {
  TempDir d;
  Config c = load_config(kCfg + "sysmt_" + std::to_string(GetParam()) + "t_4x4.yaml");
  synth::Options o;
  o.timing = false;
  const double hier = synth_run(c, o, d, "hier")["area_um2"].get<double>();
  o.flatten = true;
  const double flat = synth_run(c, o, d, "flat")["area_um2"].get<double>();
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
  const nlohmann::json w = synth_run(c, o, d, "whole")["timing"]["array"];
  o.sta_mode = "modular";
  const nlohmann::json m = synth_run(c, o, d, "modular")["timing"]["array"];
  EXPECT_EQ(w["method"], "whole");
  ASSERT_EQ(m["method"], "modular") << m.dump(2);
  EXPECT_TRUE(m["boundary_registered"].get<bool>());
  for (const char* part : {"frame", "sysmt_4t_4x4_pe", "sysmt_4t_4x4_drain_col"}) {
    ASSERT_TRUE(m["parts"].contains(part)) << part;
    EXPECT_FALSE(m["parts"][part].value("input_to_output_path", false)) << part;
  }
  const double whole = w["critical_path_ns"].get<double>(), modular = m["critical_path_ns"].get<double>();
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
  const nlohmann::json a = synth_run(small, o, d, "a"), b = synth_run(wide, o, d, "b");
  EXPECT_DOUBLE_EQ(a["pe"]["area_um2"].get<double>(), b["pe"]["area_um2"].get<double>());
  ASSERT_EQ(a["abc_runs"]["runs"].get<int>(), o.abc_runs);
  bool pe_seen = false;
  for (const auto& u : a["abc_runs"]["units"]) {
    if (u["module"] != small.name + "_pe") continue;
    pe_seen = true;
    ASSERT_EQ(u["areas_um2"].size(), static_cast<size_t>(o.abc_runs));
    double best = u["areas_um2"][0].get<double>();
    for (const auto& x : u["areas_um2"]) best = std::min(best, x.get<double>());
    EXPECT_DOUBLE_EQ(u["areas_um2"][u["kept"].get<int>() - 1].get<double>(), best);
    EXPECT_DOUBLE_EQ(a["pe"]["area_um2"].get<double>(), best);
  }
  EXPECT_TRUE(pe_seen);
}

class FlipFlops : public ::testing::TestWithParam<std::string> {};

TEST_P(FlipFlops, NetlistEqualsStateBitsOfTheConfig) {
  TempDir d;
  const Config c = load_config(kCfg + GetParam() + ".yaml");
  synth::Options o;
  o.timing = false;
  const nlohmann::json r = synth_run(c, o, d, "ff");
  EXPECT_EQ(r["flip_flops"].get<long>(), state_bits(c) - merged_by_synthesis(c));
  EXPECT_EQ(r["flip_flops"].get<long>(), r["flip_flops_expected"].get<long>() - merged_by_synthesis(c))
      << "netlist against the generator's manifest";
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
  CmdResult v = run("verify " + kCfg + "sysmt_4t_2x3.yaml --rtl " + (d / "syn/gate-sim") + " --gemms 12 --seed 7 --cache " SYSMT_SYNTH_CACHE);
  ASSERT_EQ(v.status, 0) << v.out;
  EXPECT_NE(v.out.find("12 of 12 bit-exact"), std::string::npos) << v.out;
}

TEST(SynthCli, ReportFiles) {
  TempDir d;
  CmdResult s = run("synth " + kCfg + "sysmt_1t_2x3.yaml --period 5 -o " + (d / "r"));
  ASSERT_EQ(s.status, 0) << s.out;
  const nlohmann::json r = nlohmann::json::parse(read_file(d / "r/sysmt_1t_2x3.synth.json"));
  EXPECT_DOUBLE_EQ(r["clock_period_ns"].get<double>(), 5.0);
  for (const char* k : {"pe", "skew", "drain+control"}) EXPECT_TRUE(r["kinds"].contains(k)) << k;
  double sum = 0;
  for (auto& [k, v] : r["kinds"].items()) sum += v["area_um2"].get<double>();
  EXPECT_NEAR(sum, r["area_um2"].get<double>(), 1e-6 * sum);
  EXPECT_NEAR(r["timing"]["array"]["fmax_mhz"].get<double>() * r["timing"]["array"]["critical_path_ns"].get<double>(), 1000.0, 1e-6);
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
  };
  for (const auto& c : cases) {
    CmdResult r = run(c.args + " -o " + (d / "out"));
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.args << "\n" << r.out;
    EXPECT_FALSE(fs::exists(d / "out")) << c.args;
  }
}

}  // namespace
}  // namespace sysmt::test
