// The verification cache and trace of `sysmt verify` (issue 11 items 9, 10 and 13): the model is keyed
// by the design's content, so a renamed config reuses it; a damaged entry is rebuilt with a note; a trace
// is put in place only when the run wrote it. (Bad --cache, --rtl manifests and trace folders fail before
// any build: tb/cli/test_bad_input.cpp.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "common/files.hpp"
#include "tb/cli/cli_runner.hpp"

namespace sysmt::test {
namespace {

namespace fs = std::filesystem;

const std::string kCfg = SYSMT_SOURCE_DIR "/configs/sysmt_2t_2x3.yaml";
const std::string kCache = " --cache " SYSMT_VERIFY_CACHE;

// The cache entry a run used ("reused from DIR" or "cached in DIR").
fs::path entry_of(const std::string& out) {
  std::smatch m;
  if (std::regex_search(out, m, std::regex(R"((?:reused from|cached in) (\S+))"))) return m[1].str();
  return {};
}

TEST(VerifyReliability, RenamedConfigReusesTheModel) {
  CmdResult r = run("verify " + kCfg + " --gemms 2 --seed 1" + kCache);
  ASSERT_EQ(r.status, 0) << r.out;
  TempDir d;
  fs::copy_file(kCfg, d / "a_new_file_name.yaml");
  r = run("verify " + (d / "a_new_file_name.yaml") + " --gemms 2 --seed 1" + kCache);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("model     reused from"), std::string::npos) << "a renamed config rebuilt the model:\n" << r.out;
  // A copy of the generated RTL (its header names the config file) reuses it too.
  ASSERT_EQ(run("generate " + (d / "a_new_file_name.yaml") + " -q -o " + (d / "rtl")).status, 0);
  r = run("verify " + kCfg + " --rtl " + (d / "rtl") + " --gemms 2 --seed 1" + kCache);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("model     reused from"), std::string::npos) << r.out;
}

TEST(VerifyReliability, DamagedEntryIsRebuiltWithANote) {
  CmdResult r = run("verify " + kCfg + " --gemms 2 --seed 1" + kCache);
  ASSERT_EQ(r.status, 0) << r.out;
  const fs::path shared = entry_of(r.out);
  ASSERT_FALSE(shared.empty()) << r.out;
  // A private copy of the entry, damaged as the issue did: the model binary truncated.
  TempDir d;
  fs::create_directories(d.path / "cache");
  const fs::path entry = d.path / "cache" / shared.filename();
  fs::copy(shared, entry, fs::copy_options::recursive);
  r = run("verify " + kCfg + " --gemms 2 --seed 1 --cache " + (d / "cache"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("model     reused from"), std::string::npos) << "an intact copy is reused:\n" << r.out;
  fs::resize_file(entry / "obj" / "Vdut", fs::file_size(entry / "obj" / "Vdut") / 2);
  r = run("verify " + kCfg + " --gemms 2 --seed 1 --cache " + (d / "cache"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("is damaged (obj/Vdut changed size"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rebuilding it"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASS"), std::string::npos) << r.out;
  // Healed: the next run reuses it, and nothing but the entry is in the cache.
  r = run("verify " + kCfg + " --gemms 2 --seed 1 --cache " + (d / "cache"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("model     reused from"), std::string::npos) << r.out;
  EXPECT_EQ(std::distance(fs::directory_iterator(d.path / "cache"), {}), 1);
}

TEST(VerifyReliability, TraceIsWrittenAndListed) {
  TempDir d;
  CmdResult r = run("verify " + kCfg + " --gemms 1 --seed 1 --trace " + (d / "t.fst") + kCache);
  ASSERT_EQ(r.status, 0) << r.out;
  ASSERT_TRUE(fs::is_regular_file(d / "t.fst")) << r.out;
  EXPECT_GT(fs::file_size(d / "t.fst"), 100u);
  EXPECT_NE(r.out.find("trace     " + (d / "t.fst")), std::string::npos) << r.out;
  EXPECT_EQ(std::distance(fs::directory_iterator(d.path), {}), 1) << "a temporary stayed beside the trace";
}

}  // namespace
}  // namespace sysmt::test
