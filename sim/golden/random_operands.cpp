// Seeded operand generator: a fixed 64-bit engine and explicit arithmetic, so the same seed gives the
// same matrices with any standard library.
#include "sim/golden/random_operands.hpp"

#include <random>

namespace sysmt {

namespace {
double unit(std::mt19937_64& g) { return static_cast<double>(g() >> 11) * (1.0 / 9007199254740992.0); }
int uniform(std::mt19937_64& g, int lo, int hi) { return lo + static_cast<int>(g() % static_cast<std::uint64_t>(hi - lo + 1)); }
}  // namespace

void random_operands(int M, int K, int N, std::uint64_t seed, const OperandDist& d, IntMatrix& x, IntMatrix& w) {
  std::mt19937_64 g(seed);
  x = IntMatrix(M, K);
  w = IntMatrix(K, N);
  for (int& v : x.data) v = unit(g) < d.act_zero ? 0 : uniform(g, 1, d.act_max);
  for (int& v : w.data) {
    if (unit(g) < d.wgt_zero) {
      v = 0;
    } else {
      do v = uniform(g, -128, 127);
      while (v == 0);
    }
  }
}

}  // namespace sysmt
