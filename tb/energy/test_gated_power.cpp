// Gated clocks in the power script (energy/templates/power.tcl.in): OpenSTA 2.0.17 charges every clock
// network pin the clock's own activity, so the script charges a gated clock's flip-flops and gate in
// proportion to the pulses the simulation counted. Checked on hand-made netlists against hand
// calculations from the OSU018 tables: the same three flip-flops all on clk (U) and with two of them on
// a clock gated by an OR (G).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/files.hpp"
#include "energy/gate.hpp"
#include "synth/templates.hpp"

namespace fs = std::filesystem;
using sysmt::energy::parse_power_line;
using sysmt::energy::Power;

namespace {

const char* kLib = "/usr/share/qflow/tech/osu018/osu018_stdcells.lib";

// One stream of the activity file: per net, transitions and cycles high over `cycles` cycles.
struct Stream {
  std::string label;
  std::vector<std::tuple<std::string, long, double>> nets;
};

// Runs the power script on `netlist` (top module `top`) with the streams; one Power per stream.
std::vector<Power> run(const std::string& name, const std::string& netlist, const std::vector<Stream>& streams, long cycles) {
  const fs::path dir = fs::temp_directory_path() / ("sysmt_gated_" + name + "_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "n.v") << netlist;
  {
    std::ofstream a(dir / "activity.txt");
    for (const Stream& s : streams) {
      a << "stream " << s.label << " " << cycles << " " << s.nets.size() << "\n";
      for (const auto& [n, t, h] : s.nets) a << n << " " << t << " " << h << "\n";
    }
  }
  const std::string tcl = sysmt::synth::fill(sysmt::read_file(fs::path(SYSMT_SOURCE_DIR) / "energy" / "templates" / "power.tcl.in"),
                                             {{"LIBERTY", kLib},
                                              {"NETLIST", "n.v"},
                                              {"DESIGN", "top"},
                                              {"PERIOD", "10"},
                                              {"CLK_SLEW", "0.24"},
                                              {"DFF_CLK", "CLK"},
                                              {"EXCLUDED", "energy_no_such_cell"},
                                              {"EXTRA", ""},
                                              {"MEASURE", "measure_file activity.txt"}});
  std::ofstream(dir / "p.tcl") << tcl;
  const std::string cmd = "cd " + dir.string() + " && sta -no_init -exit p.tcl > out.log 2>&1";
  const int status = std::system(cmd.c_str());
  std::ifstream in(dir / "out.log");
  std::string line, label;
  std::vector<Power> out;
  while (std::getline(in, line))
    if (line.rfind("SYSMT-POWER ", 0) == 0) out.push_back(parse_power_line(line, label));
  EXPECT_EQ(status, 0) << cmd;
  EXPECT_EQ(out.size(), streams.size()) << sysmt::read_file(dir / "out.log");
  fs::remove_all(dir);
  return out;
}

// Three DFFPOSX1 with their data held; in G, f1 and f2 are clocked by g = clk | nen.
const char* kUngated =
    "module top(clk, nen, d, q0, q1, q2);\ninput clk, nen, d; output q0, q1, q2;\n"
    "DFFPOSX1 f0(.CLK(clk), .D(d), .Q(q0));\nDFFPOSX1 f1(.CLK(clk), .D(d), .Q(q1));\nDFFPOSX1 f2(.CLK(clk), .D(d), .Q(q2));\n"
    "endmodule\n";
const char* kGated =
    "module top(clk, nen, d, q0, q1, q2);\ninput clk, nen, d; output q0, q1, q2;\nwire g;\nOR2X1 og(.A(clk), .B(nen), .Y(g));\n"
    "DFFPOSX1 f0(.CLK(clk), .D(d), .Q(q0));\nDFFPOSX1 f1(.CLK(g), .D(d), .Q(q1));\nDFFPOSX1 f2(.CLK(g), .D(d), .Q(q2));\n"
    "endmodule\n";

// Every net of both netlists held (data 0), the gated clock `g` with `g_toggles` transitions over 100
// cycles (nen low while it pulses).
Stream stream(const std::string& label, long g_toggles) {
  const double g_high = 100 - g_toggles / 4.0;  // high but for half of each pulsed cycle
  return Stream{label,
                {{"nen", 0, g_toggles ? 0.0 : 100.0}, {"d", 0, 0}, {"q0", 0, 0}, {"q1", 0, 0}, {"q2", 0, 0}, {"g", g_toggles, g_high}}};
}

Stream ungated_stream(const std::string& label) {
  return Stream{label, {{"nen", 0, 0}, {"d", 0, 0}, {"q0", 0, 0}, {"q1", 0, 0}, {"q2", 0, 0}}};
}

// DFFPOSX1's clock pin at 0.24 ns (index_1[1] of its passive tables): rise 0.006943 pJ, fall 0.129769 pJ,
// one of each per 10 ns period (test_power_correction.cpp): the internal power after halving.
// Tolerances: OpenSTA prints 17 digits, so 1e-3 leaves room only for rounding.
const double kClockPin = (0.006943 + 0.129769) * 1e-12 / 10e-9;

}  // namespace

TEST(GatedClockPower, LibertyIsInstalled) { ASSERT_TRUE(fs::exists(kLib)) << "install qflow-tech-osu018"; }

// With the gate closed the two gated flip-flops' clock pins cost nothing, and the gate nothing: G's
// idle power is U's less two clock pins (OpenSTA alone would charge them as if clocked, through the OR's
// slow edge).
TEST(GatedClockPower, ClosedGateCostsNoClockPins) {
  const std::vector<Power> u = run("u_idle", kUngated, {ungated_stream("idle")}, 100);
  const std::vector<Power> g = run("g_idle", kGated, {stream("idle", 0)}, 100);
  ASSERT_EQ(u.size(), 1u);
  ASSERT_EQ(g.size(), 1u);
  // Each of U's flip-flops costs one clock pin: near the table figure (the script's duty annotation of the
  // held data moves it by a few %), and G's idle power is U's less exactly two of them.
  const double pin = u[0].internal / 3;
  EXPECT_NEAR(pin, kClockPin, 0.03 * kClockPin);
  EXPECT_NEAR(u[0].internal - g[0].internal, 2 * pin, 1e-3 * pin);
  EXPECT_NEAR(g[0].switching, 0.0, 1e-12);
}

// With the gate open on every edge, the gated flip-flops cost what they cost on clk (the same ideal
// slew), and the gate adds its own power: switching of g's load, two DFFPOSX1 clock pins of 0.0279235
// pF, two transitions per 10 ns: 0.5 * C * V^2 * activity = 1.8094e-5 W at 1.8 V; its internal power is
// positive and below one clock pin's. Half the pulses cost half of the difference to the closed gate.
TEST(GatedClockPower, OpenGateCostsTheSameClockPinsPlusTheGateAndScalesWithPulses) {
  const std::vector<Power> u = run("u_on", kUngated, {ungated_stream("idle")}, 100);
  const std::vector<Power> g = run("g_on", kGated, {stream("idle", 0), stream("on", 200), stream("half", 100)}, 100);
  ASSERT_EQ(u.size(), 1u);
  ASSERT_EQ(g.size(), 3u);
  const double hand_switching = 0.5 * 2 * 0.0279235e-12 * 1.8 * 1.8 * (2 / 10e-9);
  EXPECT_NEAR(g[1].switching, hand_switching, 0.02 * hand_switching);
  const double gate_internal = g[1].internal - u[0].internal;
  EXPECT_GT(gate_internal, 0.0);
  EXPECT_LT(gate_internal, kClockPin);
  EXPECT_NEAR(g[2].internal - g[0].internal, 0.5 * (g[1].internal - g[0].internal), 1e-3 * kClockPin);
  EXPECT_NEAR(g[2].switching, 0.5 * g[1].switching, 1e-3 * hand_switching);
}

// The reference powers are taken before any stream: the order of the streams does not matter.
TEST(GatedClockPower, StreamOrderDoesNotMatter) {
  const std::vector<Power> a = run("g_ab", kGated, {stream("idle", 0), stream("on", 200)}, 100);
  const std::vector<Power> b = run("g_ba", kGated, {stream("on", 200), stream("idle", 0)}, 100);
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_DOUBLE_EQ(a[0].internal, b[1].internal);
  EXPECT_DOUBLE_EQ(a[1].internal, b[0].internal);
  EXPECT_DOUBLE_EQ(a[1].switching, b[0].switching);
}
