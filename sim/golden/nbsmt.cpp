// Golden NB-SMT model. The scalar rules (Ra, Rw, pe_cycle) transcribe the spec; the GEMM re-arranges
// the same rules so that the compiler can vectorise over output columns, and the tests check it against
// pe_cycle applied one PE cycle at a time.
#include "sim/golden/nbsmt.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace sysmt {

int round_nibble(int hi, int lo, Rounding r) {
  switch (r) {
    case Rounding::Truncate:
      return hi;
    case Rounding::HalfUp:
      return hi + (lo >= 8 ? 1 : 0);
    case Rounding::HalfEven:
      return hi + ((lo > 8 || (lo == 8 && (hi & 1))) ? 1 : 0);
  }
  return hi;
}

int reduce_act(int a, Rounding r) {
  if (a < 16) return a;
  return std::min(round_nibble(a >> 4, a & 15, r), 15) << 4;
}

int reduce_wgt(int w, Rounding r) {
  if (w >= -8 && w <= 7) return w;
  return std::min(round_nibble(w >> 4, w & 15, r), 7) * 16;
}

bool act_saturates(int a, Rounding r) { return a >= 16 && round_nibble(a >> 4, a & 15, r) > 15; }
bool wgt_saturates(int w, Rounding r) { return (w < -8 || w > 7) && round_nibble(w >> 4, w & 15, r) > 7; }
bool act_tie(int a) { return a >= 16 && (a & 15) == 8; }
bool wgt_tie(int w) { return (w < -8 || w > 7) && (w & 15) == 8; }

std::int64_t wrap_to(std::int64_t v, int bits) {
  if (bits >= 64) return v;
  std::uint64_t u = static_cast<std::uint64_t>(v);
  std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
  u &= mask;
  if (u >> (bits - 1)) u |= ~mask;
  return static_cast<std::int64_t>(u);
}

const char* to_string(PeMode m) {
  switch (m) {
    case PeMode::Exact:
      return "exact";
    case PeMode::Half:
      return "4bx8b";
    case PeMode::Quarter:
      return "4bx4b";
  }
  return "?";
}

const char* to_string(Mapping m) { return m == Mapping::Interleaved ? "interleaved" : "blocked"; }

bool thread_active(int a, int w, ZeroSkip zs) { return a != 0 && (zs == ZeroSkip::Act || w != 0); }

PeMode pe_mode(int threads, int n) {
  if (threads == 1 || n <= 1) return PeMode::Exact;
  if (n == 2) return PeMode::Half;
  return PeMode::Quarter;  // only reachable with T = 4
}

PeCycle pe_cycle(const Arith& ar, const int* a, const int* w) {
  PeCycle c;
  for (int t = 0; t < ar.threads; ++t) c.active += thread_active(a[t], w[t], ar.zero_skip) ? 1 : 0;
  c.mode = pe_mode(ar.threads, c.active);
  for (int t = 0; t < ar.threads; ++t) {
    if (!thread_active(a[t], w[t], ar.zero_skip)) continue;
    switch (c.mode) {
      case PeMode::Exact:
        c.sum += std::int64_t{a[t]} * w[t];
        break;
      case PeMode::Half:
        c.sum += std::int64_t{reduce_act(a[t], ar.rounding)} * w[t];
        break;
      case PeMode::Quarter:
        c.sum += std::int64_t{reduce_act(a[t], ar.rounding)} * reduce_wgt(w[t], ar.rounding);
        break;
    }
  }
  return c;
}

int num_groups(int K, int threads) { return (K + threads - 1) / threads; }

int k_of(Mapping m, int g, int t, int threads, int K) {
  int G = num_groups(K, threads);
  int k = m == Mapping::Interleaved ? g * threads + t : t * G + g;
  return k < K ? k : -1;
}

