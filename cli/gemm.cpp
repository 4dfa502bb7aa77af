// `sysmt gemm`: run the golden NB-SMT model on one GEMM and report its statistics and error.
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/cli.hpp"
#include "common/config.hpp"
#include "sim/golden/matrix_io.hpp"
#include "sim/golden/nbsmt.hpp"
#include "sim/golden/random_operands.hpp"
#include "sim/golden/report.hpp"
#include "common/error.hpp"
#include "common/output.hpp"

namespace sysmt::cli {

namespace {

struct GemmOptions {
  std::string config, x, w, out, stats, mapping = "interleaved", random;
  std::uint64_t seed = 1;
  double act_zero = 0.5, wgt_zero = 0.0;
  bool quiet = false;
};

void run_gemm(const GemmOptions& o) {
  Config cfg = load_config(o.config);
  Mapping map = o.mapping == "blocked" ? Mapping::Blocked : Mapping::Interleaved;
  IntMatrix x, w;
  if (!o.random.empty()) {
    int M = 0, K = 0, N = 0;
    char extra = 0;
    if (std::sscanf(o.random.c_str(), "%dx%dx%d%c", &M, &K, &N, &extra) != 3 || M < 1 || K < 1 || N < 1)
      throw InputError("--random: expected MxKxN with positive sizes, found '" + o.random + "'");
    random_operands(M, K, N, o.seed, OperandDist{o.act_zero, o.wgt_zero, 255}, x, w);
  } else {
    if (o.x.empty() || o.w.empty()) throw InputError("gemm: give --x and --w, or --random MxKxN");
    x = read_matrix_csv(o.x, 0, 255, "activation");
    w = read_matrix_csv(o.w, -128, 127, "weight");
    if (x.cols != w.rows)
      throw InputError(fmt::format("K mismatch: {} is {}x{} (K = {}) but {} is {}x{} (K = {})", o.x, x.rows, x.cols,
                                   x.cols, o.w, w.rows, w.cols, w.rows));
  }
  const Arith ar = Arith::from(cfg);
  GemmResult r = gemm(ar, x, w, map);
  ErrorMetrics err = compare(r.y, gemm_exact(x, w, ar.acc_bits));

  // Outputs are written only after every input has been read and checked, each atomically.
  if (!o.out.empty()) write_file_atomic(o.out, format_matrix_csv(r.y));
  if (!o.stats.empty()) {
    nlohmann::json j = {{"config", cfg.name},
                        {"config_file", cfg.source},
                        {"config_hash", cfg.hash()},
                        {"threads", cfg.threads},
                        {"rounding", to_string(cfg.rounding)},
                        {"zero_skip", to_string(cfg.zero_skip)},
                        {"acc_bits", cfg.acc_bits},
                        {"mapping", to_string(map)},
                        {"M", x.rows},
                        {"K", x.cols},
                        {"N", w.cols},
                        {"k_groups", num_groups(x.cols, cfg.threads)},
                        {"stats", to_json(r.stats)},
                        {"error", to_json(err)}};
    write_file_atomic(o.stats, j.dump(2) + "\n");
  }
  if (o.out.empty()) std::cout << format_matrix_csv(r.y);
  if (!o.quiet) {
    std::FILE* f = o.out.empty() ? stderr : stdout;
    std::fprintf(f, "%s", fmt::format("{}: {} threads, {} rounding, zero_skip {}, {} mapping, GEMM {}x{}x{}\n", cfg.name,
                                      cfg.threads, to_string(cfg.rounding), to_string(cfg.zero_skip), to_string(map),
                                      x.rows, x.cols, w.cols).c_str());
    std::fprintf(f, "%s", stats_text(r.stats, err).c_str());
  }
}

void add_gemm(CLI::App& app) {
  auto o = std::make_shared<GemmOptions>();
  CLI::App* sub = app.add_subcommand("gemm", "Run the golden NB-SMT model on one GEMM Y = X W and report hazard statistics and error");
  sub->add_option("config", o->config, "Array configuration (YAML)")->required();
  sub->add_option("--x", o->x, "Activations X, M x K CSV of integers 0..255");
  sub->add_option("--w", o->w, "Weights W, K x N CSV of integers -128..127");
  sub->add_option("--random", o->random, "Instead of --x/--w: random operands of shape MxKxN (e.g. 196x2304x256)");
  sub->add_option("--seed", o->seed, "Seed for --random")->capture_default_str();
  sub->add_option("--act-zero", o->act_zero, "Fraction of zero activations for --random")->check(CLI::Range(0.0, 1.0))->capture_default_str();
  sub->add_option("--wgt-zero", o->wgt_zero, "Fraction of zero weights for --random")->check(CLI::Range(0.0, 1.0))->capture_default_str();
  sub->add_option("--mapping", o->mapping, "Which k feeds thread t of K-group g")
      ->check(CLI::IsMember({"interleaved", "blocked"}))
      ->capture_default_str();
  sub->add_option("-o,--output", o->out, "Write Y (M x N CSV) here instead of standard output");
  sub->add_option("--stats", o->stats, "Write statistics and error metrics as JSON here");
  sub->add_flag("-q,--quiet", o->quiet, "Do not print the statistics summary");
  sub->callback([o] { run_gemm(*o); });
}

const Register reg(10, add_gemm);

}  // namespace

}  // namespace sysmt::cli
