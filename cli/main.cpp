// sysmt: one binary, one subcommand per job (gemm, generate, ...). Exit status: 0 success, 1 a failed
// verdict (verify), 2 bad input, 3 a failing or missing external tool, 4 an internal error.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>

#include "cli/cli.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/process.hpp"

int main(int argc, char** argv) {
  sysmt::install_interrupt_handler();  // before any thread starts
  std::string context = "sysmt";
  for (int i = 1; i < argc && i < 3; ++i) context += std::string(" ") + argv[i];
  sysmt::set_interrupt_context(context);
  CLI::App app{"SySMT: NB-SMT systolic array generator, golden model and evaluation flow (v" SYSMT_VERSION ")"};
  app.require_subcommand(1);
  app.set_version_flag("--version", SYSMT_VERSION);
  auto& subs = sysmt::cli::registry();
  std::stable_sort(subs.begin(), subs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [order, add] : subs) add(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a subcommand's own verdict (for example a failed verification)
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : sysmt::kExitInput;
  } catch (const sysmt::InputError& e) {
    // One line, whatever bytes of the input it quotes (control bytes escaped).
    std::fprintf(stderr, "sysmt: error: %s\n", sysmt::visible(e.what()).c_str());
    return sysmt::kExitInput;
  } catch (const sysmt::ToolError& e) {
    std::fprintf(stderr, "sysmt: tool error: %s\n", e.what());
    return sysmt::kExitTool;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sysmt: internal error (please report it): %s\n", e.what());
    return sysmt::kExitInternal;
  }
  return 0;
}
