// Seeded random operand matrices for demos, tests and benchmarks (realistic network data lives in the
// workload evaluation).
#pragma once

#include <cstdint>

#include "sim/golden/nbsmt.hpp"

namespace sysmt {

struct OperandDist {
  double act_zero = 0.5;  // fraction of activations that are zero (post-ReLU)
  double wgt_zero = 0.0;  // fraction of weights that are zero (pruning)
  int act_max = 255;      // non-zero activations uniform in 1..act_max
};

// X: M x K in 0..255, W: K x N in -128..127; the same seed gives the same matrices.
void random_operands(int M, int K, int N, std::uint64_t seed, const OperandDist& d, IntMatrix& x, IntMatrix& w);

}  // namespace sysmt
