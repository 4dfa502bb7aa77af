// `sysmt gemm`: run the golden NB-SMT model on one GEMM and report its statistics and error.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/cli.hpp"
#include "cli/options.hpp"
#include "common/config.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/limits.hpp"
#include "common/output.hpp"
#include "sim/golden/matrix_io.hpp"
#include "sim/golden/nbsmt.hpp"
#include "sim/golden/random_operands.hpp"
#include "sim/golden/report.hpp"

namespace sysmt::cli {

namespace {

namespace fs = std::filesystem;

struct GemmOptions {
  std::string config, x, w, out, stats, mapping = "interleaved", random;
  std::uint64_t seed = 1;
  double act_zero = 0.5, wgt_zero = 0.0;
  bool quiet = false;
};

// Memory a GEMM of M x K x N needs: X and W (int), Y and the exact Y (int64), Y as CSV text (about 12
// bytes a value).
std::uint64_t gemm_memory(std::uint64_t M, std::uint64_t K, std::uint64_t N) {
  return sat_add(sat_add(sat_mul(4, sat_mul(M, K)), sat_mul(4, sat_mul(K, N))), sat_mul(28, sat_mul(M, N)));
}

// "MxKxN": three positive decimal sizes, each at most 2^31 - 1 (no wrap-around at 2^32).
void parse_shape(const std::string& text, std::uint64_t dims[3]) {
  const std::string bad = "--random: expected MxKxN with positive sizes (e.g. 196x2304x256), found '" + visible(text) + "'";
  size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    const size_t x = i < 2 ? text.find('x', start) : text.size();
    if (x == std::string::npos) throw InputError(bad);
    const std::string part = text.substr(start, x - start);
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos) throw InputError(bad);
    dims[i] = parse_u64(part, std::string("--random: ") + "MKN"[i], 2147483647);
    if (dims[i] == 0) throw InputError(bad);
    start = x + 1;
  }
}

void run_gemm(const GemmOptions& o) {
  Config cfg = load_config(o.config);
  Mapping map = o.mapping == "blocked" ? Mapping::Blocked : Mapping::Interleaved;
  // Every output is declared (and checked) before any work; all are put in place together at the end.
  OutputSet outputs;
  const fs::path y_tmp = o.out.empty() ? fs::path() : outputs.file(o.out);
  const fs::path stats_tmp = o.stats.empty() ? fs::path() : outputs.file(o.stats);
  IntMatrix x, w;
  if (!o.random.empty()) {
    if (!o.x.empty() || !o.w.empty()) throw InputError("gemm: give either --random or --x and --w, not both");
    std::uint64_t d[3];
    parse_shape(o.random, d);
    check_memory(gemm_memory(d[0], d[1], d[2]), fmt::format("gemm --random {}x{}x{}", d[0], d[1], d[2]));
    random_operands(static_cast<int>(d[0]), static_cast<int>(d[1]), static_cast<int>(d[2]), o.seed,
                    OperandDist{o.act_zero, o.wgt_zero, 255}, x, w);
  } else {
    if (o.x.empty() || o.w.empty()) throw InputError("gemm: give --x and --w, or --random MxKxN");
    x = read_matrix_csv(o.x, 0, 255, "activation");
    w = read_matrix_csv(o.w, -128, 127, "weight");
    if (x.cols != w.rows)
      throw InputError(fmt::format("K mismatch: {} is {}x{} (K = {}) but {} is {}x{} (K = {})", visible(o.x), x.rows, x.cols, x.cols,
                                   visible(o.w), w.rows, w.cols, w.rows));
    check_memory(gemm_memory(x.rows, x.cols, w.cols), fmt::format("gemm of {}x{} by {}x{}", x.rows, x.cols, w.rows, w.cols));
  }
  const Arith ar = Arith::from(cfg);
  GemmResult r = gemm(ar, x, w, map);
  ErrorMetrics err = compare(r.y, gemm_exact(x, w, ar.acc_bits));

  if (!o.out.empty()) write_file(y_tmp, format_matrix_csv(r.y));
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
    write_file(stats_tmp, j.dump(2) + "\n");
  }
  outputs.commit();
  if (o.out.empty()) std::cout << format_matrix_csv(r.y);
  if (!o.quiet) {
    std::FILE* f = o.out.empty() ? stderr : stdout;
    std::fprintf(f, "%s",
                 fmt::format("{}: {} threads, {} rounding, zero_skip {}, {} mapping, GEMM {}x{}x{}\n", cfg.name, cfg.threads,
                             to_string(cfg.rounding), to_string(cfg.zero_skip), to_string(map), x.rows, x.cols, w.cols)
                     .c_str());
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
  add_seed_option(sub, o->seed, "Seed for --random (0 .. 2^64 - 1)");
  add_max_memory_option(sub);
  sub->add_option("--act-zero", o->act_zero, "Fraction of zero activations for --random")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
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
