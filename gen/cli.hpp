// The `sysmt` command line: each subcommand registers itself from its own cli_*.cpp file.
#pragma once

#include <CLI/CLI.hpp>

namespace sysmt::cli {

void add_gemm(CLI::App& app);

}  // namespace sysmt::cli