namespace {

// Operands laid out per K-group for the vectorised loops: activations per (m, g, t), weights per
// (g, t, n) with n contiguous, plus per-thread activity masks.
struct Packed {
  int T, G, M, N;
  // 16-bit operands: every product fits 16 x 16 -> 32 bits, which SIMD multiplies well.
  std::vector<std::int16_t> xa, xr;  // [m][g][t] exact and reduced activation
  std::vector<std::uint8_t> xmask;   // [m][g] bit t: a != 0
  std::vector<std::int16_t> we, wr;  // [g][t][n] exact and reduced weight
  std::vector<std::uint8_t> wmask;   // [g][n] bit t: w counts as non-zero for zero_skip
};

Packed pack(const Arith& ar, const IntMatrix& x, const IntMatrix& w, Mapping map) {
  assert(x.cols == w.rows);
  Packed p;
  p.T = ar.threads;
  p.M = x.rows;
  p.N = w.cols;
  const int K = x.cols;
  p.G = num_groups(K, p.T);
  const size_t MG = static_cast<size_t>(p.M) * p.G, GN = static_cast<size_t>(p.G) * p.N;
  p.xa.assign(MG * p.T, 0);
  p.xr.assign(MG * p.T, 0);
  p.xmask.assign(MG, 0);
  p.we.assign(GN * p.T, 0);
  p.wr.assign(GN * p.T, 0);
  p.wmask.assign(GN, 0);
  for (int g = 0; g < p.G; ++g)
    for (int t = 0; t < p.T; ++t) {
      int k = k_of(map, g, t, p.T, K);
      if (k < 0) continue;
      for (int m = 0; m < p.M; ++m) {
        size_t i = (static_cast<size_t>(m) * p.G + g);
        int a = x.at(m, k);
        p.xa[i * p.T + t] = static_cast<std::int16_t>(a);
        p.xr[i * p.T + t] = static_cast<std::int16_t>(reduce_act(a, ar.rounding));
        if (a != 0) p.xmask[i] |= static_cast<std::uint8_t>(1u << t);
      }
      for (int n = 0; n < p.N; ++n) {
        int v = w.at(k, n);
        size_t i = (static_cast<size_t>(g) * p.T + t) * p.N + n;
        p.we[i] = static_cast<std::int16_t>(v);
        p.wr[i] = static_cast<std::int16_t>(reduce_wgt(v, ar.rounding));
        if (v != 0 || ar.zero_skip == ZeroSkip::Act) p.wmask[static_cast<size_t>(g) * p.N + n] |= static_cast<std::uint8_t>(1u << t);
      }
    }
  return p;
}

// Per-group sums stay far below 2^31 (at most 4 * 255 * 128 per group), so int32 lanes are flushed into
// int64 every kChunk groups; the result is exact before the final wrap to acc_bits.
constexpr int kChunk = 4096;

}  // namespace

