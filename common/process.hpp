// External tools (Verilator, Yosys, OpenSTA, gnuplot, make, the compiler) run in their own process
// group with their output in a log, with a progress line while they run. SIGINT and SIGTERM stop every
// running tool's group, remove the temporaries registered here, print one line naming what was
// interrupted and exit 130 or 143 (docs/reliability.md).
#pragma once

#include <filesystem>
#include <string>

namespace sysmt {

// `s` as one single-quoted shell word.
std::string shell_quote(const std::string& s);
// The last `lines` lines of a file ("" when it cannot be read): for quoting a tool's log in an error.
std::string tail_lines(const std::filesystem::path& f, size_t lines);

// True when `program` is an executable on PATH.
bool on_path(const std::string& program);

struct RunOptions {
  std::filesystem::path dir;  // working folder ("" = the current one)
  std::filesystem::path log;  // stdout and stderr go here ("" = /dev/null)
  std::string progress;       // when set, "[progress] ... N s" lines on stderr while it runs (tty: in place)
};

struct RunResult {
  int exit_code = 0;  // the tool's exit status, or 128 + signal when a signal ended it
  double seconds = 0;
};

// Runs `command` with /bin/sh -c, in its own process group, and waits for it. Its TMPDIR is a private
// folder of this sysmt process (tool_tmpdir()), removed at exit and on an interrupt.
RunResult run_command(const std::string& command, const RunOptions& o = {});

// run_command, then ToolError "`what` failed" with the command that reproduces it (cd DIR && ...) and
// the log's last lines when the exit status is not 0. Returns the wall time in seconds.
double run_tool(const std::string& command, const std::string& what, const RunOptions& o = {});

// The private temporary folder of the tools this process runs (created on first use).
std::filesystem::path tool_tmpdir();

// --- Interrupts -------------------------------------------------------------------------------------

// Blocks SIGINT and SIGTERM in every thread and starts the thread that handles them. Call first thing in
// main, before any other thread starts. `what` names the command for the interrupt message.
void install_interrupt_handler();
void set_interrupt_context(const std::string& what);

// Temporaries removed on an interrupt (files or folders). OutputSet and caches register theirs.
void register_temporary(const std::filesystem::path& p);
void unregister_temporary(const std::filesystem::path& p);

}  // namespace sysmt
