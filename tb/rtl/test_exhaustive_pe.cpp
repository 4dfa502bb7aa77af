// Exhaustive check of the two-thread PE arithmetic: every (a0, a1, w0, w1), 2^32 combinations, streamed
// through a 1x1 two-thread array (one K-group per tile, so one PE cycle leaves per clock) and compared
// with the golden PE-cycle rule. Four shards of 64 values of a0 each carry the ctest label `long`; a
// slice over the adversarial a0 values runs by default.
#include <gtest/gtest.h>

#include <chrono>

#include "Vsysmt_2t_1x1.h"
#include "verify/harness.hpp"

namespace sysmt::tb {
namespace {

// Streams all (a1, w0, w1) for each a0 in `a0s`; returns the number of PE cycles checked.
std::uint64_t sweep(const std::vector<int>& a0s) {
  VerilatedContext ctx;
  ctx.fatalOnError(false);
  Vsysmt_2t_1x1 m(&ctx, "dut");
  const Arith ar{2, Rounding::HalfUp, ZeroSkip::Both, 32};
  constexpr int kLat = SYSMT_EXHAUSTIVE_LAT;  // 1x1 array: LAT = COLS + 1 + P, from the manifest
  static_assert(kLat < 4, "the ring of expected sums holds 4");
  // The PE cycle accepted at edge e leaves after edge e + kLat; a ring of expected sums bridges the gap.
  std::int64_t expect[4] = {0, 0, 0, 0};
  std::uint64_t edge = 0, checked = 0, failures = 0;
  m.rst_n = 0;
  for (int i = 0; i < 3; ++i) {
    m.clk = 0;
    m.eval();
    m.clk = 1;
    m.eval();
  }
  m.rst_n = 1;
  m.in_valid = 1;
  m.in_last = 1;
  std::uint64_t fed = 0;
  for (int a0 : a0s)
    for (int a1 = 0; a1 < 256; ++a1)
      for (int w0 = -128; w0 < 128; ++w0)
        for (int w1 = -128; w1 < 128; ++w1) {
          m.in_act = static_cast<SData>(a0 | (a1 << 8));
          m.in_wgt = static_cast<SData>((w0 & 0xff) | ((w1 & 0xff) << 8));
          m.clk = 0;
          m.eval();
          m.clk = 1;
          m.eval();
          ++edge;
          const int a[2] = {a0, a1}, w[2] = {w0, w1};
          expect[edge % 4] = wrap_to(pe_cycle(ar, a, w).sum, 32);
          ++fed;
          if (edge > kLat) {
            const std::int64_t got = static_cast<std::int32_t>(m.out_data);
            if (!m.out_valid || got != expect[(edge - kLat) % 4]) {
              if (++failures <= 5)
                ADD_FAILURE() << "PE cycle fed at edge " << edge - kLat << " (a0=" << a0 << "; the operands fed now, " << kLat
                              << " edges later, are a1=" << a1 << " w0=" << w0 << " w1=" << w1 << "): RTL " << got << " valid "
                              << int(m.out_valid) << ", golden " << expect[(edge - kLat) % 4];
            }
            ++checked;
          }
        }
  // Drain the last kLat results.
  m.in_valid = 0;
  for (int i = 0; i < kLat; ++i) {
    m.clk = 0;
    m.eval();
    m.clk = 1;
    m.eval();
    ++edge;
    const std::int64_t got = static_cast<std::int32_t>(m.out_data);
    EXPECT_TRUE(m.out_valid && got == expect[(edge - kLat) % 4]) << "final results";
    ++checked;
  }
  m.final();
  EXPECT_EQ(checked, fed);
  EXPECT_EQ(failures, 0u);
  return checked;
}

std::vector<int> range(int lo, int hi) {
  std::vector<int> v;
  for (int a = lo; a < hi; ++a) v.push_back(a);
  return v;
}

void timed(const std::vector<int>& a0s) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t n = sweep(a0s);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%llu PE cycles checked in %.1f s (%.1f M/s)\n", static_cast<unsigned long long>(n), s, static_cast<double>(n) / s / 1e6);
}

TEST(PeExhaustive, AdversarialSlice) { timed({0, 24, 248}); }
TEST(PeExhaustive, Shard0) { timed(range(0, 64)); }
TEST(PeExhaustive, Shard1) { timed(range(64, 128)); }
TEST(PeExhaustive, Shard2) { timed(range(128, 192)); }
TEST(PeExhaustive, Shard3) { timed(range(192, 256)); }

}  // namespace
}  // namespace sysmt::tb
