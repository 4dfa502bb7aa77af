// Helpers shared by the generator tests: run a tool and capture its output, per-test scratch folders,
// configs from YAML text, and the generated files of one config.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "gen/rtl_generate.hpp"

namespace sysmt::test {

namespace fs = std::filesystem;

struct RunResult {
  int status = -1;
  std::string output;  // stdout and stderr together
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs `cmd` with /bin/sh in folder `dir`, stderr merged into stdout.
inline RunResult run(const std::string& cmd, const fs::path& dir = ".") {
  RunResult r;
  std::string full = "cd " + shell_quote(dir.string()) + " && " + cmd + " 2>&1";
  FILE* p = ::popen(full.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// A fresh, empty folder for one test under the build tree (kept after the test for inspection).
inline fs::path scratch(const std::string& name) {
  fs::path d = fs::path(SYSMT_TEST_SCRATCH) / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void spit(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

inline std::string yaml(const std::string& name, int rows, int cols, int threads, int acc_bits = 32,
                        const std::string& rounding = "half_up", const std::string& zero_skip = "both") {
  std::ostringstream os;
  os << "name: " << name << "\narray:\n  rows: " << rows << "\n  cols: " << cols << "\nthreads: " << threads << "\nacc_bits: " << acc_bits
     << "\nnbsmt:\n  rounding: " << rounding << "\n  zero_skip: " << zero_skip << "\n";
  return os.str();
}

// Generates `cfg` into `dir` through the generator library and returns the Verilog file names in
// dependency order (from the file list the generator writes).
inline std::vector<std::string> generate_into(const Config& cfg, const fs::path& dir) {
  rtl::write_generated(rtl::generate_rtl(cfg), dir);
  std::vector<std::string> files;
  std::istringstream in(slurp(dir / (cfg.name + ".f")));
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) files.push_back(line);
  return files;
}

inline std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

}  // namespace sysmt::test
