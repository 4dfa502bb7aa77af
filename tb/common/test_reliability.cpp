// The reliability units of common/: printable bytes, byte order marks, strict numbers, memory limits and
// their estimates, stamped cache entries, tool runs (their temporaries, a failing tool's log).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/cache.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/limits.hpp"
#include "common/process.hpp"
#include "tb/cli/cli_runner.hpp"

namespace sysmt::test {
namespace {

namespace fs = std::filesystem;

TEST(Visible, EscapesControlBytesAndInvisibleMarks) {
  EXPECT_EQ(visible(std::string("a\0b", 3)), "a\\0b");
  EXPECT_EQ(visible("a\rb\nc\td"), "a\\rb\\nc\\td");
  EXPECT_EQ(visible("\x1b[31m\x7f"), "\\x1B[31m\\x7F");
  EXPECT_EQ(visible("\xEF\xBB\xBFx"), "\\uFEFFx");
  EXPECT_EQ(visible("caf\xC3\xA9 \xE2\x82\xAC"), "caf\xC3\xA9 \xE2\x82\xAC");  // valid UTF-8 stays
  EXPECT_EQ(visible("\xFF\xC3"), "\\xFF\\xC3");                                // invalid bytes escaped
  EXPECT_EQ(visible("\xC2\x85"), "\\xC2\\x85");                                // a C1 control
}

TEST(Visible, StripBomOnlyAtTheStart) {
  EXPECT_EQ(strip_bom("\xEF\xBB\xBF"
                      "1,2"),
            "1,2");
  EXPECT_EQ(strip_bom("1,\xEF\xBB\xBF"), "1,\xEF\xBB\xBF");
  EXPECT_EQ(strip_bom(""), "");
}

TEST(Limits, StrictUnsigned) {
  EXPECT_EQ(parse_u64("0", "--seed"), 0u);
  EXPECT_EQ(parse_u64("18446744073709551615", "--seed"), UINT64_MAX);
  for (const char* bad : {"", "-5", "+5", " 5", "5 ", "18446744073709551616", "99999999999999999999999", "0x10", "1e3"})
    EXPECT_THROW(parse_u64(bad, "--seed"), InputError) << bad;
  EXPECT_EQ(parse_u64("2147483647", "M", 2147483647), 2147483647u);
  EXPECT_THROW(parse_u64("2147483648", "M", 2147483647), InputError);
  EXPECT_THROW(parse_u64("4294967297", "M", 2147483647), InputError);  // no wrap to 1
}

TEST(Limits, MemorySizesAndTheCheck) {
  EXPECT_EQ(parse_memory_size("1000", "--max-memory"), 1000u);
  EXPECT_EQ(parse_memory_size("512K", "--max-memory"), 512u << 10);
  EXPECT_EQ(parse_memory_size("8G", "--max-memory"), 8ull << 30);
  EXPECT_EQ(parse_memory_size("8GiB", "--max-memory"), 8ull << 30);
  EXPECT_EQ(parse_memory_size("2MB", "--max-memory"), 2ull << 20);
  EXPECT_EQ(parse_memory_size("50%", "--max-memory"), physical_memory() / 100 * 50);
  for (const char* bad : {"", "0", "G", "-1G", "101%", "0%", "1.5G", "lots", "99999999999999T"})
    EXPECT_THROW(parse_memory_size(bad, "--max-memory"), InputError) << bad;
  EXPECT_EQ(sat_mul(UINT64_MAX / 2, 3), UINT64_MAX);
  EXPECT_EQ(sat_add(UINT64_MAX, 1), UINT64_MAX);
  EXPECT_EQ(human_bytes(1536), "1.5 KiB");

  EXPECT_EQ(memory_limit(), physical_memory() / 4 * 3);  // the default
  set_memory_limit(1 << 20);
  EXPECT_NO_THROW(check_memory(1 << 20, "x"));
  try {
    check_memory((1 << 20) + 1, "the GEMM");
    ADD_FAILURE() << "no error over the limit";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "the GEMM needs about 1.0 MiB of memory, over the limit of 1.0 MiB (--max-memory)");
  }
  set_memory_limit(0);
}

TEST(Limits, ReadFileRefusesEndlessAndHugeInputs) {
  EXPECT_THROW(read_file("/dev/zero"), InputError);
  TempDir d;
  std::ofstream(d.path / "f.csv") << std::string(4096, '1');
  set_memory_limit(1000);
  EXPECT_THROW(read_file(d.path / "f.csv"), InputError);  // 4 x 4 KiB estimated
  set_memory_limit(0);
  EXPECT_EQ(read_file(d.path / "f.csv").size(), 4096u);
}

// A cache entry counts only with a stamp written last; any damage to a listed file is detected.
TEST(Cache, StampedEntriesDetectDamage) {
  TempDir d;
  const fs::path e = d.path / "entry";
  EXPECT_EQ(check_cache_entry(e, "k1"), "missing");
  fs::create_directories(e / "obj");
  std::ofstream(e / "obj" / "Vdut") << std::string(100000, 'x');
  EXPECT_NE(check_cache_entry(e, "k1").find("no stamp"), std::string::npos);
  write_cache_stamp(e, "k1", "test", {"obj/Vdut"});
  EXPECT_EQ(check_cache_entry(e, "k1"), "");
  EXPECT_NE(check_cache_entry(e, "k2").find("another build"), std::string::npos);

  fs::resize_file(e / "obj" / "Vdut", 5000);  // truncated
  EXPECT_NE(check_cache_entry(e, "k1").find("obj/Vdut changed size"), std::string::npos);
  std::ofstream(e / "obj" / "Vdut") << std::string(99999, 'x') << 'y';  // same size, other content
  EXPECT_NE(check_cache_entry(e, "k1").find("changed content"), std::string::npos);
  fs::remove(e / "obj" / "Vdut");  // deleted
  EXPECT_NE(check_cache_entry(e, "k1").find("obj/Vdut is missing"), std::string::npos);
  std::ofstream(e / kCacheStampName) << "{ truncated";
  EXPECT_NE(check_cache_entry(e, "k1").find("unreadable"), std::string::npos);
}

TEST(Process, ToolsGetAPrivateTmpdirAndFailuresQuoteTheLog) {
  TempDir d;
  const fs::path out = d.path / "out.txt";
  ASSERT_EQ(run_command("echo \"$TMPDIR\"", RunOptions{"", out, ""}).exit_code, 0);
  const std::string tmp = read_file(out).substr(0, read_file(out).size() - 1);
  EXPECT_EQ(fs::path(tmp), tool_tmpdir());
  EXPECT_TRUE(fs::is_directory(tmp));
  EXPECT_NE(tmp.find("sysmt-"), std::string::npos);
  // A tool that fails with an empty log (the "basic_string::substr" came from here).
  try {
    run_tool("true > /dev/null; exit 3", "the tool", RunOptions{"", d.path / "empty.log", ""});
    ADD_FAILURE() << "no ToolError";
  } catch (const ToolError& e) {
    EXPECT_NE(std::string(e.what()).find("the tool failed (exit status 3)"), std::string::npos) << e.what();
  }
  EXPECT_EQ(tail_lines(d.path / "empty.log", 5), "");
  std::ofstream(d.path / "three.log") << "a\nb\nc\n";
  EXPECT_EQ(tail_lines(d.path / "three.log", 2), "b\nc\n");
}

}  // namespace
}  // namespace sysmt::test
