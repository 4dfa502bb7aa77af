// Reading input files, showing their bytes safely in messages, and where sysmt's installed data lives.
#pragma once

#include <filesystem>
#include <string>

namespace sysmt {

// Reads a whole regular file; InputError naming it when it cannot be read, is a folder, is not a
// regular file (FIFO, device such as /dev/zero, socket: these could block or never end), or is larger
// than the memory limit allows (common/limits.hpp).
std::string read_file(const std::filesystem::path& path);

// `text` without a leading UTF-8 byte order mark (EF BB BF). Every reader of a text input (config,
// matrix CSV, workload) skips one at the very start of the file the same way (docs/reliability.md).
std::string strip_bom(const std::string& text);

// `s` made safe to print in one line of a message: control bytes (NUL, CR, LF, TAB, ESC, DEL ...) as
// \0 \r \n \t \xHH, bytes that are not valid UTF-8 as \xHH, and the invisible byte order mark as \uFEFF.
std::string visible(const std::string& s);

// Where the files sysmt reads at run time live (verification harness, synthesis templates, named
// configs and workloads): $SYSMT_DATA_DIR when set, else share/sysmt beside the binary's bin/ folder
// (<prefix>/share/sysmt when installed, <build>/share/sysmt in the build tree).
std::filesystem::path data_dir();
// data_dir() / rel; ToolError naming the folder when it does not exist (an incomplete installation).
std::filesystem::path data_file(const std::filesystem::path& rel);

// The cache folder of one kind of built model ("verify", "energy"): $SYSMT_CACHE/KIND, else
// $XDG_CACHE_HOME/sysmt/KIND, else ~/.cache/sysmt/KIND, else <temp>/sysmt-KIND.
std::filesystem::path cache_dir(const std::string& kind);

}  // namespace sysmt
