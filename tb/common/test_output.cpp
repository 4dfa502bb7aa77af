// OutputSet (common/output.hpp): outputs appear together or not at all, special targets are refused,
// links to regular files are written through, one file named twice is refused however it is spelled.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/output.hpp"
#include "tb/cli/cli_runner.hpp"

namespace sysmt::test {
namespace {

namespace fs = std::filesystem;

size_t entries(const fs::path& d) { return static_cast<size_t>(std::distance(fs::directory_iterator(d), {})); }

TEST(OutputSet, NothingAppearsUntilCommit) {
  TempDir d;
  {
    OutputSet out;
    write_file(out.file(d.path / "a.txt"), "a\n");
    write_file(out.file(d.path / "b.txt"), "b\n");
    EXPECT_FALSE(fs::exists(d.path / "a.txt"));
    out.commit();
  }
  EXPECT_EQ(read_file(d.path / "a.txt"), "a\n");
  EXPECT_EQ(read_file(d.path / "b.txt"), "b\n");
  EXPECT_EQ(entries(d.path), 2u);
}

TEST(OutputSet, AbandonedSetLeavesTargetsAndNoTemporaries) {
  TempDir d;
  std::ofstream(d.path / "a.txt") << "old\n";
  {
    OutputSet out;
    write_file(out.file(d.path / "a.txt"), "new\n");
    write_file(out.file(d.path / "b.txt"), "b\n");
    // No commit: a later failure of the command.
  }
  EXPECT_EQ(read_file(d.path / "a.txt"), "old\n");
  EXPECT_FALSE(fs::exists(d.path / "b.txt"));
  EXPECT_EQ(entries(d.path), 1u);
}

TEST(OutputSet, RefusesSpecialTargets) {
  TempDir d;
  ASSERT_EQ(::mkfifo((d.path / "p").c_str(), 0644), 0);
  fs::create_directory(d.path / "dir");
  fs::create_symlink(d.path / "missing" / "x", d.path / "dangling");
  OutputSet out;
  EXPECT_THROW(out.file(d.path / "p"), InputError);
  EXPECT_THROW(out.file("/dev/null"), InputError);
  EXPECT_THROW(out.file(d.path / "dir"), InputError);
  EXPECT_THROW(out.file(d.path / "dangling"), InputError);
  EXPECT_THROW(out.file(d.path / "nodir" / "x"), InputError);
  EXPECT_THROW(out.file(""), InputError);
  try {
    out.file(d.path / "dir");
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("is a folder"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_fifo(d.path / "p"));
}

TEST(OutputSet, WritesThroughLinkToRegularFile) {
  TempDir d;
  std::ofstream(d.path / "real.csv") << "old\n";
  fs::permissions(d.path / "real.csv", fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  fs::create_symlink("real.csv", d.path / "link.csv");
  write_file_atomic(d.path / "link.csv", "new\n");
  EXPECT_TRUE(fs::is_symlink(d.path / "link.csv"));
  EXPECT_EQ(read_file(d.path / "real.csv"), "new\n");
  EXPECT_EQ(fs::status(d.path / "real.csv").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

TEST(OutputSet, OneFileNamedTwiceIsRefused) {
  TempDir d;
  fs::create_directory(d.path / "sub");
  fs::create_symlink(d.path / "sub", d.path / "alias");
  OutputSet out;
  out.file(d.path / "sub" / "y.csv");
  EXPECT_THROW(out.file(d.path / "sub" / "y.csv"), InputError);
  EXPECT_THROW(out.file(d.path / "sub" / ".." / "sub" / "y.csv"), InputError);
  EXPECT_THROW(out.file(d.path / "alias" / "y.csv"), InputError);
}

TEST(OutputSet, FolderReplacesOnlyItsOwnOutput) {
  TempDir d;
  const auto ours = has_marker("manifest.json");
  {
    OutputSet out;
    const fs::path t = out.folder(d.path / "o", ours);
    write_file(t / "manifest.json", "{}\n");
    write_file(t / "a.v", "1\n");
    EXPECT_FALSE(fs::exists(d.path / "o"));
    out.commit();
  }
  EXPECT_EQ(read_file(d.path / "o" / "a.v"), "1\n");
  {
    OutputSet out;
    const fs::path t = out.folder(d.path / "o", ours);
    write_file(t / "manifest.json", "{}\n");
    write_file(t / "b.v", "2\n");
    out.commit();
  }
  EXPECT_FALSE(fs::exists(d.path / "o" / "a.v"));  // replaced as a whole
  EXPECT_EQ(read_file(d.path / "o" / "b.v"), "2\n");
  EXPECT_EQ(entries(d.path), 1u);  // no .tmp or .old folders left
  fs::create_directory(d.path / "foreign");
  std::ofstream(d.path / "foreign" / "notes.txt") << "keep\n";
  std::ofstream(d.path / "file") << "keep\n";
  OutputSet out;
  EXPECT_THROW(out.folder(d.path / "foreign", ours), InputError);
  EXPECT_THROW(out.folder(d.path / "file", ours), InputError);
  EXPECT_EQ(read_file(d.path / "foreign" / "notes.txt"), "keep\n");
}

}  // namespace
}  // namespace sysmt::test
