// Workload evaluation (docs/evaluation.md): network files of convolution layers, seeded data with
// realistic statistics, and per layer the cycle model's speedup and the golden model's numerical cost
// for T = 1, 2, 4 and both thread mappings, rendered as Markdown, JSON and gnuplot plots.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/config.hpp"
#include "sim/eval/conv.hpp"
#include "sim/cycle/cycle_model.hpp"
#include "sim/golden/nbsmt.hpp"

namespace sysmt {

// ---- Workload files ---------------------------------------------------------------------------------

// One line of a workload file:  NAME H W KH KW CIN COUT STRIDE PAD [key=value ...]
// Optional keys: act_zero=F (0..1), act_scale=S (> 0, LSBs), x=FILE (input activations, H*W rows x CIN
// columns, 0..255), w=FILE (weights, KH*KW*CIN rows x COUT columns, -128..127); files are relative to
// the workload file.
struct Layer {
  std::string name;
  ConvShape shape;
  std::string where;  // "FILE:LINE" of its definition, for messages
  std::optional<double> act_zero, act_scale;
  std::string x_file, w_file;    // as resolved paths ("" when synthetic)
  std::optional<Tensor3> x;      // loaded and validated user tensors
  std::optional<IntMatrix> w;
};

struct Workload {
  std::string name;    // file stem
  std::string source;  // the path it was read from
  std::string hash;    // FNV-1a of the file text
  std::vector<Layer> layers;
  std::uint64_t macs() const;
};

// Strict parser: every problem throws InputError "FILE:LINE:COL: field 'F': what is wrong". `base_dir`
// resolves x= and w= paths; the tensor files are read and validated here, so evaluation cannot fail on
// input later.
Workload parse_workload(const std::string& text, const std::string& source, const std::filesystem::path& base_dir);
Workload load_workload(const std::string& path);

// The GEMM each layer lowers to (M = output pixels, K = KH*KW*Cin, N = Cout), in file order: the shapes
// the cycle model is run on, exposed so that it can be checked against RTL simulation.
std::vector<GemmShape> gemm_shapes(const Workload& wl);

// ---- Data model ------------------------------------------------------------------------------------

struct DataModel {
  double act_zero = 0.5;    // fraction of zero activations (post-ReLU), unless a layer overrides it
  double act_scale = 32.0;  // sigma, in LSBs, of the half-normal non-zero activations, unless overridden
  double prune = 0.0;       // fraction of each layer's weights zeroed by magnitude (smallest first)
};

// Seeded generators (the same seed gives the same bytes on every platform with IEEE doubles and a
// correctly rounded sqrt/log/cos; they use only their own PRNG, not <random>'s distributions).
// Activations: each element is 0 with probability zero_frac, else round(|N(0, scale^2)|) clamped to 1..255.
Tensor3 make_activations(int H, int W, int C, double zero_frac, double scale, std::uint64_t seed);
// Weights K x N: N(0, 1) per element; the fraction `prune` of smallest magnitudes (over the whole layer)
// set to 0; each output channel n quantized by max-abs: round(w * 127 / max|w[:, n]|).
IntMatrix make_weights(int K, int N, double prune, std::uint64_t seed);
// `fraction` of 0..M-1 (at least min(M, kMinSampleRows)), chosen uniformly without replacement, sorted.
// fraction >= 1 gives every row.
constexpr int kMinSampleRows = 64;
std::vector<int> sample_rows(int M, double fraction, std::uint64_t seed);

// ---- Evaluation ------------------------------------------------------------------------------------

// The golden model runs a full ResNet-18 (T = 2, 4 x both mappings) in under 10 s on one core, so by
// default every output pixel is evaluated; --sample trades exactness for time on bigger networks.
constexpr double kDefaultSample = 1.0;

struct EvalOptions {
  DataModel data;
  std::uint64_t seed = 1;
  double sample = kDefaultSample;  // fraction of each layer's output pixels (GEMM rows) run through the
                                   // golden model; cycles always use the full shapes
};

struct PerfResult {
  int threads = 1;
  GemmCycles cycles;
  double speedup = 1;  // cycles(T = 1) / cycles(T)
};

struct NumericResult {
  int threads = 2;
  Mapping mapping = Mapping::Interleaved;
  GemmStats stats;
  ErrorMetrics error;
};

struct LayerEval {
  std::string name;
  ConvShape shape;
  GemmShape gemm;
  std::uint64_t macs = 0;
  int sampled_rows = 0;
  std::string act_source, wgt_source;  // "synthetic" or the CSV path
  double act_zero = 0, act_scale = 0;  // the data model used (synthetic activations)
  double x_zero_frac = 0;              // measured on the sampled rows of X (incl. padding taps)
  double w_zero_frac = 0;              // measured on W
  std::vector<PerfResult> perf;        // T = 1, 2, 4
  std::vector<NumericResult> numeric;  // T = 2, 4 x interleaved, blocked
  double seconds = 0;
  const PerfResult& perf_for(int threads) const;
  const NumericResult& numeric_for(int threads, Mapping m) const;
};

struct NetworkPerf {
  int threads = 1;
  std::uint64_t cycles = 0;
  double speedup = 1, pe_utilization = 0;
};
struct NetworkNumeric {
  int threads = 2;
  Mapping mapping = Mapping::Interleaved;
  double sqnr_db = 0;        // -10 log10(sum_l MACs_l * NSR_l / sum_l MACs_l), NSR_l = rel_frobenius_l^2
  double rel_frobenius = 0;  // sqrt of that MAC-weighted NSR
  double min_sqnr_db = 0;    // worst layer
  double shared_lossy_frac = 0;  // lossy shared PE cycles / PE cycles, over all sampled cycles
};

struct Evaluation {
  std::string config_name, config_file, config_hash;
  int rows = 0, cols = 0;
  Rounding rounding = Rounding::HalfUp;
  ZeroSkip zero_skip = ZeroSkip::Both;
  int acc_bits = 32;
  std::string workload_name, workload_file, workload_hash;
  EvalOptions options;
  std::vector<LayerEval> layers;
  std::vector<NetworkPerf> perf;
  std::vector<NetworkNumeric> numeric;
  std::uint64_t macs = 0, sampled_macs = 0;
  double seconds = 0;
};

// One line per layer as it starts and finishes ("[3/21] layer1.1.conv1 ... 1.2 s, ...").
using Progress = std::function<void(const std::string& line)>;

// Runs the whole evaluation in memory; writes nothing. `progress` may be empty.
Evaluation evaluate_workload(const Config& cfg, const Workload& wl, const EvalOptions& opt, const Progress& progress);

nlohmann::json to_json(const Evaluation& ev);
std::string to_markdown(const Evaluation& ev);
// The gnuplot scripts (self-contained: data inline). They write `png_out` and `svg_out`, which default to
// speedup.png / speedup.svg (sqnr.png / sqnr.svg) in the current folder.
std::string speedup_gnuplot(const Evaluation& ev);
std::string sqnr_gnuplot(const Evaluation& ev);

struct WrittenFiles {
  std::vector<std::filesystem::path> files;
  bool plots = false;
  std::string plot_message;  // why plots are missing, when they are
};
// Writes DIR/evaluate.md, evaluate.json, speedup.gp, sqnr.gp, and (when gnuplot runs) speedup.png/.svg
// and sqnr.png/.svg, each atomically. Creates DIR.
WrittenFiles write_evaluation(const Evaluation& ev, const std::filesystem::path& dir);

// What `sysmt evaluate` does: load and check every input, evaluate, then write. Bad input throws
// InputError before anything is written. Progress lines go to stderr unless quiet.
struct EvaluateRun {
  Evaluation eval;
  WrittenFiles written;
};
std::filesystem::path default_evaluate_dir(const Config& cfg);  // reports/evaluate-<config name>
EvaluateRun run_evaluate(const std::string& config_path, const std::string& workload_path, const EvalOptions& opt,
                         const std::filesystem::path& out_dir, bool quiet = false);

}  // namespace sysmt
