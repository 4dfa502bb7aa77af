// Reading input files, and where sysmt's installed data lives.
#pragma once

#include <filesystem>
#include <string>

namespace sysmt {

// Reads a whole file; InputError naming it when it cannot be read.
std::string read_file(const std::filesystem::path& path);

// Where the files sysmt reads at run time live (verification harness, synthesis templates, named
// configs and workloads): $SYSMT_DATA_DIR when set, else share/sysmt beside the binary's bin/ folder
// (<prefix>/share/sysmt when installed, <build>/share/sysmt in the build tree).
std::filesystem::path data_dir();
// data_dir() / rel; ToolError naming the folder when it does not exist (an incomplete installation).
std::filesystem::path data_file(const std::filesystem::path& rel);

}  // namespace sysmt
