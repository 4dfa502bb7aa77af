// Shared plumbing for every sysmt tool: the one error type for bad input, atomic file output
// (write a temporary, then rename, so a failure never leaves a half-written file) and hashing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "common/error.hpp"

namespace sysmt {

// Writes `content` to `path` through a temporary file in the same folder and a rename.
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

// Reads a whole file; throws InputError naming it when it cannot be read.
std::string read_file(const std::filesystem::path& path);

// 64-bit FNV-1a, printed as 16 hex digits: stable across platforms, used to key caches and to stamp
// generated files with the config they came from.
std::uint64_t fnv1a64(const std::string& data);

// `s` as one single-quoted shell word.
std::string shell_quote(const std::string& s);
// The last `lines` lines of a file ("" when it cannot be read): for quoting a tool's log in an error.
std::string tail_lines(const std::filesystem::path& f, size_t lines);
std::string hex64(std::uint64_t v);

// Where the files sysmt reads at run time live (verification harness, synthesis templates, named
// configs and workloads): $SYSMT_DATA_DIR when set, else share/sysmt beside the binary's bin/ folder
// (<prefix>/share/sysmt when installed, <build>/share/sysmt in the build tree).
std::filesystem::path data_dir();
// data_dir() / rel; ToolError naming the folder when it does not exist (an incomplete installation).
std::filesystem::path data_file(const std::filesystem::path& rel);

}  // namespace sysmt
