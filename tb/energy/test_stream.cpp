// The PE operand streams sysmt energy derives (energy/stream.hpp: feeder ports per edge from the tiles,
// the mapping and the cycle model's acceptance; PE (r, c) sees the beat of edge e - r - c) against the
// RTL array: the committed reference arrays (T = 1, 2, 4, 4x4 and 2x3, P = 0 and 1) run GEMMs through the
// regression's feeder and driver (tb/rtl/harness.hpp), and every PE's input buses are recorded inside the
// Verilated model before every edge. Also: the layer data equals `sysmt evaluate`'s (same GEMM statistics).
#include <gtest/gtest.h>
#include <verilated.h>
#include <verilated_syms.h>

#include <string>
#include <vector>

#include "energy/stream.hpp"
#include "energy_models.hpp"
#include "sim/eval/evaluate.hpp"
#include "verify/harness.hpp"
#include "verify/stimulus.hpp"

using namespace sysmt;

namespace {

// Reads bit `bit` of variable `var` of the top module through Verilator's scope table.
struct Probe {
  const std::uint8_t* data = nullptr;
  int width = 0;
  bool operator[](int bit) const { return (data[bit / 8] >> (bit % 8)) & 1; }
  int field(int lsb, int w) const {
    int v = 0;
    for (int b = 0; b < w; ++b) v |= static_cast<int>((*this)[lsb + b]) << b;
    return v;
  }
};
Probe probe(VerilatedContext& ctx, const std::string& top, const std::string& var) {
  Probe p;
  for (const auto& kv : *ctx.scopeNameMap())
    if (std::string("TOP.") + top == kv.first)
      for (const auto& v : *kv.second->varsp())
        if (var == v.first) {
          p.data = static_cast<const std::uint8_t*>(v.second.datap());
          p.width = v.second.dims() == 0 ? 1 : v.second.packed().elements();
        }
  return p;
}

template <typename M>
class StreamVsRtl : public ::testing::Test {};
TYPED_TEST_SUITE(StreamVsRtl, EnergyModels);

TYPED_TEST(StreamVsRtl, EveryPeSeesTheDerivedInputsAtEveryEdge) {
  using M = TypeParam;
  const Config cfg = load_config(M::config);
  const tb::ArrayParams p = tb::ArrayParams::from(cfg, cfg.pipeline_stages());
  const int R = cfg.rows, C = cfg.cols, T = cfg.threads, LW = 8 * T;
  tb::Stimulus st(0x5eed + static_cast<std::uint64_t>(T));
  // Tiles shorter than the drain (stalls), longer ones, partial tiles in M, N and K, both mappings.
  const std::vector<std::array<int, 3>> shapes = {{R + 1, 2, C + 2}, {2 * R, 9 * T + 1, C}, {R, 3 * T, 2 * C - 1}};
  for (Mapping map : {Mapping::Interleaved, Mapping::Blocked})
    for (const auto& shp : shapes) {
      IntMatrix x, w;
      st.operands(tb::Values::Relu, shp[0], shp[1], shp[2], x, w);
      const GemmShape g{shp[0], shp[1], shp[2]};
      energy::LayerData d;
      d.x = x;
      d.w = w;
      for (int m = 0; m < g.M; ++m) d.rows.push_back(m);
      const int tiles = g.tiles(ArrayTiming::from(cfg));
      const energy::Trace tr = energy::feeder_trace(cfg, g, d, map, 0, tiles, 0);

      VerilatedContext ctx;
      ctx.fatalOnError(false);
      typename M::Model model(&ctx, "TOP");
      tb::Driver<typename M::Model> drv(model, p);
      drv.reset();
      const Probe act = probe(ctx, M::name, "act_bus"), wgt = probe(ctx, M::name, "wgt_bus"), last = probe(ctx, M::name, "last_bus");
      const Probe anz = probe(ctx, M::name, "anz_bus"), wnz = probe(ctx, M::name, "wnz_bus");
      ASSERT_TRUE(act.data && wgt.data && last.data) << "buses not visible: build with --public-flat-rw --vpi";
      std::int64_t e = 0;
      int checked = 0;
      std::string first_mismatch;
      drv.on_eval = [&](std::uint64_t) {
        if (model.clk != 0) return;  // inputs presented for the next edge: the buses are what it samples
        ++e;
        for (int r = 0; r < R; ++r)
          for (int c = 0; c < C; ++c) {
            const energy::PeInputs want = energy::pe_inputs(cfg, tr, r, c, e);
            const int ab = (r * (C + 1) + c) * LW, wb = (r * C + c) * LW;
            for (int t = 0; t < T; ++t) {
              const int a_rtl = act.field(ab + 8 * t, 8);
              const int w_rtl = static_cast<std::int8_t>(static_cast<std::uint8_t>(wgt.field(wb + 8 * t, 8)));
              if ((a_rtl != want.a[static_cast<size_t>(t)] || w_rtl != want.w[static_cast<size_t>(t)]) && first_mismatch.empty())
                first_mismatch = "edge " + std::to_string(e) + " PE(" + std::to_string(r) + "," + std::to_string(c) + ") thread " +
                                 std::to_string(t) + ": RTL a=" + std::to_string(a_rtl) + " w=" + std::to_string(w_rtl) +
                                 ", derived a=" + std::to_string(want.a[static_cast<size_t>(t)]) +
                                 " w=" + std::to_string(want.w[static_cast<size_t>(t)]);
              if (T == 2) {
                if ((anz[(r * (C + 1) + c) * T + t] != (want.anz[static_cast<size_t>(t)] != 0) ||
                     wnz[(r * C + c) * T + t] != (want.wnz[static_cast<size_t>(t)] != 0)) &&
                    first_mismatch.empty())
                  first_mismatch = "edge " + std::to_string(e) + " PE(" + std::to_string(r) + "," + std::to_string(c) + "): non-zero flags";
              }
            }
            if (last[r * (C + 1) + c] != want.last && first_mismatch.empty())
              first_mismatch = "edge " + std::to_string(e) + " PE(" + std::to_string(r) + "," + std::to_string(c) + "): last flag";
            ++checked;
          }
      };
      const tb::Feed f = tb::cut_gemm(p, x, w, map);
      const tb::RunResult rr = tb::feed(drv, p, f, tb::ValidPattern{}, 100000);
      drv.on_eval = nullptr;
      model.final();
      ASSERT_TRUE(rr.ok) << rr.message;
      ASSERT_FALSE(ctx.gotError());
      // The derived feeder accepted at the same edges as the RTL.
      std::vector<std::uint64_t> acc;
      for (size_t i = 0; i < tr.edges.size(); ++i)
        if (tr.edges[i].take) acc.push_back(i + 1);
      EXPECT_EQ(acc, rr.accept_edge) << M::name << " " << to_string(map) << " " << g.M << "x" << g.K << "x" << g.N;
      EXPECT_TRUE(first_mismatch.empty()) << M::name << " " << to_string(map) << " " << g.M << "x" << g.K << "x" << g.N << ": "
                                          << first_mismatch;
      EXPECT_GT(checked, R * C * static_cast<int>(acc.size()));
    }
}

}  // namespace

