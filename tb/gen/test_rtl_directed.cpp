// Directed simulation (Icarus Verilog) of generated arrays through the real port protocol: the worked PE
// cycles of shared/spec/nbsmt.md section 3 must come out of out_data (expected numbers written from the
// spec; T=1 uses exact products), in_ready must refuse an in_last until D = max(ROWS, COLS) edges after the
// previous one, and row r of a tile must appear in the cycle after edge E + LAT + r, LAT = COLS + 1 + P.
// Covers T in {1, 2, 4}; 2x3 (COLS > ROWS), 3x2 (ROWS > COLS) and 1x1 (no skew, D = 1); tiles of one
// K-group (refused and retried), tiles with idle cycles and all-zero K-groups, and back-to-back tiles.
#include <gtest/gtest.h>

#include <cstdint>

#include "tb/gen/harness.hpp"

namespace sysmt::test {
namespace {

struct Directed {
  std::string id;
  int threads, rows, cols;
  std::vector<std::vector<int>> act;           // [row][thread]: the K-group's activations
  std::vector<std::vector<int>> wgt;           // [col][thread]: the K-group's weights
  std::vector<std::vector<std::int64_t>> sum;  // [row][col]: what one such K-group adds (from the spec)
  std::string pipeline = "auto";               // array.pipeline
};

std::vector<Directed> cases() {
  std::vector<Directed> v;
  // T = 1: exact products.
  {
    Directed d{"t1_2x3", 1, 2, 3, {{255}, {77}}, {{-128}, {127}, {-37}}, {}};
    for (int r = 0; r < 2; ++r) {
      d.sum.emplace_back();
      for (int c = 0; c < 3; ++c) d.sum[r].push_back(std::int64_t{d.act[r][0]} * d.wgt[c][0]);
    }
    v.push_back(d);
  }
  // T = 2, spec section 3: a=(200,9), w=(-37,100) -> both active -> -6796; a=(200,0) -> one active -> -7400.
  // w=(0,100) leaves only thread 1 active (exact 9*100); w=(-37,0) only thread 0 (exact 200*-37).
  v.push_back({"t2_2x3", 2, 2, 3, {{200, 9}, {200, 0}}, {{-37, 100}, {0, 100}, {-37, 0}}, {{-6796, 900, -7400}, {-7400, 0, -7400}}});
  v.push_back({"t2_3x2", 2, 3, 2, {{200, 9}, {200, 0}, {0, 0}}, {{-37, 100}, {0, 100}}, {{-6796, 900}, {-7400, 0}, {0, 0}}});
  // T = 4, spec section 3: a=(200,9,77,3), w=(-37,100,50,-2): n=4 -> -1958; a=(200,9,0,0): n=2 -> -6796.
  // w=(0,0,0,-2): only thread 3 active -> exact 3*-2; w=(-37,100,0,0): threads 0 and 1 -> -6796.
  v.push_back({"t4_2x3",
               4,
               2,
               3,
               {{200, 9, 77, 3}, {200, 9, 0, 0}},
               {{-37, 100, 50, -2}, {0, 0, 0, -2}, {-37, 100, 0, 0}},
               {{-1958, -6, -6796}, {-6796, 0, -6796}}});
  v.push_back({"t4_1x1", 4, 1, 1, {{200, 9, 77, 3}}, {{-37, 100, 50, -2}}, {{-1958}}});
  // array.pipeline forced against its default: single-cycle NB-SMT PEs (P = 0), a split-accumulate MAC (P = 1).
  for (const char* id : {"t2_2x3", "t4_2x3"}) {
    for (Directed d : v)
      if (d.id == id) {
        d.id += "_p0";
        d.pipeline = "0";
        v.push_back(d);
        break;
      }
  }
  Directed p1 = v.front();
  p1.id += "_p1";
  p1.pipeline = "1";
  v.push_back(p1);
  // The product register (P = 2), offered for every T.
  for (const char* id : {"t1_2x3", "t2_2x3", "t2_3x2", "t4_2x3", "t4_1x1"}) {
    for (Directed d : v)
      if (d.id == id) {
        d.id += "_p2";
        d.pipeline = "2";
        v.push_back(d);
        break;
      }
  }
  return v;
}

// One line of the stimulus: an idle cycle, or a K-group that is the worked one (scale 1) or all-zero
// activations (scale 0).
struct Beat {
  bool valid, last;
  int scale;
};

// Tiles: [1 group], [1 group] (offered right after the first: refused until D edges passed),
// [3 groups: worked, idle cycle, zero, worked], [4 worked back to back], [1 group].
std::vector<Beat> stimulus() {
  return {{true, true, 1},  {true, true, 1},  {true, false, 1}, {false, false, 0}, {true, false, 0}, {true, true, 1},
          {true, false, 1}, {true, false, 1}, {true, false, 1}, {true, true, 1},   {true, true, 1}};
}

std::string hex_line(const Directed& d, const Beat& b) {
  const int T = d.threads, AW = d.rows * T * 8, WW = d.cols * T * 8, BW = 2 + AW + WW;
  std::vector<int> bits(BW, 0);
  auto put = [&](int pos, int width, long long v) {
    for (int i = 0; i < width; ++i) bits[pos + i] = static_cast<int>((static_cast<unsigned long long>(v) >> i) & 1);
  };
  for (int c = 0; c < d.cols; ++c)
    for (int t = 0; t < T; ++t) put((c * T + t) * 8, 8, d.wgt[c][t]);
  for (int r = 0; r < d.rows; ++r)
    for (int t = 0; t < T; ++t) put(WW + (r * T + t) * 8, 8, b.scale ? d.act[r][t] : 0);
  bits[WW + AW] = b.last;
  bits[WW + AW + 1] = b.valid;
  std::string s;
  for (int n = (BW + 3) / 4 - 1; n >= 0; --n) {
    int v = 0;
    for (int i = 3; i >= 0; --i) v = v * 2 + (n * 4 + i < BW ? bits[n * 4 + i] : 0);
    s += "0123456789abcdef"[v];
  }
  return s;
}

std::int64_t column(const std::string& hex, int c, int acc) {
  std::vector<int> bits;
  for (auto it = hex.rbegin(); it != hex.rend(); ++it) {
    int v = std::stoi(std::string(1, *it), nullptr, 16);
    for (int i = 0; i < 4; ++i) bits.push_back((v >> i) & 1);
  }
  std::uint64_t u = 0;
  for (int i = 0; i < acc; ++i) u |= static_cast<std::uint64_t>(bits.at(c * acc + i)) << i;
  if (acc < 64 && (u >> (acc - 1)) & 1) u |= ~((std::uint64_t{1} << acc) - 1);
  return static_cast<std::int64_t>(u);
}

class RtlDirected : public ::testing::TestWithParam<Directed> {};

TEST_P(RtlDirected, WorkedCyclesThroughThePorts) {
  const Directed& d = GetParam();
  const int ACC = 32;
  fs::path dir = scratch("directed/" + d.id);
  const std::string name = "dir_" + d.id;
  std::string text = yaml(name, d.rows, d.cols, d.threads, ACC);
  text.replace(text.find("\nthreads:"), 1, "\n  pipeline: " + d.pipeline + "\n");
  Config cfg = parse_config(text, name + ".yaml");
  std::vector<std::string> files = generate_into(cfg, dir);
  const std::vector<Beat> stim = stimulus();
  std::string hex;
  for (const Beat& b : stim) hex += hex_line(d, b) + "\n";
  spit(dir / "stim.hex", hex);
  std::string cmd = "iverilog -g2005 -DDUT=" + name + " -Pdirected_tb.ROWS=" + std::to_string(d.rows) +
                    " -Pdirected_tb.COLS=" + std::to_string(d.cols) + " -Pdirected_tb.T=" + std::to_string(d.threads) +
                    " -Pdirected_tb.ACC=" + std::to_string(ACC) + " -Pdirected_tb.NBEATS=" + std::to_string(stim.size()) + " -o sim.vvp " +
                    shell_quote(SYSMT_DIRECTED_TB) + " " + joined(files) + " && vvp -n sim.vvp";
  RunResult sim = run(cmd, dir);
  ASSERT_EQ(sim.status, 0) << cmd << "\n" << sim.output;

  // The contract, stated independently: a K-group is accepted at the first edge it is offered, except an
  // in_last, which waits until D edges after the previous accepted in_last.
  // P: array.pipeline, or with auto 1 (the split accumulate) for the NB-SMT PEs and 0 for T = 1.
  const int P = d.pipeline == "auto" ? (d.threads > 1 ? 1 : 0) : std::stoi(d.pipeline);
  const int D = std::max(d.rows, d.cols), LAT = d.cols + 1 + P;
  std::vector<std::pair<int, bool>> want_acc;  // (edge, last)
  std::vector<int> tile_groups_scaled;         // per tile: how many worked K-groups it holds
  {
    int e = 1, prev_last = -1, scaled = 0;
    for (const Beat& b : stim) {
      if (!b.valid) {
        ++e;
        continue;
      }
      int at = e;
      if (b.last && prev_last >= 0) at = std::max(e, prev_last + D);
      want_acc.emplace_back(at, b.last);
      scaled += b.scale;
      if (b.last) {
        prev_last = at;
        tile_groups_scaled.push_back(scaled);
        scaled = 0;
      }
      e = at + 1;
    }
  }

  std::vector<std::pair<int, bool>> got_acc;
  struct Out {
    int edge;
    bool last;
    std::string data;
  };
  std::vector<Out> outs;
  std::istringstream in(sim.output);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string tag;
    ls >> tag;
    if (tag == "A") {
      int e, l;
      ls >> e >> l;
      got_acc.emplace_back(e, l != 0);
    } else if (tag == "O") {
      Out o;
      int l;
      ls >> o.edge >> l >> o.data;
      o.last = l != 0;
      outs.push_back(o);
    }
  }
  EXPECT_EQ(got_acc, want_acc) << "accepting edges (edge, in_last) differ from the in_ready contract\n" << sim.output;

