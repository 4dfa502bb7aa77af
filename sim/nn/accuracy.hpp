// `sysmt accuracy` (docs/accuracy.md): top-1 of the integer Fashion-MNIST network with every GEMM run
// through the golden NB-SMT model for T = 1, 2, 4 and both thread mappings, prediction flips against
// T = 1, per-layer hazard statistics and SQNR on real activations beside the synthetic data model, and
// the two mechanisms: (a) per-layer thread mode on the 4-thread array (greedy policy, trade-off curve),
// (b) K reordering from calibration statistics.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/config.hpp"
#include "sim/nn/infer.hpp"
#include "sim/nn/qnet.hpp"

namespace sysmt::nn {

// One inference of the whole test set.
struct RunFigure {
  std::string name;  // "T=2 interleaved", "T=4 interleaved reordered", "T=4, 3 layers at 2T"
  int threads = 1;   // the array's thread count (T)
  std::string mapping = "interleaved";
  bool reorder = false;            // mechanism (b)
  std::vector<int> layer_threads;  // threads each GEMM layer runs with (mechanism (a) runs some at 2)
  std::size_t correct = 0;
  double top1 = 0;                 // %
  double loss = 0;                 // top-1 of T = 1 minus this, points
  std::size_t changed = 0;         // predictions different from T = 1
  std::size_t right_to_wrong = 0;  // correct at T = 1, wrong here
  std::size_t wrong_to_right = 0;  // wrong at T = 1, correct here
  double speedup = 1;              // cycles of the T = 1 array / cycles here (cycle model, per image)
};

// Numerics of one GEMM layer for one way of running it, on the same input (exact network activations).
struct LayerNumeric {
  int threads = 2;
  std::string mapping = "interleaved";
  bool reorder = false;
  std::string source = "real";          // "real" (test images) or "synthetic" (sysmt evaluate's data model)
  double sqnr_db = 0;                   // 10 log10(sum exact^2 / sum (nbsmt - exact)^2); +inf (null in JSON) without error
  double shared_lossy_frac = 0;         // PE cycles with >= 2 active threads that lost precision / PE cycles
  double shared_lossless_frac = 0;      // PE cycles with >= 2 active threads, all operands representable / PE cycles
  std::array<double, 5> active_frac{};  // PE cycles with 0..T active threads / PE cycles
};

struct LayerReport {
  std::string name;
  int M = 0, K = 0, N = 0;  // per image
  std::uint64_t macs = 0;   // per image
  double x_zero_frac = 0;   // zero activations in X (im2col, padding included), real data
  double x_small_frac = 0;  // non-zero activations below 16 (exact under Ra)
  double w_zero_frac = 0;
  std::array<std::uint64_t, 3> cycles{};  // per image on the configured array, T = 1, 2, 4 (cycle model)
  std::vector<LayerNumeric> numeric;
};

// Mechanism (a): the first `layers_2t.size()` layers of the greedy order run as 2 threads on the 4T array.
struct TradeoffPoint {
  std::vector<std::string> layers_2t;
  double speedup = 1;
  double calib_loss = 0;  // top-1 loss against T = 1 on the calibration (training) images, points
  RunFigure run;          // on the test images
};

struct NetworkReport {
  std::string file, name, source_weights, calibration;
  double float_top1 = -1;  // from the file's info line (-1: not recorded)
  double weight_zero_frac = 0;
  std::vector<RunFigure> runs;
  std::vector<LayerReport> layers;
  std::vector<std::string> greedy_order;  // mechanism (a): layers in the order they are switched to 2T
  std::vector<double> greedy_score;       // logit error reduction per cycle that ranked them
  std::vector<TradeoffPoint> tradeoff;
  std::string policy = "none";
  int policy_point = -1;  // index into tradeoff chosen by the policy (-1: none)
  const RunFigure* find(const std::string& name) const;
};

struct AccuracyReport {
  std::string generator;
  std::string config_name, config_file, config_hash;
  int rows = 0, cols = 0, acc_bits = 32;
  std::string rounding, zero_skip;
  std::string data_dir;
  std::size_t images = 0;        // test images per run
  std::size_t calib_images = 0;  // training images for (a) and (b)
  std::size_t stats_images = 0;  // test images for the per-layer statistics
  std::string reorder = "none";  // mechanism (b): none, channels or k
  std::vector<NetworkReport> networks;
};

// JSON (nlohmann ADL). An infinite SQNR is written as null and read back as +inf.
void to_json(nlohmann::json& j, const LayerNumeric& v);
void from_json(const nlohmann::json& j, LayerNumeric& v);
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RunFigure, name, threads, mapping, reorder, layer_threads, correct, top1, loss, changed, right_to_wrong,
                                   wrong_to_right, speedup)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LayerReport, name, M, K, N, macs, x_zero_frac, x_small_frac, w_zero_frac, cycles, numeric)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TradeoffPoint, layers_2t, speedup, calib_loss, run)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(NetworkReport, file, name, source_weights, calibration, float_top1, weight_zero_frac, runs, layers,
                                   greedy_order, greedy_score, tradeoff, policy, policy_point)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(AccuracyReport, generator, config_name, config_file, config_hash, rows, cols, acc_bits, rounding,
                                   zero_skip, data_dir, images, calib_images, stats_images, reorder, networks)

// Mechanism (b): how the feeder reorders K (docs/accuracy.md).
enum class Reorder { None, Channels, K };

struct AccuracyOptions {
  std::vector<std::filesystem::path> networks;  // .q8 files
  std::vector<Mapping> mappings{Mapping::Interleaved, Mapping::Blocked};
  std::string mode_policy = "greedy:0.5";  // mechanism (a): "none", "greedy:LOSS" (target top-1 loss, points) or "layers:A,B" (those at 2T)
  Reorder reorder_how = Reorder::Channels;  // mechanism (b) runs
  std::filesystem::path data_dir;           // Fashion-MNIST folder
  std::size_t images = 10000;               // first N test images
  std::size_t calib_images = 1000;          // first N training images for (a) and (b)
  std::size_t stats_images = 200;           // first N test images for per-layer statistics
  int workers = 2;
  int batch = 2;  // images per GEMM call (speed only: the results do not depend on it)
};

// The committed networks: configs/networks/fmresnet.q8 (prune 0) and fmresnet_p40.q8 (prune 0.4), from
// sysmt's installed data (data_file). InputError for another pruning level.
std::filesystem::path committed_network(double prune);

// Runs everything in memory (writes nothing). `progress` gets one-line updates ("\r"-style: a line with
// no newline is overwritten by the next); may be empty. Bad input throws InputError.
AccuracyReport run_accuracy(const Config& cfg, const AccuracyOptions& opt, const std::function<void(const std::string&)>& progress);

std::string to_markdown(const AccuracyReport& r);
std::string accuracy_gnuplot(const AccuracyReport& r);  // top-1 per T and the trade-off curve

// Writes DIR/accuracy.md, accuracy.json, accuracy.gp and (when gnuplot runs) accuracy.png / accuracy.svg,
// each atomically. Returns the written files; `plot_message` says why plots are missing.
std::vector<std::filesystem::path> write_accuracy(const AccuracyReport& r, const std::filesystem::path& dir, std::string& plot_message);

// Mechanism (b): a feeder order of K (LayerPlan::order) that spreads `score` (per k) evenly over the
// K-groups of `threads` threads under `mapping` (greedy largest-first into the least-loaded group).
std::vector<int> balanced_order(const std::vector<double>& score, int threads, Mapping mapping);

}  // namespace sysmt::nn