// The layer data is `sysmt evaluate`'s: the same operands give the same golden-model statistics.
TEST(LayerData, EqualsTheEvaluationData) {
  const Config cfg = load_config(SYSMT_SOURCE_DIR "/configs/sysmt_2t_4x4.yaml");
  const Workload wl = parse_workload("a 6 6 3 3 8 12 1 1\nb 4 4 1 1 16 8 1 0 act_zero=0.2\n", "<test>", ".");
  EvalOptions eo;
  eo.data.prune = 0.4;
  eo.seed = 7;
  const EvaluateReport ev = evaluate_workload(cfg, wl, eo, nullptr);
  for (size_t i = 0; i < wl.layers.size(); ++i) {
    const GemmShape g = wl.layers[i].shape.gemm();
    std::vector<int> rows;
    for (int m = 0; m < g.M; ++m) rows.push_back(m);
    const energy::LayerData d = energy::layer_data(wl.layers[i], eo.data, eo.seed, rows);
    Arith ar = Arith::from(cfg);
    for (int T : {2, 4}) {
      ar.threads = T;
      const GemmStats s = gemm_stats(ar, d.x, d.w, Mapping::Interleaved);
      const GemmStats& want = ev.layers[i].numeric_for(T, Mapping::Interleaved).stats;
      EXPECT_EQ(s.pe_cycles, want.pe_cycles);
      EXPECT_EQ(s.active_hist, want.active_hist) << wl.layers[i].name << " T=" << T;
      EXPECT_EQ(s.shared_lossy, want.shared_lossy);
    }
  }
}
