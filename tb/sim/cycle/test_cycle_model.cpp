// Cycle model: the closed form against the event-level schedule, hand-worked small cases of the timing
// contract (latency COLS + 1 + P, drain interval max(ROWS, COLS)), stalls for short tiles and in_valid
// gaps.
#include <gtest/gtest.h>

#include "sim/cycle/cycle_model.hpp"

namespace sysmt {
namespace {

const auto always = [](std::uint64_t) { return true; };

TEST(CycleModel, HandWorkedSingleTile) {
  // 2x3 array, T = 2, K = 5: G = 3 K-groups accepted at edges 1, 2, 3; LAT = 3 + 1 = 4; rows out after
  // edges 7 and 8.
  const ArrayTiming t{2, 3, 2, 0};
  EXPECT_EQ(t.latency(), 4);
  EXPECT_EQ(t.drain_interval(), 3);
  const Schedule s = schedule(t, {3}, always);
  EXPECT_EQ(s.accept_edge, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(s.out_edge, (std::vector<std::uint64_t>{7, 8}));
  EXPECT_EQ(s.total_cycles, 8u);
  const GemmCycles c = gemm_cycles(t, GemmShape{2, 5, 3});
  EXPECT_EQ(c.tiles, 1u);
  EXPECT_EQ(c.groups_per_tile, 3u);
  EXPECT_EQ(c.total_cycles, 8u);
  EXPECT_EQ(c.stall_cycles, 0u);
  EXPECT_DOUBLE_EQ(c.pe_utilization, 2.0 * 3 * 3 / (2 * 3 * 8));
}

TEST(CycleModel, ShortTilesStallForTheDrain) {
  // 4x4, one K-group per tile: in_last may be accepted only every D = 4 edges.
  const ArrayTiming t{4, 4, 1, 0};
  const Schedule s = schedule(t, {1, 1, 1}, always);
  EXPECT_EQ(s.accept_edge, (std::vector<std::uint64_t>{1, 5, 9}));
  EXPECT_EQ(s.out_edge.front(), 1u + 5u);
  EXPECT_EQ(s.out_edge.back(), 9u + 5u + 3u);
  const GemmCycles c = gemm_cycles(t, GemmShape{12, 1, 4});
  EXPECT_EQ(c.stall_cycles, 2u * 3u);
  EXPECT_EQ(c.total_cycles, s.total_cycles);
  // Two K-groups per tile: the first of each tile goes in at once, the last waits.
  const Schedule s2 = schedule(t, {2, 2}, always);
  EXPECT_EQ(s2.accept_edge, (std::vector<std::uint64_t>{1, 2, 3, 6}));
}

TEST(CycleModel, TilesAsLongAsTheDrainStream) {
  const ArrayTiming t{3, 5, 4, 0};  // D = 5
  const Schedule s = schedule(t, {5, 5, 5, 5}, always);
  for (size_t i = 0; i < s.accept_edge.size(); ++i) EXPECT_EQ(s.accept_edge[i], i + 1);
}

TEST(CycleModel, ClosedFormEqualsScheduleOverShapes) {
  for (int rows : {1, 2, 3, 4, 8, 16})
    for (int cols : {1, 3, 4, 16})
      for (int T : {1, 2, 4})
        for (int pipe : {0, 1})
          for (int M : {1, 7, 33})
            for (int K : {1, 2, 5, 17, 64})
              for (int N : {1, 9, 20}) {
                const ArrayTiming t{rows, cols, T, pipe};
                const GemmShape g{M, K, N};
                const GemmCycles c = gemm_cycles(t, g);
                const Schedule s = schedule(t, std::vector<int>(static_cast<size_t>(g.tiles(t)), g.groups(t)), always);
                ASSERT_EQ(c.total_cycles, s.total_cycles)
                    << rows << "x" << cols << " T=" << T << " P=" << pipe << " " << M << "x" << K << "x" << N;
                ASSERT_EQ(c.last_accept_edge, s.accept_edge.back());
                ASSERT_EQ(s.out_edge.size(), static_cast<size_t>(g.tiles(t) * rows));
              }
}

TEST(CycleModel, GapsDelayAcceptance) {
  const ArrayTiming t{2, 2, 1, 0};
  // in_valid only on even edges.
  const Schedule s = schedule(t, {3}, [](std::uint64_t e) { return e % 2 == 0; });
  EXPECT_EQ(s.accept_edge, (std::vector<std::uint64_t>{2, 4, 6}));
  EXPECT_EQ(s.out_edge, (std::vector<std::uint64_t>{6 + 3, 6 + 4}));
}

TEST(CycleModel, SpeedupIsThreadsForLongK) {
  // With K much larger than the drain, T threads cut the cycles by about T.
  const GemmShape g{64, 4608, 64};
  const double c1 = static_cast<double>(gemm_cycles(ArrayTiming{16, 16, 1, 0}, g).total_cycles);
  const double c4 = static_cast<double>(gemm_cycles(ArrayTiming{16, 16, 4, 0}, g).total_cycles);
  EXPECT_NEAR(c1 / c4, 4.0, 0.02);
}

}  // namespace
}  // namespace sysmt
