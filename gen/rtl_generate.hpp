// The generator pipeline: config -> structural description (rtl_build) -> check (rtl_ir) -> Verilog
// (rtl_print) plus a JSON manifest and a file list, written to a temporary folder and renamed into place.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "gen/rtl_build.hpp"

namespace sysmt::rtl {

struct GeneratedFile {
  std::string name;  // file name inside the output folder
  std::string content;
};

struct Generated {
  ArrayFacts facts;
  std::vector<GeneratedFile> files;  // modules (leaves first, top last), <name>.f, <name>.json
};

// Pure: the same config gives the same bytes.
Generated generate_rtl(const Config& c);

// Writes every file into `dir` through a temporary sibling folder and a rename. An existing `dir` is
// replaced only when it is empty or holds an earlier sysmt output; otherwise InputError.
void write_generated(const Generated& g, const std::filesystem::path& dir);

}  // namespace sysmt::rtl
