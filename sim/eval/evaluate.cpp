// The evaluation: one layer at a time (data, cycles for T = 1, 2, 4, golden model for T = 2, 4 x both
// mappings against the exact GEMM), then the network totals (docs/evaluation.md "What is reported").
#include "sim/eval/evaluate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "common/error.hpp"

namespace sysmt {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kThreads[3] = {1, 2, 4};
constexpr int kNbsmtThreads[2] = {2, 4};
constexpr Mapping kMappings[2] = {Mapping::Interleaved, Mapping::Blocked};

double zero_fraction(const std::vector<int>& v) {
  if (v.empty()) return 0;
  return static_cast<double>(std::count(v.begin(), v.end(), 0)) / static_cast<double>(v.size());
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The report's header: the array, the workload and the options.
EvaluateReport report_header(const Config& cfg, const Workload& wl, const EvalOptions& opt) {
  EvaluateReport ev;
  ev.generator = evaluate_generator();
  ev.config_name = cfg.name;
  ev.config_file = cfg.source;
  ev.config_hash = cfg.hash();
  ev.rows = cfg.rows;
  ev.cols = cfg.cols;
  ev.rounding = cfg.rounding;
  ev.zero_skip = cfg.zero_skip;
  ev.acc_bits = cfg.acc_bits;
  ev.workload_name = wl.name;
  ev.workload_file = wl.source;
  ev.workload_hash = wl.hash;
  ev.options = opt;
  ev.macs = wl.macs();
  return ev;
}

// Cycles of the layer's full GEMM on the same array with T = 1, 2, 4 threads, and the speedups.
void layer_performance(const Config& cfg, LayerEval& le) {
  for (int T : kThreads) {
    Config ct = cfg;  // the same array with T threads (and that T's pipeline, when array.pipeline is auto)
    ct.threads = T;
    PerfResult p;
    p.threads = T;
    p.cycles = gemm_cycles(ArrayTiming::from(ct), le.gemm);
    le.perf.push_back(p);
  }
  for (PerfResult& p : le.perf)
    p.speedup = static_cast<double>(le.perf[0].cycles.total_cycles) / static_cast<double>(p.cycles.total_cycles);
}

// The golden model for T = 2, 4 and both mappings against the exact GEMM (what T = 1 computes).
void layer_numeric(const Config& cfg, const IntMatrix& x, const IntMatrix& w, LayerEval& le) {
  const AccMatrix exact = gemm_exact(x, w, cfg.acc_bits);
  for (int T : kNbsmtThreads)
    for (Mapping m : kMappings) {
      Arith ar = Arith::from(cfg);
      ar.threads = T;
      GemmResult r = gemm(ar, x, w, m);
      NumericResult nr;
      nr.threads = T;
      nr.mapping = m;
      nr.stats = r.stats;
      nr.error = compare(r.y, exact);
      le.numeric.push_back(nr);
    }
}

std::string progress_start(const LayerEval& le, int index, int count) {
  return fmt::format("[{}/{}] {} GEMM {}x{}x{}{} ... ", index + 1, count, le.name, le.gemm.M, le.gemm.K, le.gemm.N,
                     le.sampled_rows == le.gemm.M ? std::string() : fmt::format(", {} of {} rows sampled", le.sampled_rows, le.gemm.M));
}

std::string progress_end(const LayerEval& le) {
  auto sq = [](double v) { return std::isinf(v) ? std::string("inf") : fmt::format("{:.1f}", v); };
  return fmt::format("{:.1f} s: speedup {:.2f}x (T=2) {:.2f}x (T=4), SQNR {} / {} dB (T=2 / T=4, interleaved)\n", le.seconds,
                     le.perf_for(2).speedup, le.perf_for(4).speedup, sq(le.numeric_for(2, Mapping::Interleaved).error.sqnr_db),
                     sq(le.numeric_for(4, Mapping::Interleaved).error.sqnr_db));
}

// One layer: its data (user tensors or the seeded data model), the sampled rows of X, cycles, numeric cost.
LayerEval evaluate_layer(const Config& cfg, const Layer& l, const EvalOptions& opt, const Progress& progress, int index, int count) {
  const auto t0 = Clock::now();
  LayerEval le;
  le.name = l.name;
  le.shape = l.shape;
  le.gemm = l.shape.gemm();
  le.macs = l.shape.macs();
  const std::vector<int> rows = sample_rows(le.gemm.M, opt.sample, stream_seed(opt.seed, l.name, "rows"));
  le.sampled_rows = static_cast<int>(rows.size());
  if (progress) progress(progress_start(le, index, count));

  le.act_zero = l.act_zero.value_or(opt.data.act_zero);
  le.act_scale = l.act_scale.value_or(opt.data.act_scale);
  le.act_source = l.x ? l.x_file : "synthetic";
  le.wgt_source = l.w ? l.w_file : "synthetic";
  const ConvShape& s = l.shape;
  const Tensor3 in = l.x ? *l.x : make_activations(s.H, s.W, s.Cin, le.act_zero, le.act_scale, stream_seed(opt.seed, l.name, "act"));
  const IntMatrix w = l.w ? *l.w : make_weights(le.gemm.K, le.gemm.N, opt.data.prune, stream_seed(opt.seed, l.name, "wgt"));
  const IntMatrix x = im2col(s, in, rows);
  le.x_zero_frac = zero_fraction(x.data);
  le.w_zero_frac = zero_fraction(w.data);

  layer_performance(cfg, le);
  layer_numeric(cfg, x, w, le);
  le.seconds = seconds_since(t0);
  if (progress) progress(progress_end(le));
  return le;
}

// Network cycles, speedup and PE utilization for T = 1, 2, 4: the layers back to back.
void network_performance(const Config& cfg, EvaluateReport& ev) {
  for (int T : kThreads) {
    NetworkPerf np;
    np.threads = T;
    double real = 0;
    for (const LayerEval& le : ev.layers) {
      const PerfResult& p = le.perf_for(np.threads);
      np.cycles += p.cycles.total_cycles;
      real += static_cast<double>(le.gemm.M) * le.gemm.N * static_cast<double>(p.cycles.groups_per_tile);
    }
    np.pe_utilization = real / (static_cast<double>(cfg.rows) * cfg.cols * static_cast<double>(np.cycles));
    np.speedup = ev.perf.empty() ? 1.0 : static_cast<double>(ev.perf[0].cycles) / static_cast<double>(np.cycles);
    ev.perf.push_back(np);
  }
}

// Network SQNR: the layers' noise-to-signal ratios weighted by their MACs (docs/evaluation.md).
void network_numeric(EvaluateReport& ev) {
  for (int T : kNbsmtThreads)
    for (Mapping m : kMappings) {
      NetworkNumeric nn;
      nn.threads = T;
      nn.mapping = m;
      double wsum = 0, nsr = 0;
      std::uint64_t lossy = 0, cycles = 0;
      nn.min_sqnr_db = std::numeric_limits<double>::infinity();
      for (const LayerEval& le : ev.layers) {
        const NumericResult& r = le.numeric_for(T, m);
        const double w = static_cast<double>(le.macs);
        wsum += w;
        nsr += w * r.error.rel_frobenius * r.error.rel_frobenius;
        nn.min_sqnr_db = std::min(nn.min_sqnr_db, r.error.sqnr_db);
        lossy += r.stats.shared_lossy;
        cycles += r.stats.pe_cycles;
      }
      nsr /= wsum;
      nn.rel_frobenius = std::sqrt(nsr);
      nn.sqnr_db = nsr > 0 ? -10.0 * std::log10(nsr) : std::numeric_limits<double>::infinity();
      nn.shared_lossy_frac = cycles ? static_cast<double>(lossy) / static_cast<double>(cycles) : 0.0;
      ev.numeric.push_back(nn);
    }
}

}  // namespace

std::string evaluate_generator() { return fmt::format("sysmt evaluate v{}", SYSMT_VERSION); }

const PerfResult& LayerEval::perf_for(int t) const {
  for (const PerfResult& p : perf)
    if (p.threads == t) return p;
  throw std::out_of_range("perf_for");
}

const NumericResult& LayerEval::numeric_for(int t, Mapping m) const {
  for (const NumericResult& r : numeric)
    if (r.threads == t && r.mapping == m) return r;
  throw std::out_of_range("numeric_for");
}

const NetworkPerf& EvaluateReport::perf_for(int t) const {
  for (const NetworkPerf& p : perf)
    if (p.threads == t) return p;
  throw std::out_of_range("EvaluateReport::perf_for: no T = " + std::to_string(t));
}

const NetworkNumeric& EvaluateReport::numeric_for(int t, Mapping m) const {
  for (const NetworkNumeric& n : numeric)
    if (n.threads == t && n.mapping == m) return n;
  throw std::out_of_range("EvaluateReport::numeric_for: no T = " + std::to_string(t) + " " + to_string(m));
}

EvaluateReport evaluate_workload(const Config& cfg, const Workload& wl, const EvalOptions& opt, const Progress& progress) {
  const auto t0 = Clock::now();
  if (!(opt.sample > 0 && opt.sample <= 1)) throw InputError(fmt::format("sample fraction {} is not in (0, 1]", opt.sample));
  if (!(opt.data.prune >= 0 && opt.data.prune < 1)) throw InputError(fmt::format("prune fraction {} is not in [0, 1)", opt.data.prune));
  EvaluateReport ev = report_header(cfg, wl, opt);
  const int nl = static_cast<int>(wl.layers.size());
  for (int li = 0; li < nl; ++li) {
    LayerEval le = evaluate_layer(cfg, wl.layers[static_cast<size_t>(li)], opt, progress, li, nl);
    ev.sampled_macs +=
        static_cast<std::uint64_t>(le.sampled_rows) * static_cast<std::uint64_t>(le.gemm.K) * static_cast<std::uint64_t>(le.gemm.N);
    ev.layers.push_back(std::move(le));
  }
  network_performance(cfg, ev);
  network_numeric(ev);
  ev.seconds = seconds_since(t0);
  return ev;
}

}  // namespace sysmt
