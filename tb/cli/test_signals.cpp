// Interrupts (issue 11 items 7 and 8): SIGINT and SIGTERM sent to a running `sysmt verify` (during its
// Verilator build) and `sysmt synth` (during Yosys) end it with 130 / 143 and one line saying what was
// interrupted; the tools' process groups are gone, and no temporary is left: no cache entry or .tmpPID
// folder, no output .tmpPID, no private TMPDIR (where Yosys's abc and the compiler put theirs).
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>
#include <vector>

#include "common/files.hpp"
#include "tb/cli/cli_runner.hpp"

extern char** environ;

namespace sysmt::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct ProcInfo {
  pid_t pid, ppid, pgid;
  std::string comm;
};

std::vector<ProcInfo> processes() {
  std::vector<ProcInfo> v;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    const size_t open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state;
    ProcInfo p{static_cast<pid_t>(std::stol(name)), 0, 0, line.substr(open + 1, close - open - 1)};
    rest >> state >> p.ppid >> p.pgid;
    v.push_back(p);
  }
  return v;
}

// Runs sysmt in the background (its own process group, as a shell job would be), output in `log`, with
// TMPDIR set to `tmp`: whatever sysmt or its tools leave in their temporary folder shows up there.
pid_t start(const std::vector<std::string>& args, const fs::path& log, const fs::path& tmp) {
  std::vector<std::string> env_text{"TMPDIR=" + tmp.string()};
  for (char** e = environ; *e; ++e)
    if (std::string(*e).rfind("TMPDIR=", 0) != 0) env_text.emplace_back(*e);
  std::vector<char*> envp;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string bin = sysmt_bin();
  std::vector<char*> argv{const_cast<char*>(bin.c_str())};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  posix_spawnattr_setpgroup(&at, 0);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, bin.c_str(), &fa, &at, argv.data(), envp.data()), 0);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  return pid;
}

// The process group of the tool sysmt started (its child in another group), once a process whose
// command is `tool` runs in it; 0 when sysmt ended or nothing showed up within the time limit.
pid_t wait_for_tool(pid_t sysmt, const std::string& tool, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (::waitpid(sysmt, nullptr, WNOHANG) != 0) return 0;
    const auto ps = processes();
    for (const ProcInfo& c : ps)
      if (c.ppid == sysmt && c.pgid == c.pid && c.pgid != sysmt)
        for (const ProcInfo& p : ps)
          if (p.pgid == c.pgid && p.comm == tool) return c.pgid;
    std::this_thread::sleep_for(100ms);
  }
  return 0;
}

bool group_alive(pid_t g) { return ::kill(-g, 0) == 0; }

// The yosys-abc-XXXXXX folders named on the command lines of group `g`: where Yosys's abc pass works
// (under $TMPDIR).
std::vector<fs::path> abc_dirs(pid_t g) {
  std::vector<fs::path> v;
  const std::string tag = "yosys-abc-";
  for (const ProcInfo& p : processes()) {
    if (p.pgid != g) continue;
    std::ifstream in("/proc/" + std::to_string(p.pid) + "/cmdline", std::ios::binary);
    for (std::string arg; std::getline(in, arg, '\0');)
      if (const size_t at = arg.find(tag); at != std::string::npos) v.push_back(arg.substr(0, at + tag.size() + 6));
  }
  return v;
}

struct Outcome {
  int status = -1;
  std::string log;
};

Outcome interrupt(pid_t sysmt, pid_t group, int sig, const fs::path& log, const fs::path& tmp) {
  EXPECT_TRUE(group_alive(group));
  ::kill(sysmt, sig);
  int st = 0;
  EXPECT_EQ(::waitpid(sysmt, &st, 0), sysmt);
  Outcome o;
  o.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  o.log = read_file(log);
  // Nothing of the tools outlives sysmt (allow the kernel a moment to reap the killed processes).
  for (int i = 0; i < 30 && group_alive(group); ++i) std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(group_alive(group)) << "processes of the tool's group " << group << " outlived sysmt";
  // Nothing in the temporary folder: no private TMPDIR of sysmt, no yosys-abc-* of Yosys, no compiler files.
  for (const auto& e : fs::directory_iterator(tmp)) ADD_FAILURE() << e.path() << " left behind in TMPDIR";
  return o;
}

