// Runs the sysmt binary in a test: exit status plus everything it printed.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace sysmt::test {

struct CmdResult {
  int status = -1;
  std::string out;  // stdout and stderr together
};

// The binary under test: SYSMT_BIN, or $SYSMT_TEST_BIN when set (to run the same tests against another
// build, for example the one before a fix).
inline std::string sysmt_bin() {
  const char* e = std::getenv("SYSMT_TEST_BIN");
  return e && *e ? e : SYSMT_BIN;
}

// `prefix` (for example "timeout 60" or "VAR=x") is put before the command, for that run only.
inline CmdResult run(const std::string& args, const std::string& prefix = "") {
  CmdResult r;
  std::string cmd = (prefix.empty() ? "" : prefix + " ") + sysmt_bin() + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// A fresh empty folder under the system temp folder, removed at scope exit.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sysmt-test-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string operator/(const std::string& f) const { return (path / f).string(); }
};

}  // namespace sysmt::test
