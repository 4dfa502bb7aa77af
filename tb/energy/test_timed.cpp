// sysmt energy --timed (energy/timed.hpp): the SDF post-processing and the specify blocks on known texts,
// a hand-written netlist whose glitch only a timed simulation sees (expected counts derived by hand from
// the cells), and on the 4x4 two-thread PE: Icarus without delays equals the Verilator counter net by
// net, and the timed run counts at least as many transitions and costs at least as much power.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "common/files.hpp"
#include "common/output.hpp"
#include "energy/energy.hpp"
#include "energy/timed.hpp"
#include "sim/eval/data_model.hpp"

using namespace sysmt;
using namespace sysmt::energy;
namespace fs = std::filesystem;

namespace {

// ---- Texts ------------------------------------------------------------------------------------------

TEST(TimedText, OpenStaSdfBecomesWhatIcarusReads) {
  const std::string in =
      "(DELAYFILE\n"
      " (SDFVERSION \"3.0\")\n"
      " (DESIGN \"top\")\n"
      " (VOLTAGE 1.800::1.800)\n"
      " (TIMESCALE 1ns)\n"
      " (CELL\n"
      "  (CELLTYPE \"top\")\n"
      "  (INSTANCE)\n"
      "  (DELAY\n"
      "   (ABSOLUTE\n"
      "    (INTERCONNECT a u1/A (0.000::0.000))\n"
      "   )\n"
      "  )\n"
      " )\n"
      " (CELL\n"
      "  (CELLTYPE \"INVX1\")\n"
      "  (INSTANCE u1)\n"
      "  (DELAY\n"
      "   (ABSOLUTE\n"
      "    (IOPATH A Y (0.041::0.046) (0.030:0.035:0.040))\n"
      "   )\n"
      "  )\n"
      " )\n"
      " (CELL\n"
      "  (CELLTYPE \"DFFPOSX1\")\n"
      "  (INSTANCE f[0])\n"
      "  (DELAY\n"
      "   (ABSOLUTE\n"
      "    (IOPATH CLK Q (0.095::0.095) (0.164::0.164))\n"
      "   )\n"
      "  )\n"
      "  (TIMINGCHECK\n"
      "    (SETUP (posedge D) (posedge CLK) (0.199::0.199))\n"
      "    (HOLD (negedge D) (posedge CLK) (-0.105::-0.105))\n"
      "  )\n"
      " )\n"
      ")\n";
  const std::string want =
      "(DELAYFILE\n"
      " (SDFVERSION \"3.0\")\n"
      " (DESIGN \"top\")\n"
      " (VOLTAGE 1.800)\n"
      " (TIMESCALE 1ns)\n"
      " (CELL\n"
      "  (CELLTYPE \"INVX1\")\n"
      "  (INSTANCE u1)\n"
      "  (DELAY\n"
      "   (ABSOLUTE\n"
      "    (IOPATH A Y (0.046) (0.035))\n"
      "   )\n"
      "  )\n"
      " )\n"
      " (CELL\n"
      "  (CELLTYPE \"DFFPOSX1\")\n"
      "  (INSTANCE f[0])\n"
      "  (DELAY\n"
      "   (ABSOLUTE\n"
      "    (IOPATH CLK Q (0.095) (0.164))\n"
      "   )\n"
      "  )\n"
      " )\n"
      ")\n";
  EXPECT_EQ(icarus_sdf(in), want);
  // A non-zero delay in the dropped top-level block cannot be applied: refused, not lost.
  std::string bad = in;
  bad.replace(bad.find("(0.000::0.000)"), 14, "(0.000::0.020)");
  EXPECT_THROW(icarus_sdf(bad), std::runtime_error);
}

TEST(TimedText, LibertyArcsBecomeSpecifyPaths) {
  const std::string lib = R"LIB(library (l) {
  /* a comment with pin (Z) { direction : output; } */
  cell (NAND2X1) {
    pin (A) { direction : input; capacitance : 0.01; }
    pin (B) { direction : input; }
    pin (Y) { direction : output; function : "(!(A B))";
      timing () { related_pin : "A"; timing_sense : negative_unate; }
      timing () { related_pin : "B"; }
    }
  }
  cell (DFFPOSX1) {
    ff (DS0000, P0002) { next_state : "D"; clocked_on : "CLK"; }
    pin (D) { direction : input; timing () { related_pin : "CLK"; timing_type : setup_rising; } }
    pin (CLK) { direction : input; clock : true; }
    pin (Q) { direction : output; function : "DS0000"; timing () { related_pin : "CLK"; timing_type : rising_edge; } }
  }
  cell (FILL) { area : 1; }
}
)LIB";
  const synth::CellArcs a = synth::timing_arcs(lib);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a.at("NAND2X1"), (std::vector<std::pair<std::string, std::string>>{{"A", "Y"}, {"B", "Y"}}));
  // The setup check on D is no arc.
  EXPECT_EQ(a.at("DFFPOSX1"), (std::vector<std::pair<std::string, std::string>>{{"CLK", "Q"}}));
  const std::string cells =
      "module NAND2X1(A, B, Y);\n  input A;\n  input B;\n  output Y;\n  assign Y = ~(A & B);\nendmodule\n\n"
      "module FILL();\nendmodule\n";
  EXPECT_EQ(add_specify(cells, a),
            "module NAND2X1(A, B, Y);\n  input A;\n  input B;\n  output Y;\n  assign Y = ~(A & B);\n"
            "  specify\n    (A => Y) = 0;\n    (B => Y) = 0;\n  endspecify\nendmodule\n\nmodule FILL();\nendmodule\n");
}