  // Outputs: tile j's row r in the cycle after edge E_j + LAT + r, with the scaled worked sums.
  std::vector<int> last_edges;
  for (auto& [e, l] : want_acc)
    if (l) last_edges.push_back(e);
  ASSERT_EQ(outs.size(), last_edges.size() * d.rows) << sim.output;
  size_t k = 0;
  for (size_t j = 0; j < last_edges.size(); ++j)
    for (int r = 0; r < d.rows; ++r, ++k) {
      const Out& o = outs[k];
      EXPECT_EQ(o.edge, last_edges[j] + LAT + r) << "tile " << j << " row " << r << ": out_valid cycle";
      EXPECT_EQ(o.last, r == d.rows - 1) << "tile " << j << " row " << r << ": out_last";
      for (int c = 0; c < d.cols; ++c)
        EXPECT_EQ(column(o.data, c, ACC), tile_groups_scaled[j] * d.sum[r][c])
            << "tile " << j << " (" << tile_groups_scaled[j] << " worked K-groups), PE (" << r << ", " << c << ")";
    }
}

// Keeps test names readable (gtest would print the raw bytes).
void PrintTo(const Directed& c, std::ostream* os) { *os << c.id; }

std::string case_name(const ::testing::TestParamInfo<Directed>& i) { return i.param.id; }

INSTANTIATE_TEST_SUITE_P(Spec, RtlDirected, ::testing::ValuesIn(cases()), case_name);

}  // namespace
}  // namespace sysmt::test
