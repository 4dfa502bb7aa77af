// Reusable testbench parts for any generated SySMT array, driven only through the port interface of the
// spec (section 5): a feeder that cuts a GEMM into tiles and K-groups, a port driver for any Verilated
// model, a monitor that rebuilds Y from out_valid beats, a scoreboard against the golden model, a cycle
// checker against the cycle model, and hazard-class coverage. Independent of any one config.
#pragma once

#include <verilated.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "sim/cycle/cycle_model.hpp"
#include "sim/golden/nbsmt.hpp"

namespace sysmt::tb {

// The parameters a testbench needs, as the manifest and the config give them.
struct ArrayParams {
  int rows = 1, cols = 1, threads = 1, acc_bits = 32, pipeline = 0;
  Rounding rounding = Rounding::HalfUp;
  ZeroSkip zero_skip = ZeroSkip::Both;
  Arith arith() const { return Arith{threads, rounding, zero_skip, acc_bits}; }
  // P (pipeline stages) comes from the generated manifest, the rest from the config.
  static ArrayParams from(const Config& c, int pipeline) {
    return ArrayParams{c.rows, c.cols, c.threads, c.acc_bits, pipeline, c.rounding, c.zero_skip};
  }
  ArrayTiming timing() const { return ArrayTiming{rows, cols, threads, pipeline}; }
};

// ---------------------------------------------------------------- bit packing for Verilator ports
template <typename P>
void put_bits(P& port, int lsb, int width, std::uint64_t v) {
  const std::uint64_t mask = width >= 64 ? ~0ull : ((1ull << width) - 1);
  port = static_cast<P>((static_cast<std::uint64_t>(port) & ~(mask << lsb)) | ((v & mask) << lsb));
}
// Wide ports: whole 32-bit words at a time (a 16x16 four-thread array has 512-bit operand ports).
template <std::size_t W>
void put_bits(VlWide<W>& port, int lsb, int width, std::uint64_t v) {
  while (width > 0) {
    const int word = lsb / 32, off = lsb % 32, n = std::min(32 - off, width);
    const EData mask = static_cast<EData>((n == 32 ? 0xffffffffull : ((1ull << n) - 1)) << off);
    port[word] = (port[word] & ~mask) | (static_cast<EData>(v << off) & mask);
    v = n >= 64 ? 0 : v >> n;
    lsb += n;
    width -= n;
  }
}
template <typename P>
std::uint64_t get_bits(const P& port, int lsb, int width) {
  const std::uint64_t mask = width >= 64 ? ~0ull : ((1ull << width) - 1);
  return (static_cast<std::uint64_t>(port) >> lsb) & mask;
}
template <std::size_t W>
std::uint64_t get_bits(const VlWide<W>& port, int lsb, int width) {
  std::uint64_t v = 0;
  for (int got = 0; got < width;) {
    const int word = lsb / 32, off = lsb % 32, n = std::min(32 - off, width - got);
    const std::uint64_t bits = (static_cast<std::uint64_t>(port[word]) >> off) & ((1ull << n) - 1);
    v |= bits << got;
    got += n;
    lsb += n;
  }
  return v;
}
inline std::int64_t sign_extend(std::uint64_t v, int bits) { return wrap_to(static_cast<std::int64_t>(v), bits); }

// ---------------------------------------------------------------- feeder
// One K-group as the feeder presents it: unskewed, row r thread t and column c thread t.
struct Beat {
  std::vector<int> act;  // rows * threads, index r * T + t
  std::vector<int> wgt;  // cols * threads, index c * T + t
  bool last = false;
  int tile = 0, group = 0;
};

struct Tile {
  int m0 = 0, n0 = 0;  // first output row and column of the tile in Y
};

// Cuts Y = X W into tiles (row-major over tiles: all column tiles of the first row band first) and
// K-groups with the chosen thread mapping, zero-padding M, N and K.
struct Feed {
  std::vector<Tile> tiles;
  std::vector<Beat> beats;
  int groups = 0;
};
inline Feed cut_gemm(const ArrayParams& p, const IntMatrix& x, const IntMatrix& w, Mapping map) {
  Feed f;
  const int K = x.cols, T = p.threads;
  f.groups = num_groups(K, T);
  for (int m0 = 0; m0 < x.rows; m0 += p.rows)
    for (int n0 = 0; n0 < w.cols; n0 += p.cols) {
      const int tile = static_cast<int>(f.tiles.size());
      f.tiles.push_back(Tile{m0, n0});
      for (int g = 0; g < f.groups; ++g) {
        Beat b;
        b.act.assign(static_cast<size_t>(p.rows) * T, 0);
        b.wgt.assign(static_cast<size_t>(p.cols) * T, 0);
        for (int t = 0; t < T; ++t) {
          const int k = k_of(map, g, t, T, K);
          if (k < 0) continue;
          for (int r = 0; r < p.rows; ++r)
            if (m0 + r < x.rows) b.act[static_cast<size_t>(r) * T + t] = x.at(m0 + r, k);
          for (int c = 0; c < p.cols; ++c)
            if (n0 + c < w.cols) b.wgt[static_cast<size_t>(c) * T + t] = w.at(k, n0 + c);
        }
        b.last = g == f.groups - 1;
        b.tile = tile;
        b.group = g;
        f.beats.push_back(std::move(b));
      }
    }
  return f;
}

// in_valid pattern: 1 with probability `density` at each edge, seeded; density 1 means no gaps.
struct ValidPattern {
  double density = 1.0;
  std::uint64_t seed = 0;
  bool operator()(std::uint64_t edge) const {
    if (density >= 1.0) return true;
    std::mt19937_64 g(seed * 0x9e3779b97f4a7c15ull + edge);
    return static_cast<double>(g() >> 11) * (1.0 / 9007199254740992.0) < density;
  }
};

// ---------------------------------------------------------------- monitor output
struct OutBeat {
  std::uint64_t edge = 0;
  bool last = false;
  std::vector<std::int64_t> data;  // per column, sign-extended
};

struct RunResult {
  bool ok = true;
  std::string message;       // first failure, human-readable
  std::uint64_t cycles = 0;  // edges run for this GEMM
  std::vector<std::uint64_t> accept_edge;
  std::vector<OutBeat> out;
};

// ---------------------------------------------------------------- driver
// Drives one Verilated model through the spec's ports. Model needs the ten ports of spec section 5.
template <typename Model>
class Driver {
 public:
  Driver(Model& m, const ArrayParams& p) : m_(m), p_(p) {}