void expect_one_line(const Outcome& o, int sig, const std::string& what) {
  EXPECT_EQ(o.status, 128 + sig) << o.log;
  const std::string line = std::string("sysmt: interrupted (") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ") during " + what;
  EXPECT_NE(o.log.find(line), std::string::npos) << o.log;
  EXPECT_EQ(o.log.find("interrupted"), o.log.rfind("interrupted")) << "more than one interrupt line:\n" << o.log;
  // Nothing after it, and no tool failure or internal error reported on the way.
  EXPECT_EQ(o.log.find('\n', o.log.find(line)), o.log.size() - 1) << o.log;
  for (const char* bad : {"failed", "error", "basic_string"}) EXPECT_EQ(o.log.find(bad), std::string::npos) << bad << " in:\n" << o.log;
}

std::vector<std::string> leftovers(const fs::path& dir) {
  std::vector<std::string> v;
  if (!fs::exists(dir)) return v;
  for (const auto& e : fs::recursive_directory_iterator(dir)) v.push_back(fs::relative(e.path(), dir).string());
  return v;
}

void verify_interrupted(int sig) {
  TempDir d;
  std::ofstream(d / "s.yaml") << "name: sig_" << sig << "\narray:\n  rows: 2\n  cols: 2\nthreads: 2\n";
  const fs::path log = d.path / "log.txt";
  fs::create_directory(d.path / "cache");
  fs::create_directory(d.path / "tmp");
  const pid_t pid = start({"verify", d / "s.yaml", "--gemms", "2", "--cache", d / "cache"}, log, d.path / "tmp");
  const pid_t group = wait_for_tool(pid, "cc1plus", 120s);  // the Verilator build has reached the compiler
  ASSERT_NE(group, 0) << read_file(log);
  std::this_thread::sleep_for(1s);
  const Outcome o = interrupt(pid, group, sig, log, d.path / "tmp");
  expect_one_line(o, sig, "sysmt verify");
  EXPECT_EQ(leftovers(d.path / "cache"), std::vector<std::string>{}) << "a partial model stayed in the cache";
}

void synth_interrupted(int sig) {
  TempDir d;
  std::ofstream(d / "s.yaml") << "name: sig_" << sig << "\narray:\n  rows: 2\n  cols: 2\nthreads: 2\n";
  const fs::path log = d.path / "log.txt";
  fs::create_directory(d.path / "tmp");
  const pid_t pid = start({"synth", d / "s.yaml", "-o", d / "out"}, log, d.path / "tmp");
  // Wait until Yosys has started abc in its own folder, then interrupt at once.
  pid_t group = 0;
  std::vector<fs::path> abc;
  for (int i = 0; i < 100 && abc.empty(); ++i) {
    group = wait_for_tool(pid, "berkeley-abc", 120s);
    ASSERT_NE(group, 0) << read_file(log);
    abc = abc_dirs(group);
  }
  ASSERT_FALSE(abc.empty()) << "abc's folder not found";
  const Outcome o = interrupt(pid, group, sig, log, d.path / "tmp");
  for (const fs::path& a : abc) EXPECT_FALSE(fs::exists(a)) << a << " (abc's folder) left behind";
  expect_one_line(o, sig, "sysmt synth");
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(d.path)) left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"log.txt", "s.yaml", "tmp"})) << "an output or its temporary stayed";
}

TEST(Signals, VerifySigterm) { verify_interrupted(SIGTERM); }
TEST(Signals, VerifySigint) { verify_interrupted(SIGINT); }
TEST(Signals, SynthSigterm) { synth_interrupted(SIGTERM); }
TEST(Signals, SynthSigint) { synth_interrupted(SIGINT); }

}  // namespace
}  // namespace sysmt::test
