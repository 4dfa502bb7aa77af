// Operand streams for activity-based power (docs/energy.md): a workload layer's data as `sysmt evaluate`
// makes it, the feeder's port values edge by edge over a window of tiles (cut as the testbench feeder
// does, accepted as the timing contract says), and the inputs of one PE derived from them by the skew.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "sim/cycle/cycle_model.hpp"
#include "sim/eval/data_model.hpp"
#include "sim/eval/workload_file.hpp"
#include "sim/golden/nbsmt.hpp"

namespace sysmt::energy {

// One layer's GEMM operands: X (the im2col rows `rows` of the layer's input) and W (K x N).
struct LayerData {
  IntMatrix x;            // rows.size() x K
  IntMatrix w;            // K x N
  std::vector<int> rows;  // which GEMM rows (output pixels) x holds, ascending
};

// The layer's weights and the activations of GEMM rows `rows`, exactly as `sysmt evaluate` makes them
// (user tensors when the workload names them, else the seeded data model).
LayerData layer_data(const Layer& l, const DataModel& dm, std::uint64_t seed, const std::vector<int>& rows);

// The array's input ports at one rising edge, as the array sees them just before it.
struct PortBeat {
  bool valid = false, last = false;  // in_valid, in_last as presented
  bool take = false;                 // accepted at this edge (in_valid & in_ready)
  std::vector<int> act;              // in_act, rows x T (index r * T + t), 0..255
  std::vector<int> wgt;              // in_wgt, cols x T (index c * T + t), -128..127
};

// The feeder's port values over a window of consecutive tiles of a GEMM (tile order and K-groups as the
// testbench feeder cuts them: row bands outer, column tiles inner; `map` gives k per thread). The feeder
// offers a beat at every edge and holds a refused in_last beat (its weights stay on in_wgt, the array
// zeroes the activations); after the last beat it offers nothing (all ports 0).
struct Trace {
  std::vector<PortBeat> edges;       // edges[e - 1] is edge e; edge 1 accepts the first beat
  std::uint64_t first_measured = 1;  // first edge of the measured tiles (after the warm-up tile)
  std::uint64_t measured = 0;        // edges from first_measured to the acceptance of the window's last beat
};
// `x` holds the GEMM rows of the tiles in the window (rows m0 .. of each row band, in the order of
// `data.rows`); tiles [first_tile - warm_tiles, first_tile + count) of the GEMM's tile sequence.
Trace feeder_trace(const Config& cfg, const GemmShape& g, const LayerData& data, Mapping map, int first_tile, int count, int warm_tiles);

// The GEMM rows a window of tiles needs (for layer_data's `rows`).
std::vector<int> window_rows(const Config& cfg, const GemmShape& g, int first_tile, int count, int warm_tiles);

// PE (r, c)'s input ports at edge e: the feeder's beat of edge e - r - c (activations and the last flag
// pass r skew registers and c PEs, weights c skew registers and r PEs), zero before edge 1. For T = 2 the
// non-zero flags travel beside the operands; T = 1 and 4 PEs have none.
struct PeInputs {
  std::vector<int> a, w;  // T each
  bool last = false;
  std::vector<int> anz, wnz;  // T = 2 only: a[t] != 0, w[t] != 0
};
PeInputs pe_inputs(const Config& cfg, const Trace& tr, int r, int c, std::int64_t edge);

}  // namespace sysmt::energy
