// Errors by kind, each with its exit status (README "Exit status"): bad input from the user exits 2, a
// failing or missing external tool exits 3, anything else is an internal error and exits 4.
#pragma once

#include <stdexcept>
#include <string>

namespace sysmt {

inline constexpr int kExitInput = 2;
inline constexpr int kExitTool = 3;
inline constexpr int kExitInternal = 4;

// Bad input from the user (config, matrix file, command line). Its message already names the file,
// line and key; the CLI prints it as is.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An external tool (Verilator, Yosys, OpenSTA, a compiler, gnuplot) is missing or failed, or the
// installation lacks a file the tool needs. The message says what failed, then the command that
// reproduces it and the tail of its log when there is one.
class ToolError : public std::runtime_error {
 public:
  explicit ToolError(const std::string& what) : std::runtime_error(what) {}
  ToolError(const std::string& what, const std::string& command, const std::string& log_tail)
      : std::runtime_error(what + (log_tail.empty() ? "" : "; last lines of its log:\n" + log_tail) +
                           (command.empty() ? "" : (log_tail.empty() ? "\n" : "") + std::string("command: ") + command)) {}
};

}  // namespace sysmt
