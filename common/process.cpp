// External tools in their own process groups, and the interrupt handler that stops them.
#include "common/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "common/error.hpp"

extern char** environ;

namespace sysmt {

namespace fs = std::filesystem;

namespace {

std::mutex g_mutex;        // guards the three below
std::set<pid_t> g_groups;  // process groups of running tools
std::set<std::string> g_temporaries;
std::string g_context = "sysmt";
std::atomic<bool> g_interrupted{false};
std::string g_tool_tmpdir;  // the tools' private TMPDIR (created on the first run_command)

// True while any process of group `g` exists. The group's leader is our child: reap it first, so that
// a zombie leader does not count as running.
bool group_alive(pid_t g) {
  int st = 0;
  ::waitpid(g, &st, WNOHANG);
  return ::kill(-g, 0) == 0;
}

void stop_groups_and_exit(int sig) {
  g_interrupted = true;
  std::lock_guard<std::mutex> lock(g_mutex);
  const size_t stopped = g_groups.size();
  for (pid_t g : g_groups) ::kill(-g, SIGTERM);
  // Give the tools two seconds to end (make removes its half-built targets), then make sure, and wait
  // until every group is gone so that nothing outlives sysmt.
  for (int i = 0; i < 200; ++i) {
    bool alive = false;
    for (pid_t g : g_groups) alive = group_alive(g) || alive;
    if (!alive) break;
    if (i == 20)
      for (pid_t g : g_groups) ::kill(-g, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  size_t removed = 0;
  for (const std::string& p : g_temporaries) {
    std::error_code ec;
    if (fs::remove_all(p, ec) > 0 && !ec) ++removed;
  }
  std::fprintf(stderr, "%ssysmt: interrupted (%s) during %s; stopped %zu running tool(s), removed %zu temporary file(s)\n",
               ::isatty(STDERR_FILENO) ? "\n" : "", sig == SIGINT ? "SIGINT" : "SIGTERM", g_context.c_str(), stopped, removed);
  std::fflush(stderr);
  ::_exit(128 + sig);
}

// The environment of a tool: ours with TMPDIR pointing at a private folder that an interrupt removes
// (Yosys's abc, the compiler and others leave their temporaries there when they are killed).
std::vector<std::string> tool_environment() {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_tool_tmpdir.empty()) {
      const char* base = std::getenv("TMPDIR");
      std::string tmpl = std::string(base && *base ? base : "/tmp") + "/sysmt-" + std::to_string(::getpid()) + "-XXXXXX";
      if (::mkdtemp(tmpl.data())) {
        g_tool_tmpdir = tmpl;
        g_temporaries.insert(tmpl);
        std::atexit([] {
          std::error_code ec;
          fs::remove_all(g_tool_tmpdir, ec);
        });
      }
    }
  }
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "TMPDIR=", 7) != 0) env.emplace_back(*e);
  if (!g_tool_tmpdir.empty()) env.push_back("TMPDIR=" + g_tool_tmpdir);
  return env;
}

void signal_thread(sigset_t set) {
  int sig = 0;
  while (::sigwait(&set, &sig) != 0) {
  }
  stop_groups_and_exit(sig);
}

std::string fmt_seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f s", s);
  return buf;
}

}  // namespace

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char ch : s) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

std::string tail_lines(const fs::path& f, size_t lines) {
  std::ifstream in(f, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  if (text.empty()) return text;
  size_t pos = text.size();
  for (size_t n = 0; n <= lines && pos > 0;) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
    ++n;
  }
  return text.substr(pos + 1);
}

bool on_path(const std::string& program) { return run_command("command -v " + shell_quote(program)).exit_code == 0; }

RunResult run_command(const std::string& command, const RunOptions& o) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  const std::string log = o.log.empty() ? std::string("/dev/null") : o.log.string();
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
  if (!o.dir.empty()) posix_spawn_file_actions_addchdir_np(&fa, o.dir.c_str());
  // Its own process group (a terminal's Ctrl-C reaches sysmt, which stops the group), with the signal
  // mask and dispositions a fresh program expects.
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
  const std::vector<std::string> env = tool_environment();
  std::vector<char*> envp;
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid = 0;
  int rc;
  {
    std::lock_guard<std::mutex> lock(g_mutex);  // an interrupt either sees this group or comes before it
    if (g_interrupted)
      for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
    rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, const_cast<char**>(argv), envp.data());
    if (rc == 0) g_groups.insert(pid);
  }
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw ToolError(std::string("cannot start /bin/sh: ") + std::strerror(rc), command, "");

  const bool tty = ::isatty(STDERR_FILENO) != 0;
  long long shown = 0;
  int status = 0;
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid || (w < 0 && errno != EINTR)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (o.progress.empty()) continue;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const long long every = tty ? 1 : 10;  // in place every second on a terminal, a line every 10 s in a log
    if (static_cast<long long>(s) / every > shown) {
      shown = static_cast<long long>(s) / every;
      std::fprintf(stderr, tty ? "\r[%s] ... %s" : "[%s] ... %s\n", o.progress.c_str(), fmt_seconds(s).c_str());
    }
  }
  if (tty && shown > 0) std::fprintf(stderr, "\n");
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_groups.erase(pid);
  }
  // An interrupt stopped it: the handler thread is exiting the process; report nothing.
  if (g_interrupted)
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  RunResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
  return r;
}

double run_tool(const std::string& command, const std::string& what, const RunOptions& o) {
  const RunResult r = run_command(command, o);
  if (r.exit_code != 0) {
    const std::string repro = o.dir.empty() ? command : "cd " + shell_quote(o.dir.string()) + " && " + command;
    throw ToolError(what + " failed (exit status " + std::to_string(r.exit_code) + ")", repro,
                    o.log.empty() ? std::string() : tail_lines(o.log, 20));
  }
  return r.seconds;
}

void install_interrupt_handler() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread(signal_thread, set).detach();
}

fs::path tool_tmpdir() {
  tool_environment();
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_tool_tmpdir;
}

void set_interrupt_context(const std::string& what) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_context = what;
}

void register_temporary(const fs::path& p) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_temporaries.insert(p.string());
}

void unregister_temporary(const fs::path& p) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_temporaries.erase(p.string());
}

}  // namespace sysmt
