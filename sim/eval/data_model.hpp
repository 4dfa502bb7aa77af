// The synthetic data model of the workload evaluation (docs/evaluation.md "Data model"): post-ReLU
// activations, Gaussian weights pruned by magnitude and quantized per output channel, and the seeded row
// sample. Seeded and platform-independent: the same seed gives the same data with every standard library.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/eval/conv.hpp"
#include "sim/golden/nbsmt.hpp"

namespace sysmt {

struct DataModel {
  double act_zero = 0.5;    // fraction of zero activations (post-ReLU), unless a layer overrides it
  double act_scale = 32.0;  // sigma, in LSBs, of the half-normal non-zero activations, unless overridden
  double prune = 0.0;       // fraction of each layer's weights zeroed by magnitude (smallest first)
};

// The seed of one data stream of one layer: FNV-1a of "<seed>/<layer>/<stream>", streams "act", "wgt" and
// "rows". A layer's data depends on the seed and its name, not on its position in the file.
std::uint64_t stream_seed(std::uint64_t seed, const std::string& layer, const char* stream);

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

}  // namespace sysmt
