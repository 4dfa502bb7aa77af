// SystemC testbench for a generated SySMT array verilated as a SystemC model (Verilator --sc).
// Modules talk only through SystemC channels:
//
//   ScDriver --sc_signal--> DUT --sc_signal--> ScMonitor --sc_fifo<ScOutBeat>--> ScScoreboard
//      |  \--sc_fifo<ScJobStart>, sc_fifo<std::uint64_t> (accepting edges)----------^   |
//      ^--------------------------------- sc_fifo<bool> (GEMM done) -------------------/
//
// The feeder logic (cut_gemm, Beat, ValidPattern), the scoreboard (score) and the cycle checker
// (check_cycles) are the ones of tb/rtl/harness.hpp; this file only adds the SystemC plumbing.
//
// Edge numbering: the clock's rising edges are numbered 1, 2, ... by simulated time (edge n at
// n * period). A GEMM starts at the edge S where the driver presents its first K-group, and local edge
// e = global edge - S, as in harness.hpp (edge 1 is the first edge that can accept a K-group).
#pragma once

#include <systemc.h>

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "verify/harness.hpp"

namespace sysmt::tb::sc {

constexpr double kPeriodNs = 10.0;

// Number of the rising edge happening now (call only at a rising edge).
inline std::uint64_t edge_now() { return static_cast<std::uint64_t>(sc_core::sc_time_stamp().to_seconds() * 1e9 / kPeriodNs + 0.5); }

// One GEMM to run: operands, thread mapping, in_valid pattern; the feed and the cycle model's schedule
// are derived from them. `tamper` (tests of the testbench itself) may alter the golden expectation.
struct ScJob {
  std::string label;
  IntMatrix x, w;
  Mapping mapping = Mapping::Interleaved;
  ValidPattern valid;
  Feed feed;
  Schedule sched;
  std::function<void(AccMatrix&)> tamper;
};

// What the scoreboard learns per GEMM, readable by the test after sc_start returns.
struct ScResult {
  RunResult run;
  std::uint64_t refused = 0;  // edges where the driver offered (in_valid = 1) and in_ready was 0
};

struct ScJobStart {
  const ScJob* job = nullptr;
  int index = 0;
  std::uint64_t start = 0;  // global edge S
};
inline std::ostream& operator<<(std::ostream& os, const ScJobStart& j) { return os << "job " << j.index << " from edge " << j.start; }

struct ScOutBeat {
  std::uint64_t edge = 0;  // global edge after which out_valid was 1
  bool last = false;
  std::vector<std::int64_t> data;
};
inline std::ostream& operator<<(std::ostream& os, const ScOutBeat& b) {
  return os << "out beat after edge " << b.edge << (b.last ? " (last)" : "");
}

// ---------------------------------------------------------------- driver
// Resets the DUT through rst_n, then feeds every job's K-groups honouring in_valid/in_ready, one job
// at a time: it waits for the scoreboard's "done" before the next GEMM, and stops the simulation after
// the last one.
template <int ActW, int WgtW>
SC_MODULE(ScDriver) {
  sc_in<bool> clk;
  sc_out<bool> rst_n, in_valid, in_last;
  sc_out<sc_bv<ActW>> in_act;
  sc_out<sc_bv<WgtW>> in_wgt;
  sc_in<bool> in_ready;
  sc_fifo_out<ScJobStart> job_start;
  sc_fifo_out<std::uint64_t> accepted;  // local edge of each accepted K-group
  sc_fifo_in<bool> done;

  ArrayParams p;
  const std::vector<ScJob>* jobs = nullptr;
  std::vector<std::uint64_t> refused;  // per job
  bool finished = false;

  SC_HAS_PROCESS(ScDriver);
  ScDriver(sc_module_name n, const ArrayParams& params, const std::vector<ScJob>& j) : sc_module(n), p(params), jobs(&j) { SC_THREAD(run); }

  void present(const Beat* b) {
    const int T = p.threads;
    sc_bv<ActW> a;
    sc_bv<WgtW> w;
    if (b) {
      for (int r = 0; r < p.rows; ++r)
        for (int t = 0; t < T; ++t) {
          const int lsb = (r * T + t) * 8;
          a.range(lsb + 7, lsb) = static_cast<unsigned>(b->act[static_cast<size_t>(r) * T + t]) & 0xffu;
        }
      for (int c = 0; c < p.cols; ++c)
        for (int t = 0; t < T; ++t) {
          const int lsb = (c * T + t) * 8;
          w.range(lsb + 7, lsb) = static_cast<unsigned>(static_cast<std::uint8_t>(b->wgt[static_cast<size_t>(c) * T + t]));
        }
    }
    in_valid.write(b != nullptr);
    in_last.write(b != nullptr && b->last);
    in_act.write(a);
    in_wgt.write(w);
  }

  void run() {
    rst_n.write(false);
    present(nullptr);
    for (int i = 0; i < 3; ++i) wait(clk.posedge_event());
    rst_n.write(true);
    for (size_t j = 0; j < jobs->size(); ++j) {
      const ScJob& job = (*jobs)[j];
      wait(clk.posedge_event());
      const std::uint64_t S = edge_now();
      job_start.write(ScJobStart{&job, static_cast<int>(j), S});
      const size_t n = job.feed.beats.size();
      size_t next = 0;
      std::uint64_t refusals = 0;
      bool offering = job.valid(1);
      present(offering ? &job.feed.beats[0] : nullptr);
      while (next < n) {
        wait(clk.posedge_event());
        const std::uint64_t e = edge_now() - S;
        // in_ready and in_valid as the DUT sampled them at this edge (signal writes land a delta later).
        if (offering) {
          if (in_ready.read()) {
            accepted.write(e);
            ++next;
          } else {
            ++refusals;
          }
        }
        offering = next < n && job.valid(e + 1);
        present(offering ? &job.feed.beats[next] : nullptr);
      }
      refused.push_back(refusals);
      done.read();  // the scoreboard has every row of this GEMM (or gave up on it)
    }
    finished = true;
    sc_stop();
  }
};

// ---------------------------------------------------------------- monitor
// Samples out_valid at every rising edge: the value it sees was set by the previous edge. Before the
// first reset edge the outputs hold the model's random initial state, so sampling starts after it.
template <int OutW>
SC_MODULE(ScMonitor) {
  sc_in<bool> clk, rst_n, out_valid, out_last;
  sc_in<sc_bv<OutW>> out_data;
  sc_fifo_out<ScOutBeat> beats;

  int cols = 1, acc_bits = 32;
  bool overflow = false;
  bool armed = false;  // a reset edge has happened

  SC_HAS_PROCESS(ScMonitor);
  ScMonitor(sc_module_name n, const ArrayParams& p) : sc_module(n), cols(p.cols), acc_bits(p.acc_bits) {
    SC_METHOD(sample);
    sensitive << clk.pos();
    dont_initialize();
  }

  void sample() {
    const bool was_armed = armed;
    if (!rst_n.read()) armed = true;  // this edge resets the array
    if (!was_armed || !out_valid.read()) return;
    ScOutBeat b;
    b.edge = edge_now() - 1;
    b.last = out_last.read();
    const sc_bv<OutW> d = out_data.read();
    for (int c = 0; c < cols; ++c) {
      const int lsb = c * acc_bits;
      b.data.push_back(sign_extend(d.range(lsb + acc_bits - 1, lsb).to_uint64(), acc_bits));
    }
    if (!beats.nb_write(b)) overflow = true;
  }
};

// ---------------------------------------------------------------- scoreboard
// For each GEMM the driver starts: collects the accepting edges and the monitor's beats until every
// expected row is out (plus 4 edges to catch spurious extra beats) or the cycle model's total plus a
// margin passes, then compares the rows with the golden model bit for bit (score) and every edge with
// the cycle model (check_cycles), and tells the driver it may start the next GEMM.
SC_MODULE(ScScoreboard) {
  sc_in<bool> clk;
  sc_fifo_in<ScJobStart> job_start;
  sc_fifo_in<std::uint64_t> accepted;
  sc_fifo_in<ScOutBeat> beats;
  sc_fifo_out<bool> done;

  ArrayParams p;
  std::vector<ScResult> results;
  Coverage cov;

  SC_HAS_PROCESS(ScScoreboard);
  ScScoreboard(sc_module_name n, const ArrayParams& params) : sc_module(n), p(params) {
    cov.threads = p.threads;
    cov.can_saturate = p.rounding != Rounding::Truncate;
    SC_THREAD(run);
  }

  void run() {
    for (;;) {
      const ScJobStart js = job_start.read();
      const ScJob& job = *js.job;
      const size_t n_beats = job.feed.beats.size();
      const size_t expected_rows = job.feed.tiles.size() * static_cast<size_t>(p.rows);
      const std::uint64_t limit = job.sched.total_cycles + 64;
      RunResult r;
      int extra_edges = -1;  // counts down once every row is out
      for (;;) {
        wait(clk.posedge_event());
        const std::uint64_t e = edge_now() - js.start;
        std::uint64_t a;
        while (accepted.nb_read(a)) r.accept_edge.push_back(a);
        ScOutBeat b;
        while (beats.nb_read(b)) r.out.push_back(OutBeat{b.edge - js.start, b.last, b.data});
        r.cycles = e;
        if (extra_edges < 0 && r.accept_edge.size() == n_beats && r.out.size() >= expected_rows) extra_edges = 4;
        if (extra_edges == 0) break;
        if (extra_edges > 0) --extra_edges;
        if (e > limit) {
          r.ok = false;
          r.message = "timeout after " + std::to_string(limit) + " edges: " + std::to_string(r.accept_edge.size()) + " of " +
                      std::to_string(n_beats) + " K-groups accepted, " + std::to_string(r.out.size()) + " of " +
                      std::to_string(expected_rows) + " output rows seen";
          break;
        }
      }
      if (r.ok) {
        GemmResult golden = gemm(p.arith(), job.x, job.w, job.mapping);
        cov.add(golden.stats);
        if (job.tamper) job.tamper(golden.y);
        if (score(p, job.feed, golden.y, gemm_exact(job.x, job.w, p.acc_bits), r)) check_cycles(p, job.feed, job.valid, r);
      }
      results.push_back(ScResult{std::move(r), 0});
      done.write(true);
    }
  }
};

}  // namespace sysmt::tb::sc