  // Optional hook called after every evaluation with the simulation time (for waveform tracing).
  std::function<void(std::uint64_t)> on_eval;

  void reset(int cycles = 3) {
    m_.rst_n = 0;
    m_.in_valid = 0;
    m_.in_last = 0;
    for (int i = 0; i < cycles; ++i) tick();
    m_.rst_n = 1;
  }

  // Presents inputs for the next edge, evaluates, and returns in_ready as the array sees it.
  bool present(const Beat* b, bool valid) {
    m_.in_valid = valid ? 1 : 0;
    m_.in_last = (valid && b && b->last) ? 1 : 0;
    const int T = p_.threads;
    for (int r = 0; r < p_.rows; ++r)
      for (int t = 0; t < T; ++t)
        put_bits(m_.in_act, (r * T + t) * 8, 8, (valid && b) ? static_cast<std::uint64_t>(b->act[static_cast<size_t>(r) * T + t]) : 0);
    for (int c = 0; c < p_.cols; ++c)
      for (int t = 0; t < T; ++t)
        put_bits(m_.in_wgt, (c * T + t) * 8, 8,
                 (valid && b) ? static_cast<std::uint64_t>(static_cast<std::uint8_t>(b->wgt[static_cast<size_t>(c) * T + t])) : 0);
    m_.clk = 0;
    eval();
    return m_.in_ready != 0;
  }

  // Rising edge; returns the output beat seen after it (if out_valid).
  bool edge(OutBeat& out) {
    m_.clk = 1;
    eval();
    if (!m_.out_valid) return false;
    out.last = m_.out_last != 0;
    out.data.resize(static_cast<size_t>(p_.cols));
    for (int c = 0; c < p_.cols; ++c)
      out.data[static_cast<size_t>(c)] = sign_extend(get_bits(m_.out_data, c * p_.acc_bits, p_.acc_bits), p_.acc_bits);
    return true;
  }

  void tick() {
    m_.clk = 0;
    eval();
    m_.clk = 1;
    eval();
  }

  std::uint64_t time() const { return time_; }