// ---- The report says which activity it is ----------------------------------------------------------

TEST(TimedReport, JsonAndMarkdownSayZeroDelayOrTimed) {
  EnergyReport r;
  r.config_name = "c";
  r.rows = r.cols = 4;
  EXPECT_EQ(r.activity, "zero-delay");  // the default
  EXPECT_NE(to_markdown(r).find("zero-delay activity"), std::string::npos);
  EXPECT_NE(to_markdown(r).find("Zero-delay (no glitches) gate-level activity"), std::string::npos);
  r.activity = "timed";
  nlohmann::json j = r;
  EXPECT_EQ(j.at("activity"), "timed");
  EXPECT_EQ(j.get<EnergyReport>().activity, "timed");
  const std::string md = to_markdown(r);
  EXPECT_NE(md.find("timed activity"), std::string::npos);
  EXPECT_NE(md.find("Timed (SDF cell delays in Icarus Verilog, glitches counted)"), std::string::npos);
  EXPECT_EQ(md.find("Zero-delay"), std::string::npos);
  // A report written before --timed existed has no key: it was zero-delay.
  j.erase("activity");
  EXPECT_EQ(j.get<EnergyReport>().activity, "zero-delay");
}

// ---- Activity files ---------------------------------------------------------------------------------

struct NetActivity {
  long toggles = 0;
  double high = 0;
};
// One stream of an activity file: net -> (toggles, high).
std::vector<std::map<std::string, NetActivity>> read_activity(const fs::path& f) {
  std::ifstream in(f);
  std::vector<std::map<std::string, NetActivity>> v;
  std::string word, label;
  long meas = 0, nets = 0;
  while (in >> word) {
    EXPECT_EQ(word, "stream");
    in >> label >> meas >> nets;
    v.emplace_back();
    for (long i = 0; i < nets; ++i) {
      std::string n;
      NetActivity a;
      in >> n >> a.toggles >> a.high;
      v.back()[n] = a;
    }
  }
  return v;
}

