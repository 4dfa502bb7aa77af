// Cycle model of a generated SySMT array (docs/architecture.md, "Timing contract"): when every K-group
// is accepted and when every output row leaves, from the shapes and the in_valid pattern alone (the
// array's timing never depends on operand values).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "common/config.hpp"

namespace sysmt {

struct ArrayTiming {
  int rows = 1, cols = 1, threads = 1;
  int pipeline = 0;  // extra PE pipeline stages between operand registers and accumulator

  static ArrayTiming from(const Config& c);
  // Edges from the edge that accepts a tile's in_last to the edge after which its row 0 is on out_data.
  int latency() const { return cols + 1 + pipeline; }
  // Minimum distance in edges between two accepted in_last beats.
  int drain_interval() const { return rows > cols ? rows : cols; }
};

// One GEMM M x K x N cut into tiles of rows x cols outputs and K-groups of `threads` k values.
struct GemmShape {
  int M = 1, K = 1, N = 1;
  int tiles_m(const ArrayTiming& t) const { return (M + t.rows - 1) / t.rows; }
  int tiles_n(const ArrayTiming& t) const { return (N + t.cols - 1) / t.cols; }
  int tiles(const ArrayTiming& t) const { return tiles_m(t) * tiles_n(t); }
  int groups(const ArrayTiming& t) const { return (K + t.threads - 1) / t.threads; }
};

// Closed form with in_valid always 1 (no input bubbles). Edge 1 accepts the first K-group.
struct GemmCycles {
  std::uint64_t tiles = 0, groups_per_tile = 0;
  std::uint64_t last_accept_edge = 0;  // edge that accepts the final in_last
  std::uint64_t total_cycles = 0;      // edges 1..N; the final out_valid beat is on after edge N
  std::uint64_t stall_cycles = 0;      // edges where in_ready was 0 (tiles shorter than the drain)
  double pe_utilization = 0;           // M*N*G real PE cycles / (rows*cols*total_cycles)
};
GemmCycles gemm_cycles(const ArrayTiming& t, const GemmShape& s);

// Event-level model for any in_valid pattern: `offer(edge)` says whether the feeder offers a beat at
// that edge (it keeps offering the same beat until accepted). Gives the accepting edge of every beat
// (in feed order: tile by tile, K-group by K-group) and the edge after which each output row is valid.
struct Schedule {
  std::vector<std::uint64_t> accept_edge;  // per beat
  std::vector<std::uint64_t> out_edge;     // per output row beat, tile-major, row 0 first
  std::uint64_t total_cycles = 0;          // last entry of out_edge
};
Schedule schedule(const ArrayTiming& t, const std::vector<int>& groups_per_tile, const std::function<bool(std::uint64_t edge)>& offer);

}  // namespace sysmt
