// Errors by kind (README "Exit status"): bad input exits 2, a missing or failing external tool or an
// incomplete installation exits 3 with the command that reproduces it; the installed-data lookup
// honours SYSMT_DATA_DIR. Covers synth and verify with their tools hidden, and a data folder removed.
#include <gtest/gtest.h>

#include <string>

#include "tb/cli/cli_runner.hpp"

namespace sysmt::test {
namespace {

const std::string kConfig = std::string(SYSMT_SOURCE_DIR) + "/configs/sysmt_2t_1x1.yaml";

TEST(ExitStatus, BadInputIs2) {
  TempDir d;
  const CmdResult r = run("synth " + d / "missing.yaml");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("missing.yaml"), std::string::npos) << r.out;
}

TEST(ExitStatus, MissingSynthesisToolIs3) {
  TempDir d;
  // An empty PATH hides yosys and sta; the shell the tool checks run in is found by absolute path.
  const CmdResult r = run("synth " + kConfig + " -o " + d / "out", "PATH=" + d.path.string());
  EXPECT_EQ(r.status, 3) << r.out;
  EXPECT_NE(r.out.find("yosys"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(d / "out"));
}

TEST(ExitStatus, MissingVerilatorIs3) {
  TempDir d;
  const CmdResult r = run("verify " + kConfig + " --cache " + d / "cache", "PATH=" + d.path.string());
  EXPECT_EQ(r.status, 3) << r.out;
  EXPECT_NE(r.out.find("verilator"), std::string::npos) << r.out;
}

TEST(ExitStatus, IncompleteInstallationIs3AndNamesTheDataFolder) {
  TempDir d;
  const CmdResult r = run("verify " + kConfig + " --cache " + d / "cache", "SYSMT_DATA_DIR=" + d / "nowhere");
  EXPECT_EQ(r.status, 3) << r.out;
  EXPECT_NE(r.out.find("nowhere"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("installation is incomplete"), std::string::npos) << r.out;
}

TEST(ExitStatus, FailingToolIs3WithTheCommandAndItsLog) {
  TempDir d;
  // A yosys that fails: the message must carry the command that reproduces it and the log's tail.
  const std::string bin = d / "bin";
  std::filesystem::create_directories(bin);
  const std::string fake = bin + "/yosys";
  FILE* f = std::fopen(fake.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("#!/bin/sh\necho 'fake yosys: synthetic failure for the test' >&2\nexit 7\n", f);
  std::fclose(f);
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  const CmdResult r = run("synth " + kConfig + " -o " + d / "out", "PATH=" + bin + ":$PATH");
  EXPECT_EQ(r.status, 3) << r.out;
  EXPECT_NE(r.out.find("synthetic failure for the test"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("yosys"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(d / "out"));
}

}  // namespace
}  // namespace sysmt::test