void run_sim(const fs::path& sim, const fs::path& dir, const std::string& stimulus) {
  fs::create_directories(dir);
  write_file_atomic(dir / "stimulus.txt", stimulus);
  const std::string cmd = "cd '" + dir.string() + "' && '" + sim.string() + "' stimulus.txt activity.txt > activity.log 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

// ---- A glitch by construction -----------------------------------------------------------------------

// y = a XOR (a through six inverters): logically 0, so a zero-delay simulation never moves y. With the
// cells' delays every transition of `a` reaches the XOR's A input at once and its B input after six
// INVX1 delays (0.04 to 0.08 ns each in OpenSTA's SDF: about 0.3 ns); the XOR's arcs (0.08 to 0.09 ns)
// are shorter than that, so even an inertial XOR passes the pulse: y rises and falls once per transition
// of a, two toggles each, and is high for about 0.3 ns of each 10 ns period. z = BUFX2(y) (about 0.1 ns)
// passes the pulse too; annotated by hand with a 1 ns delay it swallows it (Icarus's path delays are
// inertial), which docs/energy.md states.
TEST(TimedGlitch, XorOfASignalAndItsDelayedCopyGlitchesOnlyWhenTimed) {
  const fs::path dir = fs::path(SYSMT_ENERGY_TEST_CACHE) / "timed-glitch";
  fs::remove_all(dir);
  fs::create_directories(dir);
  write_file_atomic(dir / "flat.v",
                    "module glitch(clk, rst_n, a_in, y, z);\n  input clk;\n  input rst_n;\n  input a_in;\n  output y;\n  output z;\n"
                    "  wire a, n1, n2, n3, n4, n5, n6;\n  DFFPOSX1 f0 (.CLK(clk), .D(a_in), .Q(a));\n  INVX1 i1 (.A(a), .Y(n1));\n"
                    "  INVX1 i2 (.A(n1), .Y(n2));\n  INVX1 i3 (.A(n2), .Y(n3));\n  INVX1 i4 (.A(n3), .Y(n4));\n"
                    "  INVX1 i5 (.A(n4), .Y(n5));\n  INVX1 i6 (.A(n5), .Y(n6));\n"
                    "  XOR2X1 x0 (.A(a), .B(n6), .Y(y));\n  BUFX2 b0 (.A(y), .Y(z));\nendmodule\n");
  GateOptions o;
  const std::string ys = "read_liberty -ignore_miss_func " + o.liberty + "\nwrite_verilog -noattr cells.v\n";
  write_file_atomic(dir / "cells.ys", ys);
  ASSERT_EQ(std::system(("cd '" + dir.string() + "' && yosys -q -s cells.ys > cells.log 2>&1").c_str()), 0);
  GateDesign d;
  d.lib = synth::read_liberty(o.liberty);
  GateModel m;
  m.top = "glitch";
  m.netlist = dir / "flat.v";
  m.inputs = {{"a_in", 1}};
  const GateModel zero = timed_model(d, m, 10.0, false, o, [](const std::string&) {});
  const GateModel timed = timed_model(d, m, 10.0, true, o, [](const std::string&) {});
  // a_in alternates 1, 0, ...: 2 warm-up edges, 8 measured, so a toggles 8 times in the window.
  std::string stim = "ports 1\na_in 1\nstream alt 2 8\n";
  for (int e = 0; e < 10; ++e) stim += (e % 2 ? "0\n" : "1\n");
  run_sim(zero.sim, dir / "run-zero", stim);
  run_sim(timed.sim, dir / "run-timed", stim);
  const auto z = read_activity(dir / "run-zero" / "activity.txt");
  const auto t = read_activity(dir / "run-timed" / "activity.txt");
  ASSERT_EQ(z.size(), 1u);
  ASSERT_EQ(t.size(), 1u);
  for (const auto* run : {&z[0], &t[0]}) {
    EXPECT_EQ(run->at("a").toggles, 8);
    for (const char* n : {"n1", "n2", "n3", "n4", "n5", "n6", "a_in"}) EXPECT_EQ(run->at(n).toggles, 8) << n;
    EXPECT_EQ(run->at("rst_n").toggles, 0);
    EXPECT_EQ(run->count("clk"), 0u);
  }
  EXPECT_EQ(z[0].at("y").toggles, 0);
  EXPECT_EQ(z[0].at("z").toggles, 0);
  EXPECT_EQ(z[0].at("y").high, 0.0);
  EXPECT_EQ(t[0].at("y").toggles, 16);
  EXPECT_EQ(t[0].at("z").toggles, 16);
  EXPECT_GT(t[0].at("y").high, 0.0);
  EXPECT_LT(t[0].at("y").high, 8 * 0.6 / 10.0);  // 8 pulses, each shorter than 0.6 ns, in 10 ns periods
  // Duty of a net that follows a: high in half of the 8 periods (timed: up to the clock-to-Q delay off).
  EXPECT_NEAR(z[0].at("a").high, 4.0, 1e-9);
  EXPECT_NEAR(t[0].at("a").high, 4.0, 0.05);
  // The SDF that was applied: Icarus's form (no top-level block, one value per delay).
  const fs::path sdf_file = timed.sim.parent_path() / "timed.sdf";
  const std::string sdf = read_file(sdf_file);
  EXPECT_EQ(sdf.find("::"), std::string::npos);
  EXPECT_EQ(sdf.find("INTERCONNECT"), std::string::npos);
  EXPECT_NE(sdf.find("(INSTANCE x0)"), std::string::npos);
  // Inertial delay: the buffer annotated with 1 ns (longer than the 0.3 ns pulse) drops every pulse.
  const size_t b = sdf.find("(INSTANCE b0)");
  ASSERT_NE(b, std::string::npos);
  const size_t p = sdf.find("(IOPATH A Y", b);
  const size_t q = sdf.find('\n', p);
  std::string slow = sdf;
  slow.replace(p, q - p, "(IOPATH A Y (1.000) (1.000))");
  write_file_atomic(sdf_file, slow);
  run_sim(timed.sim, dir / "run-slow", stim);
  write_file_atomic(sdf_file, sdf);
  const auto s = read_activity(dir / "run-slow" / "activity.txt");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].at("y").toggles, 16);
  EXPECT_EQ(s[0].at("z").toggles, 0);
}

