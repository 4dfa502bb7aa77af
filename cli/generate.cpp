// `sysmt generate`: YAML config -> Verilog-2005 of one SySMT array, its manifest and file list (written
// through one OutputSet folder by rtl::write_generated).
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/cli.hpp"
#include "cli/options.hpp"
#include "common/config.hpp"
#include "common/limits.hpp"
#include "gen/rtl_generate.hpp"

namespace sysmt::cli {

namespace {

struct GenerateOptions {
  std::string config, out;
  bool quiet = false;
};

void run_generate(const GenerateOptions& o) {
  Config cfg = load_config(o.config);  // bad configs stop here, before anything is written
  check_memory(array_memory(cfg), "generating the " + std::to_string(cfg.rows) + "x" + std::to_string(cfg.cols) + " array");
  const std::string dir = o.out.empty() ? cfg.name : o.out;
  rtl::Generated g = rtl::generate_rtl(cfg);
  rtl::write_generated(g, dir);  // one OutputSet folder: complete or not at all
  if (!o.quiet)
    std::printf("%s: %dx%d, %d thread%s, %d-bit acc: %zu files in %s (latency %d, drain interval %d, %lld flip-flops)\n", cfg.name.c_str(),
                g.facts.rows, g.facts.cols, g.facts.threads, g.facts.threads == 1 ? "" : "s", g.facts.acc_bits, g.files.size(), dir.c_str(),
                g.facts.latency, g.facts.drain_interval, g.facts.flip_flops);
}

void add_generate(CLI::App& app) {
  auto o = std::make_shared<GenerateOptions>();
  CLI::App* sub = app.add_subcommand("generate", "Generate the Verilog of one SySMT array from its config");
  sub->add_option("config", o->config, "Array configuration (YAML)")->required();
  sub->add_option("-o,--output", o->out, "Output folder (default: the config's name); replaced as a whole");
  sub->add_flag("-q,--quiet", o->quiet, "Do not print the summary line");
  add_max_memory_option(sub);
  sub->callback([o] { run_generate(*o); });
}

const Register reg(20, add_generate);

}  // namespace

}  // namespace sysmt::cli
