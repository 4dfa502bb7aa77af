// Operand distributions for the RTL regression: dense, sparse, ReLU-like and adversarial values, all
// seeded so a failure reproduces from the printed seed.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "sim/golden/nbsmt.hpp"

namespace sysmt::tb {

enum class Values { Dense, Sparse50Act, Sparse50Wgt, Sparse50Both, Sparse90Act, Sparse90Wgt, Sparse90Both, Relu, Adversarial, Mixed };

inline const char* to_string(Values v) {
  switch (v) {
    case Values::Dense:
      return "dense";
    case Values::Sparse50Act:
      return "sparse50-act";
    case Values::Sparse50Wgt:
      return "sparse50-wgt";
    case Values::Sparse50Both:
      return "sparse50-both";
    case Values::Sparse90Act:
      return "sparse90-act";
    case Values::Sparse90Wgt:
      return "sparse90-wgt";
    case Values::Sparse90Both:
      return "sparse90-both";
    case Values::Relu:
      return "relu";
    case Values::Adversarial:
      return "adversarial";
    case Values::Mixed:
      return "mixed";
  }
  return "?";
}

class Stimulus {
 public:
  explicit Stimulus(std::uint64_t seed) : g_(seed) {}

  int uniform(int lo, int hi) { return lo + static_cast<int>(g_() % static_cast<std::uint64_t>(hi - lo + 1)); }
  double unit() { return static_cast<double>(g_() >> 11) * (1.0 / 9007199254740992.0); }

  // The spec's worst cases: rounding ties, saturation, the reduction thresholds.
  int adversarial_act() {
    static const int v[] = {255, 248, 24, 8, 0, 16, 15, 40, 247, 1};
    return v[uniform(0, 9)];
  }
  int adversarial_wgt() {
    static const int v[] = {-128, -120, -9, 8, 127, 7, 0, -8, 120, -37};
    return v[uniform(0, 9)];
  }
  int act(double zero) { return unit() < zero ? 0 : uniform(1, 255); }
  int wgt(double zero) {
    if (unit() < zero) return 0;
    int v;
    do v = uniform(-128, 127);
    while (v == 0);
    return v;
  }

  void operands(Values kind, int M, int K, int N, IntMatrix& x, IntMatrix& w) {
    if (kind == Values::Mixed) kind = static_cast<Values>(uniform(0, 8));
    x = IntMatrix(M, K);
    w = IntMatrix(K, N);
    double za = 0, zw = 0;
    switch (kind) {
      case Values::Sparse50Act:
        za = 0.5;
        break;
      case Values::Sparse50Wgt:
        zw = 0.5;
        break;
      case Values::Sparse50Both:
        za = zw = 0.5;
        break;
      case Values::Sparse90Act:
        za = 0.9;
        break;
      case Values::Sparse90Wgt:
        zw = 0.9;
        break;
      case Values::Sparse90Both:
        za = zw = 0.9;
        break;
      default:
        break;
    }
    for (int& v : x.data) {
      if (kind == Values::Adversarial)
        v = adversarial_act();
      else if (kind == Values::Relu)
        v = unit() < 0.4 ? 0 : unit() < 0.7 ? uniform(1, 15) : uniform(16, 255);
      else
        v = act(za);
    }
    for (int& v : w.data) v = kind == Values::Adversarial ? adversarial_wgt() : wgt(zw);
  }

 private:
  std::mt19937_64 g_;
};

}  // namespace sysmt::tb