// ---- The 4x4 two-thread PE --------------------------------------------------------------------------

GateOptions pe_options() {
  GateOptions o;
  o.cache = SYSMT_ENERGY_TEST_CACHE;
  o.abc_runs = 1;  // as ArrayPower: the same cached design
  return o;
}

TEST(TimedPe, ZeroDelayIcarusEqualsVerilatorAndTimedCountsMore) {
  fs::create_directories(SYSMT_ENERGY_TEST_CACHE);
  const Config cfg = load_config(SYSMT_SOURCE_DIR "/configs/sysmt_2t_4x4.yaml");
  const GateDesign d = build_design(cfg, pe_options(), [](const std::string&) {});
  const GemmShape g{12, 96, 8};
  std::vector<int> rows;
  for (int i = 0; i < g.M; ++i) rows.push_back(i);
  LayerData data;
  Tensor3 in = make_activations(1, g.M, g.K, 0.5, 32.0, 11);
  data.x = IntMatrix(g.M, g.K);
  data.x.data = in.data;
  data.w = make_weights(g.K, g.N, 0.4, 12);
  data.rows = rows;
  const Trace tr = feeder_trace(cfg, g, data, Mapping::Interleaved, 1, 5, 1);
  const std::vector<Stream> streams{pe_stream(cfg, d.pe, tr, 1, 2, "pe1_2"), idle_stream(d.pe, 64)};
  const double period = cfg.clock_period_ns;
  const GateModel zero = timed_model(d, d.pe, period, false, pe_options(), [](const std::string&) {});
  const GateModel timed = timed_model(d, d.pe, period, true, pe_options(), [](const std::string&) {});
  const fs::path work = fs::path(SYSMT_ENERGY_TEST_CACHE) / "runs-timed";
  const std::vector<Power> pv = measure(d, d.pe, streams, period, pe_options(), work / "verilator");
  const std::vector<Power> pz = measure(d, zero, streams, period, pe_options(), work / "icarus");
  const std::vector<Power> pt = measure(d, timed, streams, period, pe_options(), work / "timed");
  const auto v = read_activity(work / "verilator" / "activity.txt");
  const auto z = read_activity(work / "icarus" / "activity.txt");
  const auto t = read_activity(work / "timed" / "activity.txt");
  ASSERT_EQ(v.size(), 2u);
  ASSERT_EQ(z.size(), 2u);
  ASSERT_EQ(t.size(), 2u);
  for (size_t s = 0; s < 2; ++s) {
    // The same nets, and without delays the same transitions net by net; the duty (time-weighted in
    // Icarus, sampled after each edge in Verilator) differs by at most one period per net.
    ASSERT_EQ(v[s].size(), z[s].size());
    ASSERT_EQ(v[s].size(), t[s].size());
    long sv = 0, sz = 0, st = 0, moved = 0;
    for (const auto& [n, a] : v[s]) {
      ASSERT_EQ(z[s].count(n), 1u) << n;
      EXPECT_EQ(z[s].at(n).toggles, a.toggles) << n;
      EXPECT_NEAR(z[s].at(n).high, a.high, 1.0 + 1e-6) << n;
      sv += a.toggles;
      sz += z[s].at(n).toggles;
      st += t[s].at(n).toggles;
      moved += a.toggles > 0;
    }
    EXPECT_EQ(sz, sv);
    if (s == 0) {
      EXPECT_GT(moved, 100);  // the data stream moves the datapath
      EXPECT_GT(st, sz);      // glitches add transitions
      EXPECT_GE(pt[s].internal + pt[s].switching, pz[s].internal + pz[s].switching);
    } else {
      EXPECT_EQ(sv, 0);  // idle: only the clock moves, delays or not
      EXPECT_EQ(st, 0);
    }
  }
  // Zero-delay Icarus and Verilator annotate the same activity: the same power to rounding.
  EXPECT_NEAR(pz[0].total() / pv[0].total(), 1.0, 1e-3);
}

}  // namespace
