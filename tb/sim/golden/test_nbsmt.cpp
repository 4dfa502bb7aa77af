// Golden model: Ra/Rw over their whole input range in every rounding mode, the spec's worked values and
// PE cycles, the PE-cycle rule's exactness properties, the GEMM against naive independent loops for
// T = 1, 2, 4, both thread mappings, K padding and accumulator wrap.
#include <gtest/gtest.h>

#include <random>

#include "sim/golden/nbsmt.hpp"

namespace sysmt {
namespace {

const Rounding kModes[] = {Rounding::Truncate, Rounding::HalfUp, Rounding::HalfEven};

// Worked values, spec section 3 (truncate / half_up / half_even).
TEST(Reduce, SpecWorkedActivations) {
  struct Row {
    int a, t, u, e;
  };
  for (Row r : {Row{9, 9, 9, 9}, Row{16, 16, 16, 16}, Row{24, 16, 32, 32}, Row{40, 32, 48, 32}, Row{200, 192, 208, 192},
                Row{248, 240, 240, 240}, Row{255, 240, 240, 240}}) {
    EXPECT_EQ(reduce_act(r.a, Rounding::Truncate), r.t) << "a=" << r.a;
    EXPECT_EQ(reduce_act(r.a, Rounding::HalfUp), r.u) << "a=" << r.a;
    EXPECT_EQ(reduce_act(r.a, Rounding::HalfEven), r.e) << "a=" << r.a;
  }
}

TEST(Reduce, SpecWorkedWeights) {
  struct Row {
    int w, t, u, e;
  };
  for (Row r : {Row{-128, -128, -128, -128}, Row{-120, -128, -112, -128}, Row{-37, -48, -32, -32}, Row{-9, -16, -16, -16}, Row{8, 0, 16, 0},
                Row{40, 32, 48, 32}, Row{127, 112, 112, 112}}) {
    EXPECT_EQ(reduce_wgt(r.w, Rounding::Truncate), r.t) << "w=" << r.w;
    EXPECT_EQ(reduce_wgt(r.w, Rounding::HalfUp), r.u) << "w=" << r.w;
    EXPECT_EQ(reduce_wgt(r.w, Rounding::HalfEven), r.e) << "w=" << r.w;
  }
}

// Exhaustive properties of Ra over 0..255.
TEST(Reduce, ActivationExhaustiveProperties) {
  for (Rounding m : kModes) {
    int prev = -1;
    for (int a = 0; a <= 255; ++a) {
      const int r = reduce_act(a, m);
      SCOPED_TRACE(::testing::Message() << "a=" << a << " mode=" << to_string(m));
      if (a < 16) {
        EXPECT_EQ(r, a);  // the low nibble holds it exactly
      } else {
        EXPECT_EQ(r % 16, 0);  // one nibble at shift 4
        EXPECT_GE(r, 16);
        EXPECT_LE(r, 240);  // saturation value
        const int err = r - a;
        if (m == Rounding::Truncate) {
          EXPECT_LE(err, 0);
          EXPECT_GT(err, -16);
        } else if (a < 248) {
          EXPECT_LE(std::abs(err), 8);  // rounding to nearest
        } else {
          EXPECT_EQ(r, 240);  // would round to 256: clamps
          EXPECT_TRUE(act_saturates(a, m));
        }
      }
      EXPECT_GE(r, prev);  // monotone
      prev = r;
    }
  }
  EXPECT_TRUE(act_saturates(248, Rounding::HalfUp));
  EXPECT_TRUE(act_saturates(255, Rounding::HalfEven));
  EXPECT_TRUE(act_saturates(248, Rounding::HalfEven));  // hi = 15 odd, lo = 8 tie: rounds up -> 16, clamps
  EXPECT_FALSE(act_saturates(247, Rounding::HalfUp));
  EXPECT_FALSE(act_saturates(255, Rounding::Truncate));
  EXPECT_TRUE(wgt_saturates(120, Rounding::HalfUp));
  EXPECT_FALSE(wgt_saturates(-128, Rounding::HalfUp));
}

TEST(Reduce, WeightExhaustiveProperties) {
  for (Rounding m : kModes) {
    int prev = -1000;
    for (int w = -128; w <= 127; ++w) {
      const int r = reduce_wgt(w, m);
      SCOPED_TRACE(::testing::Message() << "w=" << w << " mode=" << to_string(m));
      if (w >= -8 && w <= 7) {
        EXPECT_EQ(r, w);
      } else {
        EXPECT_EQ(((r % 16) + 16) % 16, 0);
        EXPECT_GE(r, -128);
        EXPECT_LE(r, 112);
        const int err = r - w;
        if (m == Rounding::Truncate) {
          EXPECT_LE(err, 0);
          EXPECT_GT(err, -16);
        } else if (w < 120) {
          EXPECT_LE(std::abs(err), 8);
        } else {
          EXPECT_EQ(r, 112);
        }
      }
      // Monotone within each region; at +8 the value may drop (truncate: 8 -> 0, spec's worked table).
      if (w != 8) {
        EXPECT_GE(r, prev);
      }
      prev = r;
    }
  }
}

TEST(Reduce, TieRulesDiffer) {
  // lo == 8: half_up always rounds up; half_even only when hi is odd.
  EXPECT_EQ(reduce_act(24, Rounding::HalfUp), 32);  // hi 1 odd
  EXPECT_EQ(reduce_act(24, Rounding::HalfEven), 32);
  EXPECT_EQ(reduce_act(40, Rounding::HalfUp), 48);  // hi 2 even
  EXPECT_EQ(reduce_act(40, Rounding::HalfEven), 32);
  EXPECT_TRUE(act_tie(40));
  EXPECT_FALSE(act_tie(41));
  EXPECT_FALSE(act_tie(8));  // below 16 nothing is rounded
  EXPECT_TRUE(wgt_tie(-120));
  EXPECT_FALSE(wgt_tie(-8));
}

TEST(Wrap, TwoComplement) {
  EXPECT_EQ(wrap_to(32767, 16), 32767);
  EXPECT_EQ(wrap_to(32768, 16), -32768);
  EXPECT_EQ(wrap_to(-32769, 16), 32767);
  EXPECT_EQ(wrap_to(65536 + 5, 16), 5);
  EXPECT_EQ(wrap_to(-1, 64), -1);
  EXPECT_EQ(wrap_to(std::int64_t{1} << 40, 41), -(std::int64_t{1} << 40));
}

Arith arith(int T, Rounding r = Rounding::HalfUp, ZeroSkip z = ZeroSkip::Both) { return Arith{T, r, z, 32}; }

// Worked PE cycles, spec section 3.
TEST(PeCycle, SpecWorkedCycles) {
  {
    int a[] = {200, 9}, w[] = {-37, 100};
    PeCycle c = pe_cycle(arith(2), a, w);
    EXPECT_EQ(c.sum, -6796);
    EXPECT_EQ(c.active, 2);
    EXPECT_EQ(c.mode, PeMode::Half);
  }
  {
    int a[] = {200, 0}, w[] = {-37, 100};
    EXPECT_EQ(pe_cycle(arith(2), a, w).sum, -7400);
  }
  {
    int a[] = {200, 9, 77, 3}, w[] = {-37, 100, 50, -2};
    PeCycle c = pe_cycle(arith(4), a, w);
    EXPECT_EQ(c.sum, -1958);
    EXPECT_EQ(c.mode, PeMode::Quarter);
  }
  {
    int a[] = {200, 9, 0, 0}, w[] = {-37, 100, 50, -2};
    EXPECT_EQ(pe_cycle(arith(4), a, w).sum, -6796);
  }
}

TEST(PeCycle, ZeroSkipModes) {
  // Thread 1 has a zero weight: with `both` it is inactive (one active thread, exact); with `act` it
  // still counts, so thread 0 is reduced.
  int a[] = {200, 9}, w[] = {-37, 0};
  EXPECT_EQ(pe_cycle(arith(2, Rounding::HalfUp, ZeroSkip::Both), a, w).sum, 200 * -37);
  PeCycle c = pe_cycle(arith(2, Rounding::HalfUp, ZeroSkip::Act), a, w);
  EXPECT_EQ(c.active, 2);
  EXPECT_EQ(c.sum, 208 * -37);
}

// Random operand in 0..255 / -128..127 with a chance of zero.
struct Rng {
  std::mt19937 g;
  explicit Rng(unsigned s) : g(s) {}
  int act(double pz = 0.3) { return std::uniform_real_distribution<>(0, 1)(g) < pz ? 0 : std::uniform_int_distribution<>(1, 255)(g); }
  int wgt(double pz = 0.3) {
    if (std::uniform_real_distribution<>(0, 1)(g) < pz) return 0;
    int v;
    do v = std::uniform_int_distribution<>(-128, 127)(g);
    while (v == 0);
    return v;
  }
};

TEST(PeCycle, AtMostOneActiveIsExact) {
  Rng r(7);
  for (int T : {2, 4})
    for (int i = 0; i < 20000; ++i) {
      int a[4] = {0, 0, 0, 0}, w[4] = {0, 0, 0, 0};
      const int hot = i % T;
      for (int t = 0; t < T; ++t) {
        a[t] = r.act(0.0);
        w[t] = r.wgt(0.0);
        if (t != hot) (i & 1 ? a[t] : w[t]) = 0;  // every other thread inactive
      }
      PeCycle c = pe_cycle(arith(T), a, w);
      EXPECT_LE(c.active, 1);
      EXPECT_EQ(c.sum, std::int64_t{a[hot]} * w[hot]);
    }
}

TEST(PeCycle, TwoThreadsSmallActivationsAreExact) {
  Rng r(8);
  for (int i = 0; i < 20000; ++i) {
    int a[2] = {std::uniform_int_distribution<>(1, 15)(r.g), std::uniform_int_distribution<>(1, 15)(r.g)};
    int w[2] = {r.wgt(0.0), r.wgt(0.0)};
    for (Rounding m : kModes) EXPECT_EQ(pe_cycle(arith(2, m), a, w).sum, std::int64_t{a[0]} * w[0] + std::int64_t{a[1]} * w[1]);
  }
}

// Independent naive exact GEMM, written without any of the model's helpers.
AccMatrix naive_exact(const IntMatrix& x, const IntMatrix& w) {
  AccMatrix y(x.rows, w.cols);
  for (int m = 0; m < x.rows; ++m)
    for (int n = 0; n < w.cols; ++n) {
      std::int64_t s = 0;
      for (int k = 0; k < x.cols; ++k) s += std::int64_t{x.at(m, k)} * w.at(k, n);
      y.at(m, n) = s;
    }
  return y;
}

void random_mats(Rng& r, int M, int K, int N, double pa, double pw, IntMatrix& x, IntMatrix& w) {
  x = IntMatrix(M, K);
  w = IntMatrix(K, N);
  for (int& v : x.data) v = r.act(pa);
  for (int& v : w.data) v = r.wgt(pw);
}

// The GEMM one PE cycle at a time through pe_cycle, with the spec's k assignment written out here.
AccMatrix per_cycle_gemm(const Arith& ar, const IntMatrix& x, const IntMatrix& w, Mapping map) {
  const int K = x.cols, T = ar.threads, G = (K + T - 1) / T;
  AccMatrix y(x.rows, w.cols);
  for (int m = 0; m < x.rows; ++m)
    for (int n = 0; n < w.cols; ++n) {
      std::int64_t acc = 0;
      for (int g = 0; g < G; ++g) {
        int a[4] = {0, 0, 0, 0}, b[4] = {0, 0, 0, 0};
        for (int t = 0; t < T; ++t) {
          const int k = map == Mapping::Interleaved ? g * T + t : t * G + g;
          if (k < K) {
            a[t] = x.at(m, k);
            b[t] = w.at(k, n);
          }
        }
        acc = wrap_to(acc + pe_cycle(ar, a, b).sum, ar.acc_bits);  // wraps every cycle, like the hardware
      }
      y.at(m, n) = acc;
    }
  return y;
}

TEST(Gemm, OneThreadEqualsNaiveExact) {
  Rng r(11);
  for (int i = 0; i < 30; ++i) {
    IntMatrix x, w;
    random_mats(r, 1 + i % 7, 1 + (i * 13) % 50, 1 + (i * 5) % 9, 0.3, 0.2, x, w);
    for (Mapping map : {Mapping::Interleaved, Mapping::Blocked}) {
      EXPECT_EQ(gemm_nbsmt(arith(1), x, w, map), naive_exact(x, w));
    }
    EXPECT_EQ(gemm_exact(x, w, 32), naive_exact(x, w));
  }
}

TEST(Gemm, MatchesPerCycleRuleAllSettings) {
  Rng r(12);
  for (int T : {1, 2, 4})
    for (Rounding m : kModes)
      for (ZeroSkip z : {ZeroSkip::Both, ZeroSkip::Act})
        for (Mapping map : {Mapping::Interleaved, Mapping::Blocked})
          for (double pz : {0.0, 0.5, 0.9}) {
            IntMatrix x, w;
            random_mats(r, 5, 1 + static_cast<int>(r.g() % 37), 6, pz, pz / 2, x, w);  // K often not a multiple of T
            const Arith ar{T, m, z, 32};
            EXPECT_EQ(gemm_nbsmt(ar, x, w, map), per_cycle_gemm(ar, x, w, map))
                << "T=" << T << " " << to_string(m) << " " << to_string(z) << " " << to_string(map) << " pz=" << pz;
          }
}

TEST(Gemm, MappingsDifferOnlyWhenThreadsShare) {
  // With one thread both mappings feed the same k sequence. With T = 2 they differ on sparse data, where
  // the pairing decides which groups have one active thread (exact) and which share (reduced); on dense
  // data every group shares and the pairing does not matter.
  Rng r(13);
  IntMatrix x, w;
  random_mats(r, 8, 40, 8, 0.0, 0.0, x, w);
  EXPECT_EQ(gemm_nbsmt(arith(2), x, w, Mapping::Interleaved), gemm_nbsmt(arith(2), x, w, Mapping::Blocked));
  random_mats(r, 8, 40, 8, 0.5, 0.0, x, w);
  EXPECT_EQ(gemm_nbsmt(arith(1), x, w, Mapping::Interleaved), gemm_nbsmt(arith(1), x, w, Mapping::Blocked));
  EXPECT_NE(gemm_nbsmt(arith(2), x, w, Mapping::Interleaved), gemm_nbsmt(arith(2), x, w, Mapping::Blocked));
}

TEST(Gemm, KMappingAndPadding) {
  EXPECT_EQ(num_groups(5, 2), 3);
  EXPECT_EQ(k_of(Mapping::Interleaved, 2, 0, 2, 5), 4);
  EXPECT_EQ(k_of(Mapping::Interleaved, 2, 1, 2, 5), -1);  // padding
  EXPECT_EQ(k_of(Mapping::Blocked, 0, 1, 2, 5), 3);       // k = t*G + g
  EXPECT_EQ(k_of(Mapping::Blocked, 2, 1, 2, 5), -1);
  EXPECT_EQ(k_of(Mapping::Blocked, 1, 3, 4, 7), -1);  // G = 2: t=3 -> k = 7 past K
}

TEST(Gemm, AccumulatorWrapsAt16Bits) {
  // 255 * 127 * 4 = 129540 overflows int16 more than once; the model must wrap exactly like the
  // hardware, whose accumulator wraps every cycle.
  IntMatrix x(1, 4, 255), w(4, 1, 127);
  for (int T : {1, 2, 4}) {
    Arith ar{T, Rounding::HalfUp, ZeroSkip::Both, 16};
    const AccMatrix y = gemm_nbsmt(ar, x, w, Mapping::Interleaved);
    EXPECT_EQ(y, per_cycle_gemm(ar, x, w, Mapping::Interleaved));
    EXPECT_GE(y.at(0, 0), -32768);
    EXPECT_LE(y.at(0, 0), 32767);
  }
  Arith one{1, Rounding::HalfUp, ZeroSkip::Both, 16};
  EXPECT_EQ(gemm_nbsmt(one, x, w, Mapping::Interleaved).at(0, 0), wrap_to(129540, 16));
  EXPECT_EQ(wrap_to(129540, 16), 129540 - 131072);
  // Long K: each chunk-internal sum stays exact and wraps at 64 / 40 bits too.
  IntMatrix xl(1, 20000, 255), wl(20000, 1, -128);
  EXPECT_EQ(gemm_nbsmt(Arith{1, Rounding::HalfUp, ZeroSkip::Both, 64}, xl, wl, Mapping::Interleaved).at(0, 0),
            std::int64_t{20000} * 255 * -128);
}

TEST(Stats, CountsMatchPerCycleClassification) {
  Rng r(14);
  for (int T : {1, 2, 4})
    for (double pz : {0.0, 0.5, 0.8}) {
      IntMatrix x, w;
      random_mats(r, 7, 23, 5, pz, pz, x, w);
      // Sprinkle small and tie values so lossless sharing, saturation and ties all occur.
      for (size_t i = 0; i < x.data.size(); i += 5) x.data[i] = static_cast<int>(i % 16);
      for (size_t i = 3; i < x.data.size(); i += 11) x.data[i] = 248;
      for (size_t i = 1; i < w.data.size(); i += 7) w.data[i] = 120;
      const Arith ar = arith(T);
      GemmStats s = gemm_stats(ar, x, w, Mapping::Interleaved);
      GemmStats e;
      const int G = num_groups(23, T);
      for (int m = 0; m < 7; ++m)
        for (int n = 0; n < 5; ++n)
          for (int g = 0; g < G; ++g) {
            int a[4] = {0, 0, 0, 0}, b[4] = {0, 0, 0, 0};
            for (int t = 0; t < T; ++t) {
              int k = k_of(Mapping::Interleaved, g, t, T, 23);
              if (k >= 0) {
                a[t] = x.at(m, k);
                b[t] = w.at(k, n);
              }
            }
            PeCycle c = pe_cycle(ar, a, b);
            ++e.active_hist[c.active];
            std::int64_t exact = 0;
            for (int t = 0; t < T; ++t) exact += std::int64_t{a[t]} * b[t];
            if (c.mode == PeMode::Exact) {
              ++e.exact_cycles;
              continue;
            }
            bool lossless = true;
            for (int t = 0; t < T; ++t) {
              if (!thread_active(a[t], b[t], ar.zero_skip)) continue;
              ++e.reduced_operands;
              lossless &= reduce_act(a[t], ar.rounding) == a[t];
              e.saturated_reductions += act_saturates(a[t], ar.rounding);
              e.rounding_ties += act_tie(a[t]);
              if (c.mode == PeMode::Quarter) {
                ++e.reduced_operands;
                lossless &= reduce_wgt(b[t], ar.rounding) == b[t];
                e.saturated_reductions += wgt_saturates(b[t], ar.rounding);
                e.rounding_ties += wgt_tie(b[t]);
              }
            }
            if (lossless) {
              EXPECT_EQ(c.sum, exact);
            }
            ++(lossless ? e.shared_lossless : e.shared_lossy);
            ++(c.mode == PeMode::Half ? e.half_mode_cycles : e.quarter_mode_cycles);
          }
      SCOPED_TRACE(::testing::Message() << "T=" << T << " pz=" << pz);
      EXPECT_EQ(s.pe_cycles, 7u * 5u * G);
      EXPECT_EQ(s.active_hist, e.active_hist);
      EXPECT_EQ(s.exact_cycles, e.exact_cycles);
      EXPECT_EQ(s.shared_lossless, e.shared_lossless);
      EXPECT_EQ(s.shared_lossy, e.shared_lossy);
      EXPECT_EQ(s.half_mode_cycles, e.half_mode_cycles);
      EXPECT_EQ(s.quarter_mode_cycles, e.quarter_mode_cycles);
      EXPECT_EQ(s.reduced_operands, e.reduced_operands);
      EXPECT_EQ(s.saturated_reductions, e.saturated_reductions);
      EXPECT_EQ(s.rounding_ties, e.rounding_ties);
      if (T > 1 && pz < 0.6) {
        EXPECT_GT(s.shared_lossy, 0u);
        EXPECT_GT(s.saturated_reductions, 0u);
      }
    }
}

TEST(Error, Metrics) {
  AccMatrix exact(1, 4), y(1, 4);
  exact.data = {100, -200, 0, 50};
  y.data = {100, -190, 0, 47};
  ErrorMetrics e = compare(y, exact);
  EXPECT_EQ(e.max_abs, 10);
  EXPECT_DOUBLE_EQ(e.mean_abs, 13.0 / 4);
  EXPECT_DOUBLE_EQ(e.frac_differ, 0.5);
  const double sig = 100.0 * 100 + 200 * 200 + 50 * 50, noise = 100 + 9;
  EXPECT_NEAR(e.sqnr_db, 10 * std::log10(sig / noise), 1e-9);
  EXPECT_NEAR(e.rel_frobenius, std::sqrt(noise / sig), 1e-12);
  EXPECT_TRUE(std::isinf(compare(exact, exact).sqnr_db));
  EXPECT_EQ(compare(exact, exact).rel_frobenius, 0.0);
}

}  // namespace
}  // namespace sysmt