namespace {

AccMatrix packed_values(const Arith& ar, const Packed& p) {
  const int T = p.T, N = p.N;
  AccMatrix y(p.M, N);
  std::vector<std::int32_t> acc(N);
  std::vector<std::int64_t> acc64(N);
  for (int m = 0; m < p.M; ++m) {
    std::fill(acc64.begin(), acc64.end(), 0);
    for (int g0 = 0; g0 < p.G; g0 += kChunk) {
      std::fill(acc.begin(), acc.end(), 0);
      const int g1 = std::min(p.G, g0 + kChunk);
      for (int g = g0; g < g1; ++g) {
        const size_t mg = static_cast<size_t>(m) * p.G + g;
        const unsigned ma = p.xmask[mg];
        const std::int16_t* xa = &p.xa[mg * T];
        const std::int16_t* xr = &p.xr[mg * T];
        const std::uint8_t* wm = &p.wmask[static_cast<size_t>(g) * N];
        const std::int16_t* we = &p.we[static_cast<size_t>(g) * T * N];
        const std::int16_t* wr = &p.wr[static_cast<size_t>(g) * T * N];
        if (ma == 0) continue;
        if (T == 1 || (ma & (ma - 1)) == 0) {
          // At most one non-zero activation: every lane has at most one active thread, exact.
          const int t = __builtin_ctz(ma);
          const std::int16_t a = xa[t];
          const std::int16_t* wt = we + static_cast<size_t>(t) * N;
          for (int n = 0; n < N; ++n) acc[n] += std::int32_t{a} * wt[n];
          continue;
        }
        // Several non-zero activations: lane n's active threads are the set bits of ma & wm[n]. Inactive
        // threads add nothing whatever the mode (their activation or weight is zero), so the fused loops
        // visit every thread and select each operand by the lane's active count. T = 2 always takes the
        // first branch; T = 4 with three or four non-zero activations the second.
        if (__builtin_popcount(ma) == 2) {
          // Two non-zero activations (any T): a lane shares, 4b x 8b, when both weights count as non-zero.
          const int t0 = __builtin_ctz(ma), t1 = __builtin_ctz(ma & (ma - 1));
          const std::int16_t a0 = xa[t0], a1 = xa[t1], r0 = xr[t0], r1 = xr[t1];
          const std::int16_t *w0 = we + static_cast<size_t>(t0) * N, *w1 = we + static_cast<size_t>(t1) * N;
          const unsigned pair = ma;
          for (int n = 0; n < N; ++n) {
            const bool both = (wm[n] & pair) == pair;
            acc[n] += std::int32_t{both ? r0 : a0} * w0[n] + std::int32_t{both ? r1 : a1} * w1[n];
          }
        } else {
          std::int16_t av[4], rv[4];
          for (int t = 0; t < 4; ++t) {
            av[t] = xa[t];
            rv[t] = xr[t];
          }
          const std::int16_t *w0 = we, *w1 = we + N, *w2 = we + 2 * N, *w3 = we + 3 * N;
          const std::int16_t *q0 = wr, *q1 = wr + N, *q2 = wr + 2 * N, *q3 = wr + 3 * N;
          for (int n = 0; n < N; ++n) {
            const unsigned act = ma & wm[n];
            const int c = static_cast<int>((act & 1u) + (act >> 1 & 1u) + (act >> 2 & 1u) + (act >> 3 & 1u));
            const bool ra = c >= 2, rw = c >= 3;
            acc[n] += std::int32_t{ra ? rv[0] : av[0]} * (rw ? q0[n] : w0[n]) + std::int32_t{ra ? rv[1] : av[1]} * (rw ? q1[n] : w1[n]) +
                      std::int32_t{ra ? rv[2] : av[2]} * (rw ? q2[n] : w2[n]) + std::int32_t{ra ? rv[3] : av[3]} * (rw ? q3[n] : w3[n]);
          }
        }
      }
      for (int n = 0; n < N; ++n) acc64[n] += acc[n];
    }
    for (int n = 0; n < N; ++n) y.at(m, n) = wrap_to(acc64[n], ar.acc_bits);
  }
  return y;
}

GemmStats packed_stats(const Arith& ar, const Packed& p) {
  const int T = p.T, V = 1 << T;
  GemmStats s;
  s.threads = T;
  s.pe_cycles = static_cast<std::uint64_t>(p.M) * p.N * p.G;
  // Per-operand flags as thread bit masks: the reduction changes the value, clamps, or rounds a tie.
  struct Flags {
    unsigned lossy = 0, sat = 0, tie = 0;
  };
  auto flags = [&](const std::int16_t* v, const std::int16_t* r, bool act, size_t stride) {
    Flags f;
    for (int t = 0; t < T; ++t) {
      int val = v[t * stride], red = r[t * stride];
      if (val != red) f.lossy |= 1u << t;
      if (act ? act_saturates(val, ar.rounding) : wgt_saturates(val, ar.rounding)) f.sat |= 1u << t;
      if (act ? act_tie(val) : wgt_tie(val)) f.tie |= 1u << t;
    }
    return f;
  };
  // A PE cycle's class depends on the activation side (fixed per (m, g)) and on its column's weight
  // mask. So per K-group the columns are binned by weight mask v (at most 16 bins), with per-bin counts
  // of the weight flags; each (m, g) then visits bins instead of columns.
  struct Bin {
    std::uint64_t lanes = 0;
    std::array<std::uint64_t, 16> keep{};       // lanes whose weights in subset S are all exact (index S)
    std::array<std::uint64_t, 4> sat{}, tie{};  // lanes whose weight t saturates / ties
  };
  std::vector<Bin> bins(static_cast<size_t>(p.G) * V);
  for (int g = 0; g < p.G; ++g)
    for (int n = 0; n < p.N; ++n) {
      const size_t base = static_cast<size_t>(g) * T * p.N + n;
      const Flags f = flags(&p.we[base], &p.wr[base], false, p.N);
      const unsigned v = p.wmask[static_cast<size_t>(g) * p.N + n];
      Bin& b = bins[static_cast<size_t>(g) * V + v];
      ++b.lanes;
      for (unsigned S = 0; S < static_cast<unsigned>(V); ++S) b.keep[S] += (f.lossy & S) == 0;
      for (int t = 0; t < T; ++t) {
        b.sat[t] += f.sat >> t & 1;
        b.tie[t] += f.tie >> t & 1;
      }
    }
  for (int m = 0; m < p.M; ++m)
    for (int g = 0; g < p.G; ++g) {
      const size_t mg = static_cast<size_t>(m) * p.G + g;
      const Flags fa = flags(&p.xa[mg * T], &p.xr[mg * T], true, 1);
      const unsigned ma = p.xmask[mg];
      for (int v = 0; v < V; ++v) {
        const Bin& b = bins[static_cast<size_t>(g) * V + v];
        if (b.lanes == 0) continue;
        const unsigned act = ma & static_cast<unsigned>(v);
        const int c = __builtin_popcount(act);
        s.active_hist[c] += b.lanes;
        if (c < 2) continue;
        const bool quarter = c >= 3;  // weights are reduced only in 4b x 4b mode
        const std::uint64_t lossless = (act & fa.lossy) ? 0 : quarter ? b.keep[act] : b.lanes;
        s.shared_lossless += lossless;
        s.shared_lossy += b.lanes - lossless;
        (quarter ? s.quarter_mode_cycles : s.half_mode_cycles) += b.lanes;
        s.reduced_operands += b.lanes * static_cast<std::uint64_t>(quarter ? 2 * c : c);
        s.saturated_reductions += b.lanes * __builtin_popcount(act & fa.sat);
        s.rounding_ties += b.lanes * __builtin_popcount(act & fa.tie);
        if (quarter)
          for (int t = 0; t < T; ++t)
            if (act >> t & 1) {
              s.saturated_reductions += b.sat[t];
              s.rounding_ties += b.tie[t];
            }
      }
    }
  s.exact_cycles = s.active_hist[0] + s.active_hist[1];  // with T = 1 no cycle has two active threads
  return s;
}

}  // namespace

