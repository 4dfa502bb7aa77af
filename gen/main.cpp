// sysmt: one binary, one subcommand per job (gemm, generate, ...). Bad input exits with status 2.
#include <algorithm>
#include <cstdio>
#include <exception>

#include "cli.hpp"
#include "util.hpp"

int main(int argc, char** argv) {
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
    return rc == 0 ? 0 : 2;
  } catch (const sysmt::InputError& e) {
    std::fprintf(stderr, "sysmt: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sysmt: internal error: %s\n", e.what());
    return 3;
  }
  return 0;
}
