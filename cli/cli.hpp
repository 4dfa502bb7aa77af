// The `sysmt` command line: each subcommand lives in its own gen/cli_*.cpp and registers itself with
// a static `Register` object, so adding a subcommand touches no shared file.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <utility>
#include <vector>

namespace sysmt::cli {

using Registrar = std::function<void(CLI::App&)>;

// Subcommands in the order they are listed by --help.
inline std::vector<std::pair<int, Registrar>>& registry() {
  static std::vector<std::pair<int, Registrar>> r;
  return r;
}

struct Register {
  Register(int order, Registrar f) { registry().emplace_back(order, std::move(f)); }
};

}  // namespace sysmt::cli
