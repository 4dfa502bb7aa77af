// Operand streams: the evaluate data model restated for a window of tiles, the feeder's ports per edge
// (acceptance from the cycle model's schedule), and one PE's inputs by the skew of the timing contract.
#include "energy/stream.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "sim/eval/conv.hpp"
#include "sim/eval/data_model.hpp"

namespace sysmt::energy {

LayerData layer_data(const Layer& l, const DataModel& dm, std::uint64_t seed, const std::vector<int>& rows) {
  const ConvShape& s = l.shape;
  const GemmShape g = s.gemm();
  const Tensor3 in = l.x ? *l.x
                         : make_activations(s.H, s.W, s.Cin, l.act_zero.value_or(dm.act_zero), l.act_scale.value_or(dm.act_scale),
                                            stream_seed(seed, l.name, "act"));
  LayerData d;
  d.w = l.w ? *l.w : make_weights(g.K, g.N, dm.prune, stream_seed(seed, l.name, "wgt"));
  d.rows = rows;
  d.x = im2col(s, in, rows);
  return d;
}

namespace {

struct TileAt {
  int m0, n0;
};
TileAt tile_at(const Config& cfg, const GemmShape& g, int i) {
  const ArrayTiming at = ArrayTiming::from(cfg);
  const int tn = g.tiles_n(at);
  return TileAt{(i / tn) * cfg.rows, (i % tn) * cfg.cols};
}

int first_window_tile(int first_tile, int warm_tiles) { return std::max(0, first_tile - warm_tiles); }

}  // namespace

std::vector<int> window_rows(const Config& cfg, const GemmShape& g, int first_tile, int count, int warm_tiles) {
  std::vector<int> rows;
  for (int i = first_window_tile(first_tile, warm_tiles); i < first_tile + count; ++i) {
    const TileAt t = tile_at(cfg, g, i);
    for (int r = 0; r < cfg.rows && t.m0 + r < g.M; ++r) rows.push_back(t.m0 + r);
  }
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

Trace feeder_trace(const Config& cfg, const GemmShape& g, const LayerData& data, Mapping map, int first_tile, int count, int warm_tiles) {
  const ArrayTiming at = ArrayTiming::from(cfg);
  if (count < 1 || first_tile < 0 || first_tile + count > g.tiles(at))
    throw std::invalid_argument(
        fmt::format("feeder_trace: tiles {}..{} outside 0..{}", first_tile, first_tile + count - 1, g.tiles(at) - 1));
  const int T = cfg.threads, G = g.groups(at);
  const int t0 = first_window_tile(first_tile, warm_tiles);
  const int ntiles = first_tile + count - t0;
  auto row_index = [&](int m) {
    const auto it = std::lower_bound(data.rows.begin(), data.rows.end(), m);
    if (it == data.rows.end() || *it != m) throw std::invalid_argument(fmt::format("feeder_trace: GEMM row {} not in the data", m));
    return static_cast<int>(it - data.rows.begin());
  };
  // The beats in feed order.
  std::vector<PortBeat> beats;
  for (int i = t0; i < t0 + ntiles; ++i) {
    const TileAt t = tile_at(cfg, g, i);
    for (int gi = 0; gi < G; ++gi) {
      PortBeat b;
      b.valid = true;
      b.last = gi == G - 1;
      b.act.assign(static_cast<size_t>(cfg.rows) * T, 0);
      b.wgt.assign(static_cast<size_t>(cfg.cols) * T, 0);
      for (int th = 0; th < T; ++th) {
        const int k = k_of(map, gi, th, T, g.K);
        if (k < 0) continue;
        for (int r = 0; r < cfg.rows; ++r)
          if (t.m0 + r < g.M) b.act[static_cast<size_t>(r) * T + th] = data.x.at(row_index(t.m0 + r), k);
        for (int c = 0; c < cfg.cols; ++c)
          if (t.n0 + c < g.N) b.wgt[static_cast<size_t>(c) * T + th] = data.w.at(k, t.n0 + c);
      }
      beats.push_back(std::move(b));
    }
  }
  const Schedule s = schedule(at, std::vector<int>(static_cast<size_t>(ntiles), G), [](std::uint64_t) { return true; });
  Trace tr;
  const std::uint64_t last_accept = s.accept_edge.back();
  const std::uint64_t tail = static_cast<std::uint64_t>(cfg.rows + cfg.cols);  // room for the skew of PE streams
  tr.edges.resize(last_accept + tail);
  size_t next = 0;
  for (std::uint64_t e = 1; e <= last_accept; ++e) {
    PortBeat pb = beats[next];
    pb.take = s.accept_edge[next] == e;
    if (pb.take) ++next;
    tr.edges[e - 1] = std::move(pb);
  }
  for (std::uint64_t e = last_accept + 1; e <= last_accept + tail; ++e) {
    PortBeat& pb = tr.edges[e - 1];
    pb.act.assign(static_cast<size_t>(cfg.rows) * T, 0);
    pb.wgt.assign(static_cast<size_t>(cfg.cols) * T, 0);
  }
  const size_t first_beat = static_cast<size_t>(first_tile - t0) * static_cast<size_t>(G);
  tr.first_measured = s.accept_edge[first_beat];
  tr.measured = last_accept - tr.first_measured + 1;
  return tr;
}

PeInputs pe_inputs(const Config& cfg, const Trace& tr, int r, int c, std::int64_t edge) {
  const int T = cfg.threads;
  PeInputs p;
  p.a.assign(static_cast<size_t>(T), 0);
  p.w.assign(static_cast<size_t>(T), 0);
  if (T == 2) {
    p.anz.assign(2, 0);
    p.wnz.assign(2, 0);
  }
  const std::int64_t src = edge - r - c;
  if (src < 1 || src > static_cast<std::int64_t>(tr.edges.size())) return p;
  const PortBeat& b = tr.edges[static_cast<size_t>(src - 1)];
  if (b.act.empty()) return p;
  for (int t = 0; t < T; ++t) {
    // The array zeroes the activations of a refused or absent K-group; weights enter unconditionally.
    p.a[static_cast<size_t>(t)] = b.take ? b.act[static_cast<size_t>(r) * T + t] : 0;
    p.w[static_cast<size_t>(t)] = b.wgt[static_cast<size_t>(c) * T + t];
    if (T == 2) {
      p.anz[static_cast<size_t>(t)] = p.a[static_cast<size_t>(t)] != 0;
      p.wnz[static_cast<size_t>(t)] = p.w[static_cast<size_t>(t)] != 0;
    }
  }
  p.last = b.take && b.last;
  return p;
}

}  // namespace sysmt::energy
