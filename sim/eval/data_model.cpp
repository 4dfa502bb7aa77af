// The data model's generators: splitmix64 with Box-Muller normals, written out here so that data is the
// same with every standard library (no <random> distributions).
#include "sim/eval/data_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/hash.hpp"

namespace sysmt {

namespace {

// splitmix64: tiny, well mixed, and fully specified here, so data is the same with every standard library.
struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double normal() {                                                           // Box-Muller, one value per pair
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }  // bias < n / 2^64, irrelevant here
};

}  // namespace

std::uint64_t stream_seed(std::uint64_t seed, const std::string& layer, const char* stream) {
  return fnv1a64(fmt::format("{}/{}/{}", seed, layer, stream));
}

Tensor3 make_activations(int H, int W, int C, double zero_frac, double scale, std::uint64_t seed) {
  Rng r{seed};
  Tensor3 t(H, W, C);
  for (int& v : t.data) {
    if (r.uniform() < zero_frac) {
      v = 0;
      continue;
    }
    const long q = std::lround(std::fabs(r.normal()) * scale);
    v = static_cast<int>(std::clamp<long>(q, 1, 255));
  }
  return t;
}

IntMatrix make_weights(int K, int N, double prune, std::uint64_t seed) {
  Rng r{seed};
  const size_t n = static_cast<size_t>(K) * N;
  std::vector<double> g(n);
  for (double& v : g) v = r.normal();
  const size_t npruned = static_cast<size_t>(std::floor(prune * static_cast<double>(n)));
  if (npruned > 0) {
    std::vector<size_t> idx(n);
    std::iota(idx.begin(), idx.end(), size_t{0});
    auto smaller = [&](size_t a, size_t b) {
      const double fa = std::fabs(g[a]), fb = std::fabs(g[b]);
      return fa < fb || (fa == fb && a < b);
    };
    std::nth_element(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(npruned - 1), idx.end(), smaller);
    for (size_t i = 0; i < npruned; ++i) g[idx[i]] = 0.0;
  }
  IntMatrix w(K, N);
  for (int c = 0; c < N; ++c) {
    double mx = 0;
    for (int k = 0; k < K; ++k) mx = std::max(mx, std::fabs(g[static_cast<size_t>(k) * N + c]));
    if (mx == 0) continue;
    for (int k = 0; k < K; ++k) {
      const long q = std::lround(g[static_cast<size_t>(k) * N + c] * 127.0 / mx);
      w.at(k, c) = static_cast<int>(std::clamp<long>(q, -128, 127));
    }
  }
  return w;
}

std::vector<int> sample_rows(int M, double fraction, std::uint64_t seed) {
  std::vector<int> all(static_cast<size_t>(M));
  std::iota(all.begin(), all.end(), 0);
  if (fraction >= 1.0) return all;
  const int n = std::max(std::min(M, kMinSampleRows), static_cast<int>(std::ceil(fraction * M)));
  if (n >= M) return all;
  Rng r{seed};
  for (int i = 0; i < n; ++i)
    std::swap(all[static_cast<size_t>(i)], all[static_cast<size_t>(i) + r.below(static_cast<std::uint64_t>(M - i))]);
  all.resize(static_cast<size_t>(n));
  std::sort(all.begin(), all.end());
  return all;
}

}  // namespace sysmt
