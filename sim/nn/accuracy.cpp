#include "sim/nn/accuracy.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/output.hpp"
#include "common/plot.hpp"
#include "common/process.hpp"
#include "sim/cycle/cycle_model.hpp"
#include "sim/eval/evaluate.hpp"

namespace sysmt::nn {

namespace fs = std::filesystem;

void to_json(nlohmann::json& j, const LayerNumeric& v) {
  j = nlohmann::json{{"threads", v.threads},
                     {"mapping", v.mapping},
                     {"reorder", v.reorder},
                     {"source", v.source},
                     {"sqnr_db", std::isfinite(v.sqnr_db) ? nlohmann::json(v.sqnr_db) : nlohmann::json(nullptr)},
                     {"shared_lossy_frac", v.shared_lossy_frac},
                     {"shared_lossless_frac", v.shared_lossless_frac},
                     {"active_frac", v.active_frac}};
}

void from_json(const nlohmann::json& j, LayerNumeric& v) {
  j.at("threads").get_to(v.threads);
  j.at("mapping").get_to(v.mapping);
  j.at("reorder").get_to(v.reorder);
  j.at("source").get_to(v.source);
  const auto& s = j.at("sqnr_db");
  v.sqnr_db = s.is_null() ? std::numeric_limits<double>::infinity() : s.get<double>();
  j.at("shared_lossy_frac").get_to(v.shared_lossy_frac);
  j.at("shared_lossless_frac").get_to(v.shared_lossless_frac);
  j.at("active_frac").get_to(v.active_frac);
}

const RunFigure* NetworkReport::find(const std::string& n) const {
  for (const RunFigure& r : runs)
    if (r.name == n) return &r;
  return nullptr;
}

fs::path committed_network(double prune) {
  if (prune == 0) return data_file("configs/networks/fmresnet.q8");
  if (prune == 0.4) return data_file("configs/networks/fmresnet_p40.q8");
  throw InputError(fmt::format("--prune {}: the committed networks are pruned 0 or 0.4", prune));
}

std::vector<int> balanced_order(const std::vector<double>& score, int threads, Mapping mapping) {
  const int K = static_cast<int>(score.size());
  const int G = num_groups(K, threads);
  std::vector<std::vector<int>> slots(static_cast<std::size_t>(G));
  for (int g = 0; g < G; ++g)
    for (int t = 0; t < threads; ++t) {
      const int c = k_of(mapping, g, t, threads, K);
      if (c >= 0) slots[static_cast<std::size_t>(g)].push_back(c);
    }
  std::vector<int> ks(static_cast<std::size_t>(K));
  std::iota(ks.begin(), ks.end(), 0);
  std::stable_sort(ks.begin(), ks.end(),
                   [&](int a, int b) { return score[static_cast<std::size_t>(a)] > score[static_cast<std::size_t>(b)]; });
  std::vector<double> load(static_cast<std::size_t>(G), 0.0);
  std::vector<std::size_t> fill(static_cast<std::size_t>(G), 0);
  std::vector<int> order(static_cast<std::size_t>(K), -1);
  for (int k : ks) {
    int best = -1;
    for (int g = 0; g < G; ++g) {
      const auto gi = static_cast<std::size_t>(g);
      if (fill[gi] >= slots[gi].size()) continue;
      if (best < 0 || load[gi] < load[static_cast<std::size_t>(best)]) best = g;
    }
    const auto bi = static_cast<std::size_t>(best);
    order[static_cast<std::size_t>(slots[bi][fill[bi]++])] = k;
    load[bi] += score[static_cast<std::size_t>(k)];
  }
  return order;
}

namespace {

using Progress = std::function<void(const std::string&)>;

struct Baseline {
  std::vector<std::uint8_t> label;
  std::vector<std::int64_t> logits;
};

std::size_t count_correct(const std::vector<std::uint8_t>& pred, const Dataset& d) {
  std::size_t ok = 0;
  for (std::size_t i = 0; i < pred.size(); ++i) ok += pred[i] == d.labels[i];
  return ok;
}

// Mean squared difference of the logits against the exact ones (relative to the exact logits' power).
double logit_error(const Predictions& p, const Predictions& exact) {
  long double num = 0, den = 0;
  for (std::size_t i = 0; i < p.logits.size(); ++i) {
    const long double d = static_cast<long double>(p.logits[i] - exact.logits[i]);
    num += d * d;
    den += static_cast<long double>(exact.logits[i]) * static_cast<long double>(exact.logits[i]);
  }
  return den > 0 ? static_cast<double>(num / den) : 0.0;
}

struct Ctx {
  const Config& cfg;
  const AccuracyOptions& opt;
  const Progress& progress;
  const Dataset& test;
  const Dataset* train;
  const QNet& net;
  std::vector<int> gl;  // GEMM layer indices
  std::vector<std::array<std::uint64_t, 3>> cycles;
  std::uint64_t cycles1 = 0;
  Predictions exact;
  std::size_t exact_correct = 0;

