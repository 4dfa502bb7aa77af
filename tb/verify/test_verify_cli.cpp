// `sysmt verify` end to end: a named config passes and its model is reused on the second run; a
// user-written 5x7 four-thread config passes; a deliberately broken PE (rounding flipped in a copy of
// the generated RTL) is caught with a message naming tile, row, column and the K-groups; bad input
// exits 2.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "common/files.hpp"
#include "tb/cli/cli_runner.hpp"

namespace sysmt::test {
namespace {

const std::string kCfg = SYSMT_SOURCE_DIR "/configs/";
const std::string kCache = " --cache " SYSMT_VERIFY_CACHE;

TEST(Verify, NamedConfigPassesAndReusesItsModel) {
  CmdResult r = run("verify " + kCfg + "sysmt_2t_2x3.yaml --gemms 8 --seed 5" + kCache);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("PASS"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("8 of 8 bit-exact"), std::string::npos) << r.out;
  r = run("verify " + kCfg + "sysmt_2t_2x3.yaml --gemms 3 --seed 6" + kCache);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("model     reused from"), std::string::npos) << r.out;
}

TEST(Verify, UserWritten5x7FourThreadConfig) {
  TempDir d;
  std::ofstream(d / "my_5x7.yaml") << "name: my_array\narray:\n  rows: 5\n  cols: 7\nthreads: 4\n";
  CmdResult r = run("verify " + (d / "my_5x7.yaml") + " --gemms 12 --seed 3" + kCache);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("sysmt verify: my_array  PASS"), std::string::npos) << r.out;
}

TEST(Verify, BrokenRoundingInTheRtlIsCaught) {
  TempDir d;
  CmdResult g = run("generate " + kCfg + "sysmt_2t_2x3.yaml -q -o " + (d / "rtl"));
  ASSERT_EQ(g.status, 0) << g.out;
  // Flip half_up into "round up only above the half" in the PE's activation reduction.
  const std::string pe = d / "rtl/sysmt_2t_2x3_pe.v";
  std::string text = read_file(pe);
  const std::regex site(R"(assign a_inc = a_lo\[3\];)");
  ASSERT_TRUE(std::regex_search(text, site)) << "mutation site not found in " << pe << ": update this test to the generator's PE";
  text = std::regex_replace(text, site, "assign a_inc = a_lo[3] & |a_lo[2:0];");
  std::ofstream(pe) << text;
  CmdResult r = run("verify " + kCfg + "sysmt_2t_2x3.yaml --rtl " + (d / "rtl") + " --gemms 20 --seed 2" + kCache);
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("FAIL"), std::string::npos) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(mismatch in tile \d+ .*row \d+, column \d+)"))) << r.out;
  EXPECT_NE(r.out.find("K-group 0: a=("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("reproduce: sysmt verify"), std::string::npos) << r.out;
}

TEST(Verify, BadInput) {
  TempDir d;
  std::ofstream(d / "bad.yaml") << "name: x\narray:\n  rows: 2\n  cols: 2\nthreads: 8\n";
  CmdResult r = run("verify " + (d / "bad.yaml") + kCache);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("bad.yaml:5:10: key 'threads'"), std::string::npos) << r.out;
  r = run("verify " + kCfg + "sysmt_2t_2x3.yaml --rtl " + (d / "nothing") + kCache);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("not a folder"), std::string::npos) << r.out;
  r = run("verify " + kCfg + "sysmt_2t_2x3.yaml --gemms 0" + kCache);
  EXPECT_EQ(r.status, 2);
}

}  // namespace
}  // namespace sysmt::test