AccMatrix gemm_nbsmt(const Arith& ar, const IntMatrix& x, const IntMatrix& w, Mapping m) { return packed_values(ar, pack(ar, x, w, m)); }

GemmStats gemm_stats(const Arith& ar, const IntMatrix& x, const IntMatrix& w, Mapping m) { return packed_stats(ar, pack(ar, x, w, m)); }

GemmResult gemm(const Arith& ar, const IntMatrix& x, const IntMatrix& w, Mapping m) {
  const Packed p = pack(ar, x, w, m);
  return GemmResult{packed_values(ar, p), packed_stats(ar, p)};
}

AccMatrix gemm_exact(const IntMatrix& x, const IntMatrix& w, int acc_bits) {
  assert(x.cols == w.rows);
  const int M = x.rows, K = x.cols, N = w.cols;
  AccMatrix y(M, N);
  std::vector<std::int32_t> acc(N);
  std::vector<std::int64_t> acc64(N);
  for (int m = 0; m < M; ++m) {
    std::fill(acc64.begin(), acc64.end(), 0);
    for (int k0 = 0; k0 < K; k0 += kChunk) {
      std::fill(acc.begin(), acc.end(), 0);
      for (int k = k0; k < std::min(K, k0 + kChunk); ++k) {
        const std::int32_t a = x.at(m, k);
        const int* wk = &w.data[static_cast<size_t>(k) * N];
        for (int n = 0; n < N; ++n) acc[n] += a * wk[n];
      }
      for (int n = 0; n < N; ++n) acc64[n] += acc[n];
    }
    for (int n = 0; n < N; ++n) y.at(m, n) = wrap_to(acc64[n], acc_bits);
  }
  return y;
}

ErrorMetrics compare(const AccMatrix& y, const AccMatrix& exact) {
  assert(y.rows == exact.rows && y.cols == exact.cols);
  ErrorMetrics e;
  long double sig = 0, noise = 0, abs_sum = 0;
  std::uint64_t differ = 0;
  for (size_t i = 0; i < y.data.size(); ++i) {
    long double d = static_cast<long double>(y.data[i]) - static_cast<long double>(exact.data[i]);
    long double ad = d < 0 ? -d : d;
    if (ad > 0) ++differ;
    e.max_abs = std::max<std::int64_t>(e.max_abs, static_cast<std::int64_t>(ad));
    abs_sum += ad;
    noise += d * d;
    sig += static_cast<long double>(exact.data[i]) * static_cast<long double>(exact.data[i]);
  }
  const double n = y.data.empty() ? 1.0 : static_cast<double>(y.data.size());
  e.mean_abs = static_cast<double>(abs_sum) / n;
  e.frac_differ = static_cast<double>(differ) / n;
  e.rel_frobenius = sig > 0 ? std::sqrt(static_cast<double>(noise / sig)) : (noise > 0 ? std::numeric_limits<double>::infinity() : 0.0);
  e.sqnr_db = noise > 0 ? 10.0 * std::log10(static_cast<double>(sig / noise)) : std::numeric_limits<double>::infinity();
  return e;
}

}  // namespace sysmt
