// The workload evaluation (docs/evaluation.md "What is reported"): per layer the cycle model's speedup for
// T = 1, 2, 4 on one array and the golden model's numerical cost for T = 2, 4 and both thread mappings,
// then the network totals. The result is the typed report, EvaluateReport; eval_report.hpp renders it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "sim/cycle/cycle_model.hpp"
#include "sim/eval/conv.hpp"
#include "sim/eval/data_model.hpp"
#include "sim/eval/workload_file.hpp"
#include "sim/golden/nbsmt.hpp"

namespace sysmt {

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
  GemmCycles cycles;   // the report file keeps every field but last_accept_edge
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
  double seconds = 0;                  // not in the report file (outputs do not depend on time)
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
  double sqnr_db = 0;            // -10 log10(sum_l MACs_l * NSR_l / sum_l MACs_l), NSR_l = rel_frobenius_l^2
  double rel_frobenius = 0;      // sqrt of that MAC-weighted NSR
  double min_sqnr_db = 0;        // worst layer
  double shared_lossy_frac = 0;  // lossy shared PE cycles / PE cycles, over all sampled cycles
};

// What `sysmt evaluate` found, and the typed form of evaluate.json (to_json / from_json in eval_report.hpp).
struct EvaluateReport {
  std::string generator;  // "sysmt evaluate v<version>"
  std::string config_name, config_file, config_hash;
  int rows = 0, cols = 0;
  Rounding rounding = Rounding::HalfUp;
  ZeroSkip zero_skip = ZeroSkip::Both;
  int acc_bits = 32;
  std::string workload_name, workload_file, workload_hash;
  EvalOptions options;
  int min_sample_rows = kMinSampleRows;
  std::vector<LayerEval> layers;
  std::vector<NetworkPerf> perf;        // T = 1, 2, 4
  std::vector<NetworkNumeric> numeric;  // (2, interleaved), (2, blocked), (4, interleaved), (4, blocked)
  std::uint64_t macs = 0, sampled_macs = 0;
  double seconds = 0;  // not in the report file
  const NetworkPerf& perf_for(int threads) const;
  const NetworkNumeric& numeric_for(int threads, Mapping m) const;
};

// The generator line every output of `sysmt evaluate` carries.
std::string evaluate_generator();

// One line per layer as it starts and finishes ("[3/21] layer1.1.conv1 ... 1.2 s, ...").
using Progress = std::function<void(const std::string& line)>;

// Runs the whole evaluation in memory; writes nothing. `progress` may be empty.
EvaluateReport evaluate_workload(const Config& cfg, const Workload& wl, const EvalOptions& opt, const Progress& progress);

}  // namespace sysmt