 private:
  void eval() {
    m_.eval();
    ++time_;
    if (on_eval) on_eval(time_);
  }
  Model& m_;
  ArrayParams p_;
  std::uint64_t time_ = 0;
};

// Feeds beats (the first `stop_after` of them, all by default) and collects output beats until every
// expected row is out or `limit` edges pass. Edge 1 is the first edge after this call starts.
template <typename Model>
RunResult feed(Driver<Model>& d, const ArrayParams& p, const Feed& f, const ValidPattern& valid, std::uint64_t limit,
               size_t stop_after = SIZE_MAX) {
  RunResult r;
  const size_t n_beats = std::min(stop_after, f.beats.size());
  size_t expected_rows = 0;
  for (size_t i = 0; i < n_beats; ++i) expected_rows += f.beats[i].last ? static_cast<size_t>(p.rows) : 0;
  size_t next = 0;
  for (std::uint64_t e = 1; e <= limit; ++e) {
    const Beat* b = next < n_beats ? &f.beats[next] : nullptr;
    const bool offer = b && valid(e);
    const bool ready = d.present(b, offer);
    OutBeat o;
    if (d.edge(o)) {
      o.edge = e;
      r.out.push_back(std::move(o));
    }
    if (offer && ready) {
      r.accept_edge.push_back(e);
      ++next;
    }
    r.cycles = e;
    if (next == n_beats && r.out.size() >= expected_rows) {
      // A few more edges catch spurious extra beats.
      for (int extra = 0; extra < 4; ++extra) {
        d.present(nullptr, false);
        OutBeat x;
        if (d.edge(x)) {
          x.edge = e + 1 + static_cast<std::uint64_t>(extra);
          r.out.push_back(std::move(x));
        }
      }
      break;
    }
  }
  if (next < n_beats || r.out.size() < expected_rows) {
    r.ok = false;
    std::ostringstream os;
    os << "timeout after " << limit << " edges: " << next << " of " << n_beats << " K-groups accepted, " << r.out.size() << " of "
       << expected_rows << " output rows seen";
    r.message = os.str();
  }
  return r;
}

// ---------------------------------------------------------------- scoreboard
// Compares every output beat with the golden model bit for bit; on a mismatch names the tile, row,
// column and the K-groups that fed the PE.
inline std::string describe_groups(const ArrayParams& p, const Feed& f, int tile, int r, int c) {
  std::ostringstream os;
  const Arith ar = p.arith();
  const int T = p.threads;
  int shown = 0;
  for (const Beat& b : f.beats) {
    if (b.tile != tile) continue;
    int a[4] = {0, 0, 0, 0}, w[4] = {0, 0, 0, 0};
    for (int t = 0; t < T; ++t) {
      a[t] = b.act[static_cast<size_t>(r) * T + t];
      w[t] = b.wgt[static_cast<size_t>(c) * T + t];
    }
    const PeCycle pc = pe_cycle(ar, a, w);
    if (shown++ == 12) {
      os << "\n    ... (" << f.groups << " K-groups in all)";
      break;
    }
    os << "\n    K-group " << b.group << ": a=(";
    for (int t = 0; t < T; ++t) os << (t ? "," : "") << a[t];
    os << ") w=(";
    for (int t = 0; t < T; ++t) os << (t ? "," : "") << w[t];
    os << ") active=" << pc.active << " mode=" << to_string(pc.mode) << " adds " << pc.sum;
  }
  return os.str();
}

inline bool score(const ArrayParams& p, const Feed& f, const AccMatrix& golden, const AccMatrix& exact, RunResult& r) {
  const size_t expected = f.tiles.size() * static_cast<size_t>(p.rows);
  for (size_t i = 0; i < r.out.size(); ++i) {
    if (i >= expected) {
      r.ok = false;
      r.message = "extra output beat after edge " + std::to_string(r.out[i].edge) + " (expected " + std::to_string(expected) + " rows)";
      return false;
    }
    const int tile = static_cast<int>(i / static_cast<size_t>(p.rows)), row = static_cast<int>(i % static_cast<size_t>(p.rows));
    const OutBeat& o = r.out[i];
    if (o.last != (row == p.rows - 1)) {
      r.ok = false;
      r.message = "tile " + std::to_string(tile) + " row " + std::to_string(row) + ": out_last is " + (o.last ? "1" : "0");
      return false;
    }
    const Tile& t = f.tiles[static_cast<size_t>(tile)];
    for (int c = 0; c < p.cols; ++c) {
      const int m = t.m0 + row, n = t.n0 + c;
      const bool real = m < golden.rows && n < golden.cols;
      const std::int64_t want = real ? golden.at(m, n) : 0;  // padding outputs accumulate zeros
      const std::int64_t got = o.data[static_cast<size_t>(c)];
      if (got != want) {
        std::ostringstream os;
        os << "mismatch in tile " << tile << " (Y rows " << t.m0 << ".." << t.m0 + p.rows - 1 << ", cols " << t.n0 << ".."
           << t.n0 + p.cols - 1 << "), row " << row << ", column " << c;
        if (real)
          os << " (Y[" << m << "][" << n << "])";
        else
          os << " (padding)";
        os << ": RTL " << got << ", golden " << want;
        if (real) os << " (exact " << exact.at(m, n) << ")";
        os << ", output beat after edge " << o.edge << "; the K-groups that fed PE(" << row << "," << c
           << "):" << describe_groups(p, f, tile, row, c);
        r.ok = false;
        r.message = os.str();
        return false;
      }
    }
  }
  return r.ok;
}

// Compares every accepting edge and every output beat's edge with the cycle model.
inline bool check_cycles(const ArrayParams& p, const Feed& f, const ValidPattern& valid, RunResult& r) {
  std::vector<int> groups(f.tiles.size(), f.groups);
  const Schedule s = schedule(p.timing(), groups, valid);
  for (size_t i = 0; i < s.accept_edge.size() && i < r.accept_edge.size(); ++i)
    if (s.accept_edge[i] != r.accept_edge[i]) {
      r.ok = false;
      r.message = "cycle: K-group " + std::to_string(i) + " (tile " + std::to_string(f.beats[i].tile) + ", group " +
                  std::to_string(f.beats[i].group) + ") accepted at edge " + std::to_string(r.accept_edge[i]) + ", cycle model says " +
                  std::to_string(s.accept_edge[i]);
      return false;
    }
  for (size_t i = 0; i < s.out_edge.size() && i < r.out.size(); ++i)
    if (s.out_edge[i] != r.out[i].edge) {
      r.ok = false;
      r.message = "cycle: output row " + std::to_string(i % static_cast<size_t>(p.rows)) + " of tile " +
                  std::to_string(i / static_cast<size_t>(p.rows)) + " after edge " + std::to_string(r.out[i].edge) + ", cycle model says " +
                  std::to_string(s.out_edge[i]);
      return false;
    }
  return true;
}

// ---------------------------------------------------------------- seeds
// Base seed of the random tests: SYSMT_SEED, else a fixed default.
inline std::uint64_t base_seed() {
  const char* s = std::getenv("SYSMT_SEED");
  return s ? std::strtoull(s, nullptr, 10) : 20261122u;
}
// A test's own seed (base seed mixed with the test's name), printed so a failure reproduces.
inline std::uint64_t test_seed(const std::string& test_name) {
  const std::uint64_t seed = base_seed() ^ std::hash<std::string>{}(test_name);
  std::printf("seed=%llu (this test reruns with SYSMT_SEED=%llu)\n", static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(base_seed()));
  return seed;
}

// ---------------------------------------------------------------- coverage
// Hazard classes exercised by the GEMMs that passed through the RTL, from the golden model's statistics.
struct Coverage {
  int threads = 1;
  bool can_saturate = true;  // truncation never rounds up, so it never clamps
  GemmStats total;
  void add(const GemmStats& s) {
    total.threads = s.threads;
    total.pe_cycles += s.pe_cycles;
    for (size_t i = 0; i < total.active_hist.size(); ++i) total.active_hist[i] += s.active_hist[i];
    total.exact_cycles += s.exact_cycles;
    total.shared_lossless += s.shared_lossless;
    total.shared_lossy += s.shared_lossy;
    total.half_mode_cycles += s.half_mode_cycles;
    total.quarter_mode_cycles += s.quarter_mode_cycles;
    total.reduced_operands += s.reduced_operands;
    total.saturated_reductions += s.saturated_reductions;
    total.rounding_ties += s.rounding_ties;
  }
  // Classes that apply to this thread count, with their hit counts.
  std::vector<std::pair<std::string, std::uint64_t>> classes() const {
    std::vector<std::pair<std::string, std::uint64_t>> c;
    for (int i = 0; i <= threads; ++i) c.emplace_back("active=" + std::to_string(i), total.active_hist[static_cast<size_t>(i)]);
    if (threads > 1) {
      c.emplace_back("shared lossless", total.shared_lossless);
      c.emplace_back("shared lossy", total.shared_lossy);
      c.emplace_back("4bx8b mode", total.half_mode_cycles);
      if (can_saturate) c.emplace_back("saturation", total.saturated_reductions);
      c.emplace_back("rounding tie", total.rounding_ties);
    }
    if (threads == 4) c.emplace_back("4bx4b mode", total.quarter_mode_cycles);
    return c;
  }
  std::vector<std::string> missed() const {
    std::vector<std::string> m;
    for (auto& [name, n] : classes())
      if (n == 0) m.push_back(name);
    return m;
  }
};

// ---------------------------------------------------------------- one GEMM end to end
struct GemmCase {
  IntMatrix x, w;
  Mapping mapping = Mapping::Interleaved;
  ValidPattern valid;
};

template <typename Model>
RunResult run_gemm(Driver<Model>& d, const ArrayParams& p, const GemmCase& g, Coverage* cov = nullptr) {
  const Feed f = cut_gemm(p, g.x, g.w, g.mapping);
  std::vector<int> groups(f.tiles.size(), f.groups);
  const Schedule s = schedule(p.timing(), groups, g.valid);
  RunResult r = feed(d, p, f, g.valid, s.total_cycles + 64);
  const GemmResult golden = gemm(p.arith(), g.x, g.w, g.mapping);
  if (cov) cov->add(golden.stats);
  if (!r.ok) return r;
  if (!score(p, f, golden.y, gemm_exact(g.x, g.w, p.acc_bits), r)) return r;
  check_cycles(p, f, g.valid, r);
  return r;
}

}  // namespace sysmt::tb
