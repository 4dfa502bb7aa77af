// OpenSTA 2.0.17's internal power against a hand calculation from the OSU018 liberty tables, and the
// correction sysmt energy makes (energy/gate.hpp): cells driven at a table grid point (input slew and
// output load exactly on index values), so the expected energies are table entries, read by hand.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "energy/gate.hpp"

namespace fs = std::filesystem;
using sysmt::energy::parse_power_line;
using sysmt::energy::Power;

namespace {

const char* kLib = "/usr/share/qflow/tech/osu018/osu018_stdcells.lib";

// Runs OpenSTA on `netlist` with `setup` commands and returns the parsed power of the whole design.
Power sta_power(const std::string& name, const std::string& netlist, const std::string& setup) {
  const fs::path dir = fs::temp_directory_path() / ("sysmt_energy_hand_" + name + "_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "n.v") << netlist;
  std::ofstream(dir / "p.tcl") << "read_liberty " << kLib << "\nread_verilog n.v\nlink_design top\n"
                               << setup << "\nputs \"SYSMT-POWER " << name
                               << " design [lrange [sta::design_power [sta::cmd_corner]] 0 3] excluded 0 0 0\"\n";
  const std::string cmd = "cd " + dir.string() + " && sta -no_init -exit p.tcl > out.log 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(dir / "out.log");
  std::string line, label;
  Power p;
  bool found = false;
  while (std::getline(in, line))
    if (line.rfind("SYSMT-POWER ", 0) == 0) {
      p = parse_power_line(line, label);
      found = true;
    }
  EXPECT_TRUE(found) << "no power line in " << (dir / "out.log").string();
  fs::remove_all(dir);
  return p;
}

}  // namespace

TEST(PowerCorrection, LibertyIsInstalled) { ASSERT_TRUE(fs::exists(kLib)) << "install qflow-tech-osu018"; }

// INVX1, arc A -> Y at output load 0.025 pF and input transition 0.18 ns (index_1[2], index_2[1]):
// rise_power 0.02752 pJ, fall_power 0.006332 pJ (osu018_stdcells.lib, cell INVX1, internal_power).
// Activity 0.3 transitions per 10 ns period: half of them rise, half fall, so the internal power is
// 0.3 / 10 ns * (0.02752 + 0.006332) / 2 pJ = 5.0778e-7 W. Switching: 0.3 / 10 ns * 0.5 * 0.025 pF *
// (1.8 V)^2 = 1.215e-6 W.
TEST(PowerCorrection, InverterArcMatchesTheTablesAfterHalving) {
  const Power p = sta_power("inv", "module top(a, y);\ninput a; output y;\nINVX1 i1(.A(a), .Y(y));\nendmodule\n",
                            "create_clock -name clk -period 10\nset_input_delay 0 -clock clk [get_ports a]\n"
                            "set_input_transition 0.18 [get_ports a]\nset_load 0.025 [get_ports y]\n"
                            "set_power_activity -input_ports [get_ports a] -activity 0.3 -duty 0.5");
  const double per_s = 0.3 / 10e-9;
  const double hand_internal = per_s * (0.02752 + 0.006332) / 2 * 1e-12;
  EXPECT_NEAR(p.internal, hand_internal, 1e-3 * hand_internal);
  // OpenSTA's own figure is the sum of both tables per transition: twice the hand calculation.
  EXPECT_NEAR(p.internal_raw, 2 * hand_internal, 1e-3 * hand_internal);
  const double hand_switching = per_s * 0.5 * 0.025e-12 * 1.8 * 1.8;
  EXPECT_NEAR(p.switching, hand_switching, 1e-3 * hand_switching);
  EXPECT_NEAR(p.leakage, 0.0221741e-9, 1e-15);  // cell_leakage_power 0.0221741 nW
}

// DFFPOSX1's clock pin at an input transition of 0.24 ns (index_1[1] of its passive tables): rise_power
// 0.006943 pJ, fall_power 0.129769 pJ. The clock rises and falls once per 10 ns period, so the clock pin
// costs (0.006943 + 0.129769) pJ / 10 ns = 1.36712e-5 W; the data input is held (activity 0), so no
// other internal power flows.
TEST(PowerCorrection, FlipFlopClockPinMatchesTheTablesAfterHalving) {
  const Power p = sta_power("dff", "module top(clk, a, y);\ninput clk, a; output y;\nDFFPOSX1 f1(.CLK(clk), .D(a), .Q(y));\nendmodule\n",
                            "create_clock -name clk -period 10 [get_ports clk]\nset_input_transition 0.24 [get_ports clk]\n"
                            "set_input_delay 0 -clock clk [get_ports a]\n"
                            "set_power_activity -input_ports [get_ports a] -activity 0 -duty 0");
  const double hand = (0.006943 + 0.129769) * 1e-12 / 10e-9;
  EXPECT_NEAR(p.internal, hand, 1e-3 * hand);
  EXPECT_NEAR(p.internal_raw, 2 * hand, 2e-3 * hand);
  EXPECT_EQ(p.switching, 0.0);
}
