// `sysmt gemm` end to end: the spec's worked PE cycles as 1-row GEMMs, file outputs, and every kind of
// bad input (exit 2, a message naming file and line, no output file left behind).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/files.hpp"
#include "tb/cli/cli_runner.hpp"

namespace sysmt::test {
namespace {

const std::string kCfg = SYSMT_SOURCE_DIR "/configs/";

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(CliGemm, SpecWorkedCyclesTwoThreads) {
  TempDir d;
  write(d / "x.csv", "200,9\n200,0\n");
  write(d / "w.csv", "-37\n100\n");
  CmdResult r = run("gemm " + kCfg + "sysmt_2t_2x3.yaml --x " + (d / "x.csv") + " --w " + (d / "w.csv") + " -o " + (d / "y.csv") +
                    " --stats " + (d / "s.json"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(read_file(d / "y.csv"), "-6796\n-7400\n");
  auto j = nlohmann::json::parse(read_file(d / "s.json"));
  EXPECT_EQ(j["stats"]["pe_cycles"], 2);
  EXPECT_EQ(j["stats"]["active_threads_histogram"], nlohmann::json::array({0, 1, 1}));
  EXPECT_EQ(j["error"]["max_abs_error"], 296);  // -6796 against exact -6500
  EXPECT_NE(r.out.find("PE cycles"), std::string::npos);
}

TEST(CliGemm, SpecWorkedCyclesFourThreads) {
  TempDir d;
  write(d / "x.csv", "200,9,77,3\n200,9,0,0\n");
  write(d / "w.csv", "-37\n100\n50\n-2\n");
  CmdResult r = run("gemm " + kCfg + "sysmt_4t_4x4.yaml --x " + (d / "x.csv") + " --w " + (d / "w.csv") + " -q");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "-1958\n-6796\n");
}

TEST(CliGemm, BlockedMappingAndOneThread) {
  TempDir d;
  // K = 4, T = 2: blocked pairs k = (0, 2) and (1, 3); interleaved pairs (0, 1) and (2, 3).
  write(d / "x.csv", "200,0,9,0\n");
  write(d / "w.csv", "-37\n5\n100\n7\n");
  CmdResult r = run("gemm " + kCfg + "sysmt_2t_2x3.yaml -q --mapping blocked --x " + (d / "x.csv") + " --w " + (d / "w.csv"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "-6796\n");  // (200, 9) share a group: reduced
  r = run("gemm " + kCfg + "sysmt_2t_2x3.yaml -q --x " + (d / "x.csv") + " --w " + (d / "w.csv"));
  EXPECT_EQ(r.out, "-6500\n");  // each group has one active thread: exact
  r = run("gemm " + kCfg + "sysmt_1t_2x3.yaml -q --mapping blocked --x " + (d / "x.csv") + " --w " + (d / "w.csv"));
  EXPECT_EQ(r.out, "-6500\n");
}

struct BadCase {
  std::string name, x, w, expect;
};

TEST(CliGemm, BadInputsExit2AndWriteNothing) {
  const std::vector<BadCase> cases = {
      {"non_integer", "1,2\n3,x\n", "1\n2\n", "x.csv:2: column 2: 'x' is not a decimal integer"},
      {"act_range", "1,256\n", "1\n2\n", "x.csv:1: column 2: activation 256 is out of range 0..255"},
      {"act_negative", "-1,2\n", "1\n2\n", "x.csv:1: column 1: activation -1 is out of range 0..255"},
      {"wgt_range", "1,2\n", "1\n-129\n", "w.csv:2: column 1: weight -129 is out of range -128..127"},
      {"ragged", "1,2\n3\n", "1\n2\n", "x.csv:2: ragged row: 1 values where line 1 has 2"},
      {"k_mismatch", "1,2,3\n", "1\n2\n", "K mismatch"},
      {"empty", "", "1\n2\n", "x.csv: empty matrix"},
      {"blank_inside", "1,2\n\n3,4\n", "1\n2\n", "x.csv:2: blank line inside the matrix"},
      {"float", "1.5,2\n", "1\n2\n", "'1.5' is not a decimal integer"},
  };
  for (const BadCase& c : cases) {
    TempDir d;
    write(d / "x.csv", c.x);
    write(d / "w.csv", c.w);
    CmdResult r = run("gemm " + kCfg + "sysmt_2t_2x3.yaml --x " + (d / "x.csv") + " --w " + (d / "w.csv") + " -o " + (d / "y.csv") +
                      " --stats " + (d / "s.json"));
    EXPECT_EQ(r.status, 2) << c.name << ": " << r.out;
    EXPECT_NE(r.out.find(c.expect), std::string::npos) << c.name << ": " << r.out;
    EXPECT_FALSE(std::filesystem::exists(d / "y.csv")) << c.name;
    EXPECT_FALSE(std::filesystem::exists(d / "s.json")) << c.name;
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(d.path), {}), 2) << c.name << ": stray files";
  }
}

TEST(CliGemm, MissingFilesAndBadConfigs) {
  TempDir d;
  write(d / "x.csv", "1,2\n");
  write(d / "w.csv", "1\n2\n");
  CmdResult r = run("gemm " + kCfg + "sysmt_2t_2x3.yaml --x " + (d / "nope.csv") + " --w " + (d / "w.csv") + " -o " + (d / "y.csv"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("nope.csv: cannot open"), std::string::npos) << r.out;
  write(d / "bad.yaml", "name: t\narray:\n  rows: 2\n  cols: 2\nthreads: 3\n");
  r = run("gemm " + (d / "bad.yaml") + " --x " + (d / "x.csv") + " --w " + (d / "w.csv") + " -o " + (d / "y.csv"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("bad.yaml:5:10: key 'threads'"), std::string::npos) << r.out;
  r = run("gemm " + kCfg + "nope.yaml --x " + (d / "x.csv") + " --w " + (d / "w.csv"));
  EXPECT_EQ(r.status, 2);
  r = run("gemm " + kCfg + "sysmt_2t_2x3.yaml --x " + (d / "x.csv") + " --w " + (d / "w.csv") + " --mapping diagonal");
  EXPECT_EQ(r.status, 2);
  r = run("gemm " + kCfg + "sysmt_2t_2x3.yaml --x " + (d / "x.csv") + " --w " + (d / "w.csv") + " -o " + (d / "missing/y.csv"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("does not exist"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(d / "y.csv"));
}

TEST(CliGemm, HelpOnEverySubcommand) {
  CmdResult r = run("--help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("gemm"), std::string::npos);
  r = run("gemm --help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("--mapping"), std::string::npos);
  EXPECT_EQ(run("frobnicate").status, 2);
}

TEST(CliGemm, RandomIsReproducible) {
  TempDir d;
  CmdResult a = run("gemm " + kCfg + "sysmt_4t_4x4.yaml --random 9x37x5 --seed 3 -q");
  CmdResult b = run("gemm " + kCfg + "sysmt_4t_4x4.yaml --random 9x37x5 --seed 3 -q");
  CmdResult c = run("gemm " + kCfg + "sysmt_4t_4x4.yaml --random 9x37x5 --seed 4 -q");
  EXPECT_EQ(a.status, 0);
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out, c.out);
  EXPECT_EQ(run("gemm " + kCfg + "sysmt_4t_4x4.yaml --random 9x0x5").status, 2);
}

}  // namespace
}  // namespace sysmt::test