  RunSpec spec(int threads, Mapping m) const {
    Arith a = Arith::from(cfg);
    return RunSpec::uniform(net, a, threads, m);
  }
  double speedup(const RunSpec& s) const {
    std::uint64_t c = 0;
    for (std::size_t i = 0; i < s.layers.size(); ++i) c += cycles[i][s.layers[i].threads == 1 ? 0 : s.layers[i].threads == 2 ? 1 : 2];
    return static_cast<double>(cycles1) / static_cast<double>(c);
  }
  InferOptions infer_opts(const std::string& what, std::size_t total) const {
    InferOptions io;
    io.workers = opt.workers;
    io.batch = opt.batch;
    if (progress)
      io.progress = [this, what, total](std::size_t done, std::size_t) {
        progress(fmt::format("{}: {}: {}/{} images", net.name, what, done, total));
      };
    return io;
  }
  Predictions run(const RunSpec& s, const Dataset& d, std::size_t n, const std::string& what) const {
    return run_network(net, d, n, s, infer_opts(what, n));
  }
  // `pre`: predictions already computed for this spec (the T = 1 reference), instead of a new run.
  RunFigure figure(const std::string& name, int threads, const RunSpec& s, bool reorder, const Predictions* pre = nullptr) const {
    RunFigure f;
    f.name = name;
    f.threads = threads;
    f.mapping = to_string(s.mapping);
    f.reorder = reorder;
    for (const LayerPlan& lp : s.layers) f.layer_threads.push_back(lp.threads);
    const auto t0 = std::chrono::steady_clock::now();
    const Predictions p = pre ? *pre : run(s, test, opt.images, name);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    f.correct = count_correct(p.label, test);
    f.top1 = 100.0 * static_cast<double>(f.correct) / static_cast<double>(opt.images);
    f.loss = 100.0 * (static_cast<double>(exact_correct) - static_cast<double>(f.correct)) / static_cast<double>(opt.images);
    for (std::size_t i = 0; i < opt.images; ++i) {
      if (p.label[i] == exact.label[i]) continue;
      ++f.changed;
      const bool was = exact.label[i] == test.labels[i], now = p.label[i] == test.labels[i];
      f.right_to_wrong += was && !now;
      f.wrong_to_right += !was && now;
    }
    f.speedup = speedup(s);
    if (progress)  // wall time goes to the progress stream only: the report files stay deterministic
      progress(
          fmt::format("{}: {}: {} images{}: top-1 {:.2f} %, loss {:+.2f}, {} flips ({} right->wrong, {} wrong->right), "
                      "speedup {:.2f}x\n",
                      net.name, name, opt.images, pre ? std::string() : fmt::format(" in {:.1f} s (wall)", secs), f.top1, f.loss, f.changed,
                      f.right_to_wrong, f.wrong_to_right, f.speedup));
    return f;
  }
};

// Per-layer activation statistics on calibration images (natural K order): P(a != 0), P(a >= 16).
struct KStats {
  std::vector<std::vector<double>> nonzero, big;  // per GEMM layer, per k
};

KStats calib_stats(Ctx& c) {
  const int W = std::max(1, c.opt.workers);
  const std::size_t L = c.gl.size();
  std::vector<std::vector<std::vector<std::uint64_t>>> nz(static_cast<std::size_t>(W)), bg(static_cast<std::size_t>(W));
  std::vector<std::vector<std::uint64_t>> rows(static_cast<std::size_t>(W), std::vector<std::uint64_t>(L, 0));
  for (int w = 0; w < W; ++w) {
    nz[static_cast<std::size_t>(w)].resize(L);
    bg[static_cast<std::size_t>(w)].resize(L);
    for (std::size_t l = 0; l < L; ++l) {
      const auto K = static_cast<std::size_t>(c.net.layers[static_cast<std::size_t>(c.gl[l])].w.rows);
      nz[static_cast<std::size_t>(w)][l].assign(K, 0);
      bg[static_cast<std::size_t>(w)][l].assign(K, 0);
    }
  }
  exact_pass(c.net, *c.train, 0, c.opt.calib_images, c.infer_opts("calibration statistics", c.opt.calib_images), [&](const GemmView& v) {
    const auto w = static_cast<std::size_t>(v.worker), l = static_cast<std::size_t>(v.gemm_index);
    auto& n = nz[w][l];
    auto& b = bg[w][l];
    const int K = v.x->cols;
    for (int r = 0; r < v.x->rows; ++r) {
      const int* row = &v.x->data[static_cast<std::size_t>(r) * K];
      for (int k = 0; k < K; ++k) {
        n[static_cast<std::size_t>(k)] += row[k] != 0;
        b[static_cast<std::size_t>(k)] += row[k] >= 16;
      }
    }
    rows[w][l] += static_cast<std::uint64_t>(v.x->rows);
  });
  KStats s;
  s.nonzero.resize(L);
  s.big.resize(L);
  for (std::size_t l = 0; l < L; ++l) {
    const std::size_t K = nz[0][l].size();
    std::uint64_t R = 0;
    for (int w = 0; w < W; ++w) R += rows[static_cast<std::size_t>(w)][l];
    s.nonzero[l].assign(K, 0);
    s.big[l].assign(K, 0);
    for (std::size_t k = 0; k < K; ++k) {
      std::uint64_t a = 0, b = 0;
      for (int w = 0; w < W; ++w) {
        a += nz[static_cast<std::size_t>(w)][l][k];
        b += bg[static_cast<std::size_t>(w)][l][k];
      }
      s.nonzero[l][k] = static_cast<double>(a) / static_cast<double>(std::max<std::uint64_t>(R, 1));
      s.big[l][k] = static_cast<double>(b) / static_cast<double>(std::max<std::uint64_t>(R, 1));
    }
  }
  return s;
}

// Feeder orders for mechanism (b). Score of an activation position: P(a != 0) + P(a >= 16), so
// activations that often need all 8 bits count double and are spread over K-groups with activations that
// are often zero. `channels` permutes the input channels only, the same way at every kernel tap (so each
// K-group still holds activations of one pixel, whose zeros are correlated: background pixels are zero in
// every channel); the channel scores are averaged over the taps and balanced over K-groups of T
// consecutive channels (the interleaved grouping). `k` permutes all of K freely for the run's mapping.
RunSpec reordered(const Ctx& c, const KStats& ks, int threads, Mapping m, Reorder how) {
  RunSpec s = c.spec(threads, m);
  for (std::size_t l = 0; l < s.layers.size(); ++l) {
    std::vector<double> score(ks.nonzero[l].size());
    for (std::size_t k = 0; k < score.size(); ++k) score[k] = ks.nonzero[l][k] + ks.big[l][k];
    if (how == Reorder::K) {
      s.layers[l].order = balanced_order(score, threads, m);
      continue;
    }
    const int cin = c.net.layers[static_cast<std::size_t>(c.gl[l])].shape.Cin;
    const int taps = static_cast<int>(score.size()) / cin;
    std::vector<double> cs(static_cast<std::size_t>(cin), 0.0);
    for (int t = 0; t < taps; ++t)
      for (int ci = 0; ci < cin; ++ci) cs[static_cast<std::size_t>(ci)] += score[static_cast<std::size_t>(t * cin + ci)] / taps;
    const std::vector<int> perm = balanced_order(cs, threads, Mapping::Interleaved);
    std::vector<int>& order = s.layers[l].order;
    order.resize(score.size());
    for (int t = 0; t < taps; ++t)
      for (int j = 0; j < cin; ++j) order[static_cast<std::size_t>(t * cin + j)] = t * cin + perm[static_cast<std::size_t>(j)];
  }
  return s;
}

struct Variant {
  int threads;
  Mapping mapping;
  bool reorder;
  std::vector<std::vector<int>> order;  // per layer (empty: natural)
};

// Per-layer numerics on the first stats_images test images: the exact network's activations feed the
// exact GEMM and every variant's NB-SMT GEMM.
void layer_numerics(Ctx& c, NetworkReport& nr, const std::vector<Variant>& variants) {
  const int W = std::max(1, c.opt.workers);
  const std::size_t L = c.gl.size(), V = variants.size();
  struct Acc {
    GemmStats stats;
    long double sig = 0, noise = 0;
  };
  struct LayerAcc {
    std::vector<Acc> v;
    std::uint64_t x_zero = 0, x_small = 0, x_total = 0;
  };
  std::vector<std::vector<LayerAcc>> acc(static_cast<std::size_t>(W), std::vector<LayerAcc>(L));
  for (auto& wv : acc)
    for (auto& la : wv) la.v.resize(V);
  const std::size_t n = std::min(c.opt.stats_images, c.opt.images);
  exact_pass(c.net, c.test, 0, n, c.infer_opts("per-layer statistics", n), [&](const GemmView& gv) {
    LayerAcc& la = acc[static_cast<std::size_t>(gv.worker)][static_cast<std::size_t>(gv.gemm_index)];
    for (int x : gv.x->data) {
      la.x_zero += x == 0;
      la.x_small += x > 0 && x < 16;
    }
    la.x_total += gv.x->data.size();
    const AccMatrix exact = gemm_exact(*gv.x, *gv.w, c.cfg.acc_bits);
    for (std::size_t vi = 0; vi < V; ++vi) {
      const Variant& var = variants[vi];
      Arith a = Arith::from(c.cfg);
      a.threads = var.threads;
      const std::vector<int>& ord = var.order.empty() ? std::vector<int>{} : var.order[static_cast<std::size_t>(gv.gemm_index)];
      const GemmResult r =
          ord.empty() ? gemm(a, *gv.x, *gv.w, var.mapping) : gemm(a, permute_cols(*gv.x, ord), permute_rows(*gv.w, ord), var.mapping);
      Acc& ac = la.v[vi];
      const GemmStats& s = r.stats;
      ac.stats.threads = s.threads;
      ac.stats.pe_cycles += s.pe_cycles;
      for (std::size_t h = 0; h < 5; ++h) ac.stats.active_hist[h] += s.active_hist[h];
      ac.stats.shared_lossless += s.shared_lossless;
      ac.stats.shared_lossy += s.shared_lossy;
      for (std::size_t i = 0; i < exact.data.size(); ++i) {
        const long double e = static_cast<long double>(exact.data[i]);
        const long double d = static_cast<long double>(r.y.data[i]) - e;
        ac.sig += e * e;
        ac.noise += d * d;
      }
    }
  });
  for (std::size_t l = 0; l < L; ++l) {
    LayerReport& lr = nr.layers[l];
    std::uint64_t xz = 0, xs = 0, xt = 0;
    for (int w = 0; w < W; ++w) {
      xz += acc[static_cast<std::size_t>(w)][l].x_zero;
      xs += acc[static_cast<std::size_t>(w)][l].x_small;
      xt += acc[static_cast<std::size_t>(w)][l].x_total;
    }
    lr.x_zero_frac = static_cast<double>(xz) / static_cast<double>(std::max<std::uint64_t>(xt, 1));
    lr.x_small_frac = static_cast<double>(xs) / static_cast<double>(std::max<std::uint64_t>(xt, 1));
    for (std::size_t vi = 0; vi < V; ++vi) {
      GemmStats s;
      long double sig = 0, noise = 0;
      for (int w = 0; w < W; ++w) {
        const Acc& a = acc[static_cast<std::size_t>(w)][l].v[vi];
        s.pe_cycles += a.stats.pe_cycles;
        for (std::size_t h = 0; h < 5; ++h) s.active_hist[h] += a.stats.active_hist[h];
        s.shared_lossless += a.stats.shared_lossless;
        s.shared_lossy += a.stats.shared_lossy;
        sig += a.sig;
        noise += a.noise;
      }
      LayerNumeric ln;
      ln.threads = variants[vi].threads;
      ln.mapping = to_string(variants[vi].mapping);
      ln.reorder = variants[vi].reorder;
      ln.source = "real";
      ln.sqnr_db = noise > 0 ? 10.0 * std::log10(static_cast<double>(sig / noise)) : std::numeric_limits<double>::infinity();
      const double pc = static_cast<double>(std::max<std::uint64_t>(s.pe_cycles, 1));
      ln.shared_lossy_frac = static_cast<double>(s.shared_lossy) / pc;
      ln.shared_lossless_frac = static_cast<double>(s.shared_lossless) / pc;
      for (std::size_t h = 0; h < 5; ++h) ln.active_frac[h] = static_cast<double>(s.active_hist[h]) / pc;
      lr.numeric.push_back(ln);
    }
  }
}

// The synthetic data model of `sysmt evaluate` (sim/eval/evaluate.hpp) on the same layer shapes.
void synthetic_numerics(Ctx& c, NetworkReport& nr) {
  Workload wl;
  wl.name = c.net.name;
  for (std::size_t l = 0; l < c.gl.size(); ++l) {
    Layer ly;
    ly.name = nr.layers[l].name;
    ly.shape = c.net.layers[static_cast<std::size_t>(c.gl[l])].shape;
    ly.where = c.net.name;
    wl.layers.push_back(ly);
  }
  EvalOptions eo;
  eo.data.prune = std::round(nr.weight_zero_frac * 10) / 10;
  const EvaluateReport ev = evaluate_workload(c.cfg, wl, eo, {});
  for (std::size_t l = 0; l < c.gl.size(); ++l)
    for (const NumericResult& r : ev.layers[l].numeric) {
      if (std::find(c.opt.mappings.begin(), c.opt.mappings.end(), r.mapping) == c.opt.mappings.end()) continue;
      LayerNumeric ln;
      ln.threads = r.threads;
      ln.mapping = to_string(r.mapping);
      ln.source = "synthetic";
      ln.sqnr_db = r.error.sqnr_db;
      const double pc = static_cast<double>(std::max<std::uint64_t>(r.stats.pe_cycles, 1));
      ln.shared_lossy_frac = static_cast<double>(r.stats.shared_lossy) / pc;
      ln.shared_lossless_frac = static_cast<double>(r.stats.shared_lossless) / pc;
      for (std::size_t h = 0; h < 5; ++h) ln.active_frac[h] = static_cast<double>(r.stats.active_hist[h]) / pc;
      nr.layers[l].numeric.push_back(ln);
    }
}

// "layers:A,B,...": the named GEMM layers at 2T, the rest at 4T (a fixed choice, no search).
std::vector<std::string> fixed_layers(const std::string& p) {
  const std::string pre = "layers:";
  std::vector<std::string> v;
  if (p.rfind(pre, 0) != 0) return v;
  std::string rest = p.substr(pre.size());
  for (std::size_t i = 0; i <= rest.size();) {
    const std::size_t j = std::min(rest.find(',', i), rest.size());
    v.push_back(rest.substr(i, j - i));
    i = j + 1;
  }
  for (const auto& n : v)
    if (n.empty()) throw InputError(fmt::format("--mode-policy '{}': empty layer name", p));
  return v;
}

double parse_policy(const std::string& p) {
  if (p == "none" || p.rfind("layers:", 0) == 0) return -1;
  const std::string pre = "greedy:";
  if (p.rfind(pre, 0) == 0) {
    std::size_t pos = 0;
    double v = -1;
    try {
      v = std::stod(p.substr(pre.size()), &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos > 0 && pos == p.size() - pre.size() && v >= 0 && v <= 100) return v;
  }
  throw InputError(
      fmt::format("--mode-policy '{}': expected none, greedy:LOSS (target top-1 loss in points, 0..100) or "
                  "layers:NAME,... (those layers at 2T)",
                  p));
}

// Mechanism (a) on the 4T array: rank the layers by how much running each at 4T instead of 2T hurts the
// logits per cycle saved (calibration images), switch them to 2T in that order, and measure every prefix.
void mode_tradeoff(Ctx& c, NetworkReport& nr, double target, Mapping m) {
  const Dataset& tr = *c.train;
  const std::size_t n = c.opt.calib_images;
  const Predictions ex = c.run(c.spec(1, m), tr, n, "(a) calibration T=1");
  const std::size_t ex_ok = count_correct(ex.label, tr);
  const RunSpec all2 = c.spec(2, m);
  const double base = logit_error(c.run(all2, tr, n, "(a) calibration T=2"), ex);
  const std::size_t L = c.gl.size();
  std::vector<double> score(L);
  for (std::size_t l = 0; l < L; ++l) {
    RunSpec s = all2;
    s.layers[l].threads = 4;
    const double e = logit_error(c.run(s, tr, n, fmt::format("(a) sensitivity {}", nr.layers[l].name)), ex);
    const double saved = static_cast<double>(c.cycles[l][1]) - static_cast<double>(c.cycles[l][2]);
    score[l] = (e - base) / std::max(saved, 1.0);
  }
  std::vector<std::size_t> ord(L);
  std::iota(ord.begin(), ord.end(), 0);
  std::stable_sort(ord.begin(), ord.end(), [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
  for (std::size_t l : ord) {
    nr.greedy_order.push_back(nr.layers[l].name);
    nr.greedy_score.push_back(score[l]);
  }
  RunSpec s = c.spec(4, m);
  for (std::size_t p = 0; p <= L; ++p) {
    if (p > 0) s.layers[ord[p - 1]].threads = 2;
    TradeoffPoint tp;
    for (std::size_t i = 0; i < p; ++i) tp.layers_2t.push_back(nr.layers[ord[i]].name);
    tp.speedup = c.speedup(s);
    const Predictions cp = c.run(s, tr, n, fmt::format("(a) calibration, {} layers at 2T", p));
    tp.calib_loss = 100.0 * (static_cast<double>(ex_ok) - static_cast<double>(count_correct(cp.label, tr))) / static_cast<double>(n);
    // The end points are the uniform runs already measured.
    const RunFigure* same = p == 0   ? nr.find(fmt::format("T=4 {}", to_string(m)))
                            : p == L ? nr.find(fmt::format("T=2 {}", to_string(m)))
                                     : nullptr;
    tp.run = same ? *same : c.figure(fmt::format("T=4 {}, {} of {} layers at 2T", to_string(m), p, L), 4, s, false);
    tp.run.name = fmt::format("T=4 {}, {} of {} layers at 2T", to_string(m), p, L);
    tp.run.threads = 4;
    tp.run.layer_threads.clear();
    for (const LayerPlan& lp : s.layers) tp.run.layer_threads.push_back(lp.threads);
    nr.tradeoff.push_back(tp);
    if (nr.policy_point < 0 && target >= 0 && tp.calib_loss <= target) nr.policy_point = static_cast<int>(p);
  }
}

}  // namespace

AccuracyReport run_accuracy(const Config& cfg, const AccuracyOptions& opt, const Progress& progress) {
  const double target = parse_policy(opt.mode_policy);
  const std::vector<std::string> fixed = fixed_layers(opt.mode_policy);
  if (opt.networks.empty()) throw InputError("no network given");
  if (opt.mappings.empty()) throw InputError("no mapping given");
  if (opt.images < 1 || opt.images > 10000) throw InputError(fmt::format("--images {} not in 1..10000", opt.images));
  if (opt.calib_images < 1 || opt.calib_images > 60000)
    throw InputError(fmt::format("--calib-images {} not in 1..60000", opt.calib_images));
  if (opt.stats_images < 1) throw InputError("--stats-images must be at least 1");
  if (opt.batch < 1 || opt.batch > 1024) throw InputError(fmt::format("--batch {} not in 1..1024", opt.batch));
  if (opt.workers < 1 || opt.workers > 64) throw InputError(fmt::format("--workers {} not in 1..64", opt.workers));
  std::vector<QNet> nets;
  for (const fs::path& p : opt.networks) nets.push_back(load_qnet(p));
  const fs::path data = opt.data_dir.empty() ? default_dataset_dir() : opt.data_dir;
  const Dataset test = load_fashion_mnist(data, "t10k");
  if (test.count < opt.images)
    throw InputError(fmt::format("{}: {} test images, fewer than --images {}", data.string(), test.count, opt.images));
  Dataset train;
  const bool need_train = opt.reorder_how != Reorder::None || target >= 0;
  if (need_train) {
    train = load_fashion_mnist(data, "train");
    if (train.count < opt.calib_images)
      throw InputError(fmt::format("{}: {} training images, fewer than --calib-images {}", data.string(), train.count, opt.calib_images));
  }
  for (std::size_t i = 0; i < nets.size(); ++i) {
    for (const std::string& name : fixed) {  // checked before any work is done
      bool found = false;
      for (int li : nets[i].gemm_layers()) found = found || nets[i].layers[static_cast<std::size_t>(li)].name == name;
      if (!found) throw InputError(fmt::format("--mode-policy: {} has no GEMM layer '{}'", opt.networks[i].string(), name));
    }
    const QTensor& in = nets[i].tensor(nets[i].input);
    if (in.size() != test.rows * test.cols)
      throw InputError(fmt::format("{}: input tensor is {}x{}x{}, the images are {}x{}", opt.networks[i].string(), in.H, in.W, in.C,
                                   test.rows, test.cols));
  }

  AccuracyReport rep;
  rep.generator = fmt::format("sysmt accuracy v{}", SYSMT_VERSION);
  rep.config_name = cfg.name;
  rep.config_file = cfg.source;
  rep.config_hash = cfg.hash();
  rep.rows = cfg.rows;
  rep.cols = cfg.cols;
  rep.acc_bits = cfg.acc_bits;
  rep.rounding = cfg.rounding == Rounding::HalfUp ? "half_up" : cfg.rounding == Rounding::HalfEven ? "half_even" : "truncate";
  rep.zero_skip = cfg.zero_skip == ZeroSkip::Both ? "both" : "act";
  rep.data_dir = data.string();
  rep.images = opt.images;
  rep.calib_images = need_train ? opt.calib_images : 0;
  rep.stats_images = std::min(opt.stats_images, opt.images);
  rep.reorder = opt.reorder_how == Reorder::None ? "none" : opt.reorder_how == Reorder::Channels ? "channels" : "k";

  for (std::size_t ni = 0; ni < nets.size(); ++ni) {
    const QNet& net = nets[ni];
    Ctx c{cfg, opt, progress, test, need_train ? &train : nullptr, net, net.gemm_layers(), {}, 0, {}, 0};
    NetworkReport nr;
    nr.file = opt.networks[ni].filename().string();
    nr.name = net.name;
    for (const auto& [k, v] : net.info) {
      if (k == "float_top1") nr.float_top1 = std::stod(v);
      if (k == "calibration") nr.calibration = v;
      if (k == "source") nr.source_weights = v;
    }
    std::uint64_t wz = 0, wt = 0;
    for (int li : c.gl) {
      const QLayer& l = net.layers[static_cast<std::size_t>(li)];
      LayerReport lr;
      lr.name = l.name;
      const GemmShape g = l.shape.gemm();
      lr.M = g.M;
      lr.K = g.K;
      lr.N = g.N;
      lr.macs = l.shape.macs();
      std::uint64_t z = 0;
      for (int v : l.w.data) z += v == 0;
      lr.w_zero_frac = static_cast<double>(z) / static_cast<double>(l.w.data.size());
      wz += z;
      wt += l.w.data.size();
      const int ts[3] = {1, 2, 4};
      for (int t = 0; t < 3; ++t) {
        Config ct = cfg;
        ct.threads = ts[t];
        lr.cycles[static_cast<std::size_t>(t)] = gemm_cycles(ArrayTiming::from(ct), g).total_cycles;
      }
      c.cycles.push_back(lr.cycles);
      c.cycles1 += lr.cycles[0];
      nr.layers.push_back(lr);
    }
    nr.weight_zero_frac = static_cast<double>(wz) / static_cast<double>(std::max<std::uint64_t>(wt, 1));

    // T = 1 is the reference every flip is counted against.
    const auto t0 = std::chrono::steady_clock::now();
    c.exact = c.run(c.spec(1, Mapping::Interleaved), test, opt.images, "T=1");
    if (progress)
      progress(fmt::format("{}: T=1: {} images in {:.1f} s (wall)\n", net.name, opt.images,
                           std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()));
    c.exact_correct = count_correct(c.exact.label, test);
    {
      RunFigure f = c.figure("T=1", 1, c.spec(1, Mapping::Interleaved), false, &c.exact);
      nr.runs.push_back(f);
    }
    for (int T : {2, 4})
      for (Mapping m : opt.mappings) nr.runs.push_back(c.figure(fmt::format("T={} {}", T, to_string(m)), T, c.spec(T, m), false));

    std::vector<Variant> variants;
    for (int T : {2, 4})
      for (Mapping m : opt.mappings) variants.push_back(Variant{T, m, false, {}});
    if (opt.reorder_how != Reorder::None) {
      const KStats ks = calib_stats(c);
      for (int T : {4})
        for (Mapping m : opt.mappings) {
          const RunSpec s = reordered(c, ks, T, m, opt.reorder_how);
          nr.runs.push_back(c.figure(fmt::format("T={} {} reordered", T, to_string(m)), T, s, true));
          Variant v{T, m, true, {}};
          for (const LayerPlan& lp : s.layers) v.order.push_back(lp.order);
          variants.push_back(v);
        }
    }
    layer_numerics(c, nr, variants);
    synthetic_numerics(c, nr);
    if (!fixed.empty()) {
      nr.policy = opt.mode_policy;
      const Mapping m = opt.mappings.front();
      RunSpec s = c.spec(4, m);
      for (const std::string& name : fixed) {
        std::size_t l = 0;
        while (l < nr.layers.size() && nr.layers[l].name != name) ++l;
        if (l == nr.layers.size()) throw InputError(fmt::format("--mode-policy: {} has no GEMM layer '{}'", nr.file, name));
        s.layers[l].threads = 2;
      }
      nr.runs.push_back(c.figure(fmt::format("T={} {}, 2T: {}", 4, to_string(m), opt.mode_policy.substr(7)), 4, s, false));
    }
    if (target >= 0) {
      nr.policy = opt.mode_policy;
      mode_tradeoff(c, nr, target, opt.mappings.front());
    }
    rep.networks.push_back(std::move(nr));
  }
  return rep;
}

namespace {

std::string sq(double v) { return std::isfinite(v) ? fmt::format("{:.1f}", v) : std::string("inf"); }
std::string pct(double v) { return fmt::format("{:.1f}", 100 * v); }

}  // namespace

std::string to_markdown(const AccuracyReport& r) {
  std::string s =
      fmt::format("<!-- Generated by {} from {} (config hash {}). Do not edit. -->\n\n", r.generator, r.config_file, r.config_hash);
  s += fmt::format("# Accuracy: Fashion-MNIST through the NB-SMT golden model on {} ({}x{})\n\n", r.config_name, r.rows, r.cols);
  s += fmt::format(
      "Arithmetic: rounding {}, zero_skip {}, {}-bit accumulator. {} test images per run; per-layer statistics on the "
      "first {}{}. Loss = top-1 of T = 1 minus top-1 of the run "
      "(points); flips count test images whose prediction differs from T = 1. Speedup = cycles of the T = 1 array / "
      "cycles of the run (cycle model, same rows x cols). Method: docs/accuracy.md.\n\n",
      r.rounding, r.zero_skip, r.acc_bits, r.images, r.stats_images,
      r.calib_images ? fmt::format("; mechanisms calibrated on the first {} training images (reordering: {})", r.calib_images, r.reorder)
                     : "");
  for (const NetworkReport& n : r.networks) {
    s += fmt::format("## {} ({}; weights {:.1f} % zero)\n\n", n.name, n.file, 100 * n.weight_zero_frac);
    if (n.float_top1 >= 0) s += fmt::format("Float top-1 (same images): {:.2f} %. Calibration: {}.\n\n", n.float_top1, n.calibration);
    s += "| run | top-1 % | loss (points) | flips (right->wrong / wrong->right) | speedup |\n|---|---|---|---|---|\n";
    for (const RunFigure& f : n.runs)
      s += fmt::format("| {} | {:.2f} | {:+.2f} | {} ({} / {}) | {:.2f}x |\n", f.name, f.top1, f.loss, f.changed, f.right_to_wrong,
                       f.wrong_to_right, f.speedup);
    s += "\n";
    if (!n.tradeoff.empty()) {
      s += fmt::format("### (a) Per-layer thread mode on the 4-thread array (policy {})\n\n", n.policy);
      s += "Layers switch to 2 threads in the greedy order (most logit error per cycle saved first, on calibration images).\n\n";
      s += "| layers at 2T | speedup | calibration loss | test top-1 % | test loss | flips |\n|---|---|---|---|---|---|\n";
      for (std::size_t i = 0; i < n.tradeoff.size(); ++i) {
        const TradeoffPoint& t = n.tradeoff[i];
        std::string names = t.layers_2t.empty() ? "none" : t.layers_2t.size() == n.layers.size() ? "all" : "";
        if (names.empty())
          for (const auto& l : t.layers_2t) names += (names.empty() ? "" : ", ") + l;
        s += fmt::format("| {}{} | {:.2f}x | {:+.2f} | {:.2f} | {:+.2f} | {} |\n", names,
                         static_cast<int>(i) == n.policy_point ? " **(policy)**" : "", t.speedup, t.calib_loss, t.run.top1, t.run.loss,
                         t.run.changed);
      }
      s += "\n";
    }
    s += "### Per layer: real activations vs the synthetic data model\n\n";
    s += "SQNR of the layer's NB-SMT GEMM against the exact GEMM on the same input (dB), and the share of PE cycles that shared "
         "the multiplier and lost precision (%). Real: the exact network's activations on test images; synthetic: `sysmt evaluate`'s "
         "data model (50 % zeros, half-normal sigma 32) on the same shape.\n\n";
    s += "| layer | M x K x N | x zero % | x < 16 % | w zero % | T=2 real | T=2 synth | T=4 real | T=4 synth | T=4 reordered | lossy T=2 "
         "real / synth | lossy T=4 real / synth |\n";
    s += "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const LayerReport& l : n.layers) {
      auto get = [&](int T, const char* src, bool reo) -> const LayerNumeric* {
        for (const LayerNumeric& x : l.numeric)
          if (x.threads == T && x.source == src && x.reorder == reo && x.mapping == "interleaved") return &x;
        return nullptr;
      };
      auto v = [&](int T, const char* src, bool reo) {
        const LayerNumeric* x = get(T, src, reo);
        return x ? sq(x->sqnr_db) : std::string("-");
      };
      auto lossy = [&](int T) {
        const LayerNumeric *a = get(T, "real", false), *b = get(T, "synthetic", false);
        return fmt::format("{} / {}", a ? pct(a->shared_lossy_frac) : "-", b ? pct(b->shared_lossy_frac) : "-");
      };
      s += fmt::format("| {} | {}x{}x{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", l.name, l.M, l.K, l.N, pct(l.x_zero_frac),
                       pct(l.x_small_frac), pct(l.w_zero_frac), v(2, "real", false), v(2, "synthetic", false), v(4, "real", false),
                       v(4, "synthetic", false), v(4, "real", true), lossy(2), lossy(4));
    }
    s += "\n(Interleaved mapping; the JSON has both mappings and the full active-thread histograms.)\n\n";
  }
  s += "Plot: `accuracy.png` / `accuracy.svg` (script `accuracy.gp`).\n";
  return s;
}

std::string accuracy_gnuplot(const AccuracyReport& r) {
  std::string s = fmt::format(
      "# Top-1 per T and the mechanism (a) trade-off. Generated by {} from {} (config hash {}). Do not edit.\n"
      "# Run in this folder: gnuplot accuracy.gp (writes accuracy.png and accuracy.svg).\n"
      "if (!exists(\"png_out\")) png_out = 'accuracy.png'\n"
      "if (!exists(\"svg_out\")) svg_out = 'accuracy.svg'\n",
      r.generator, r.config_file, r.config_hash);
  std::string plot1 = "plot ", plot2 = "plot ";
  for (std::size_t i = 0; i < r.networks.size(); ++i) {
    const NetworkReport& n = r.networks[i];
    s += fmt::format("$top{} << EOD\n", i);
    for (const RunFigure& f : n.runs)
      if (!f.reorder && (f.threads == 1 || f.mapping == "interleaved")) s += fmt::format("{} {:.3f}\n", f.threads, f.top1);
    s += "EOD\n";
    s += fmt::format("$reo{} << EOD\n", i);
    for (const RunFigure& f : n.runs)
      if (f.threads == 1 || (f.reorder && f.mapping == "interleaved")) s += fmt::format("{} {:.3f}\n", f.threads, f.top1);
    s += "EOD\n";
    plot1 += fmt::format(
        "{}$top{} using 1:2 with linespoints pt 7 title '{}', $reo{} using 1:2 with linespoints pt 6 dt 2 title '{} reordered (b)'",
        i ? ", " : "", i, n.name, i, n.name);
    if (!n.tradeoff.empty()) {
      s += fmt::format("$trade{} << EOD\n", i);
      for (const TradeoffPoint& t : n.tradeoff) s += fmt::format("{:.4f} {:.3f}\n", t.speedup, t.run.top1);
      s += "EOD\n";
      plot2 += fmt::format("{}$trade{} using 1:2 with linespoints pt 7 title '{}'", plot2 == "plot " ? "" : ", ", i, n.name);
    }
  }
  std::string body = "set multiplot layout 1,2\nset grid\nset key bottom left\n";
  body +=
      "set title 'Top-1 vs threads (interleaved)'\nset xlabel 'threads T'\nset ylabel 'top-1 (%)'\nset logscale x 2\nset xtics (1, 2, "
      "4)\n" +
      plot1 + "\n";
  body += "unset logscale x\nset xtics autofreq\n";
  if (plot2 != "plot ")
    body += "set title '(a) Per-layer 2T/4T mode on the 4T array'\nset xlabel 'speedup vs T = 1 (cycles)'\nset ylabel 'top-1 (%)'\n" +
            plot2 + "\n";
  body += "unset multiplot\n";
  s += "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n  set terminal pngcairo size 1200,480 noenhanced font ',10'\n} else {\n"
       "  set terminal png size 1200,480 noenhanced\n}\nset output png_out\n" +
       body + "set terminal svg size 1200,480 noenhanced font 'sans,10'\nset output svg_out\n" + body + "unset output\n";
  return s;
}

std::vector<fs::path> write_accuracy(const AccuracyReport& r, const fs::path& dir, std::string& plot_message) {
  std::vector<fs::path> files;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError(dir.string() + ": cannot create the output folder: " + ec.message());
  auto put = [&](const std::string& name, const std::string& content) {
    write_file_atomic(dir / name, content);
    files.push_back(dir / name);
  };
  nlohmann::json j = r;
  put("accuracy.json", j.dump(2) + "\n");
  put("accuracy.md", to_markdown(r));
  put("accuracy.gp", accuracy_gnuplot(r));
  plot_message.clear();
  if (!gnuplot().available) {
    plot_message =
        fmt::format("gnuplot not found on PATH: no plot drawn (install gnuplot, then run 'gnuplot accuracy.gp' in {})", dir.string());
    return files;
  }
  const bool ok = run_gnuplot(dir, "accuracy.gp", "", "png_out='.accuracy.png.tmp'; svg_out='.accuracy.svg.tmp'");
  if (ok && fs::exists(dir / ".accuracy.png.tmp") && fs::exists(dir / ".accuracy.svg.tmp")) {
    fs::rename(dir / ".accuracy.png.tmp", dir / "accuracy.png");
    fs::rename(dir / ".accuracy.svg.tmp", dir / "accuracy.svg");
    files.push_back(dir / "accuracy.png");
    files.push_back(dir / "accuracy.svg");
  } else {
    fs::remove(dir / ".accuracy.png.tmp", ec);
    fs::remove(dir / ".accuracy.svg.tmp", ec);
    plot_message = fmt::format("gnuplot failed on {}/accuracy.gp (run it there to see why)", dir.string());
  }
  return files;
}

}  // namespace sysmt::nn
