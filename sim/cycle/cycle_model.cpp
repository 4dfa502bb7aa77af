// Cycle model: transcribes the timing contract of docs/architecture.md (latency COLS + 1 + P, drain
// interval max(ROWS, COLS), in_ready low only for an in_last that comes too soon).
#include "sim/cycle/cycle_model.hpp"

#include <algorithm>
#include <stdexcept>

namespace sysmt {

ArrayTiming ArrayTiming::from(const Config& c) { return ArrayTiming{c.rows, c.cols, c.threads, c.pipeline_stages()}; }

GemmCycles gemm_cycles(const ArrayTiming& t, const GemmShape& s) {
  GemmCycles r;
  const std::uint64_t n = static_cast<std::uint64_t>(s.tiles(t));
  const std::uint64_t G = static_cast<std::uint64_t>(s.groups(t));
  const std::uint64_t D = static_cast<std::uint64_t>(t.drain_interval());
  const std::uint64_t period = std::max(G, D);
  r.tiles = n;
  r.groups_per_tile = G;
  // Tile i's in_last is accepted at G + i * max(G, D); the feeder waits D - G edges per later tile
  // when a tile is shorter than the drain.
  r.last_accept_edge = G + (n - 1) * period;
  r.stall_cycles = (n - 1) * (period - G);
  r.total_cycles = r.last_accept_edge + static_cast<std::uint64_t>(t.latency()) + static_cast<std::uint64_t>(t.rows) - 1;
  const double real = static_cast<double>(s.M) * s.N * static_cast<double>(G);
  r.pe_utilization = real / (static_cast<double>(t.rows) * t.cols * static_cast<double>(r.total_cycles));
  return r;
}

Schedule schedule(const ArrayTiming& t, const std::vector<int>& groups_per_tile, const std::function<bool(std::uint64_t)>& offer) {
  Schedule s;
  const std::uint64_t D = static_cast<std::uint64_t>(t.drain_interval());
  bool have_last = false;
  std::uint64_t prev_last = 0, edge = 0;
  for (int g : groups_per_tile) {
    if (g < 1) throw std::invalid_argument("schedule: a tile needs at least one K-group");
    for (int k = 0; k < g; ++k) {
      const bool last = k == g - 1;
      while (true) {
        ++edge;
        const bool ready = !(last && have_last && edge - prev_last < D);
        if (offer(edge) && ready) break;
      }
      s.accept_edge.push_back(edge);
      if (last) {
        for (int r = 0; r < t.rows; ++r) s.out_edge.push_back(edge + static_cast<std::uint64_t>(t.latency() + r));
        have_last = true;
        prev_last = edge;
      }
    }
  }
  s.total_cycles = s.out_edge.empty() ? edge : s.out_edge.back();
  return s;
}

}  // namespace sysmt
