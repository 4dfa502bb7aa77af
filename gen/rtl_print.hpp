// Stage 4 of the generator: prints a checked structural description as Verilog-2005, one file per module.
// The printer only formats what the builder decided; the same design always gives the same bytes.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "gen/rtl_ir.hpp"

namespace sysmt::rtl {

// What every file header says about its origin (no timestamps, no absolute paths).
struct Provenance {
  std::string generator;    // e.g. "sysmt generate 0.1.0"
  std::string config_file;  // basename of the config file
  std::string config_ref;   // the config as the regenerate command names it: configs/NAME.yaml for a named
                            // config (a file in a folder called configs), else the base name
  std::string config_hash;  // Config::hash()
};

// (file name, contents) for every module: "<module>.v".
std::vector<std::pair<std::string, std::string>> print_design(const Design& d, const Provenance& p);

}  // namespace sysmt::rtl
