// Workload evaluation: parser, data model, per-layer evaluation and its Markdown / JSON / gnuplot
// renderings (docs/evaluation.md describes every format and choice made here).
#include "sim/eval/workload.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <numeric>
#include <stdexcept>

#include "sim/golden/matrix_io.hpp"
#include "sim/golden/report.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/hash.hpp"
#include "common/output.hpp"
#include "common/process.hpp"

namespace sysmt {

namespace fs = std::filesystem;

// ---- Parser ----------------------------------------------------------------------------------------

namespace {

struct Token {
  std::string text;
  int col = 1;  // 1-based
};

constexpr const char* kFieldNames[9] = {"name", "H", "W", "KH", "KW", "Cin", "Cout", "stride", "pad"};
constexpr const char* kLineFormat = "NAME H W KH KW CIN COUT STRIDE PAD [act_zero=F] [act_scale=S] [x=FILE] [w=FILE]";

bool valid_name(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

// Strict decimal integer: optional '-', digits only.
bool parse_int(const std::string& s, long long& v) {
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size() || s.size() > 12) return false;
  for (size_t j = i; j < s.size(); ++j)
    if (s[j] < '0' || s[j] > '9') return false;
  v = std::stoll(s);
  return true;
}

bool parse_double(const std::string& s, double& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(v);
}

}  // namespace

std::uint64_t Workload::macs() const {
  std::uint64_t m = 0;
  for (const Layer& l : layers) m += l.shape.macs();
  return m;
}

Workload parse_workload(const std::string& text, const std::string& source, const fs::path& base_dir) {
  Workload wl;
  wl.source = source;
  wl.name = fs::path(source).stem().string();
  wl.hash = hex64(fnv1a64(text));
  std::map<std::string, std::string> seen;  // name -> where
  int lineno = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (size_t h = line.find('#'); h != std::string::npos) line.resize(h);
    std::vector<Token> toks;
    for (size_t i = 0; i < line.size();) {
      if (line[i] == ' ' || line[i] == '\t') {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
      toks.push_back(Token{line.substr(i, j - i), static_cast<int>(i) + 1});
      i = j;
    }
    if (toks.empty()) continue;
    const std::string where = fmt::format("{}:{}", source, lineno);
    auto fail = [&](int col, const std::string& msg) -> InputError {
      return InputError(fmt::format("{}:{}: {}", where, col, msg));
    };
    // The 9 positional fields come first, then only key=value options.
    size_t npos = 0;
    while (npos < toks.size() && toks[npos].text.find('=') == std::string::npos) ++npos;
    if (npos < 9)
      throw fail(npos < toks.size() ? toks[npos].col : static_cast<int>(line.size()) + 1,
                 fmt::format("expected 9 fields ({}), found {} before {}", kLineFormat, npos,
                             npos < toks.size() ? "option '" + toks[npos].text + "'" : "the end of the line"));
    if (npos > 9)
      throw fail(toks[9].col, fmt::format("unexpected field 10 '{}': a line has 9 fields ({}); options are key=value",
                                          toks[9].text, kLineFormat));
    Layer l;
    l.where = where;
    l.name = toks[0].text;
    if (!valid_name(l.name))
      throw fail(toks[0].col, fmt::format("field 'name': '{}' is not a layer name (1 to 64 of A-Z a-z 0-9 _ . -)", l.name));
    if (auto it = seen.find(l.name); it != seen.end())
      throw fail(toks[0].col, fmt::format("field 'name': layer '{}' is already defined at {}", l.name, it->second));
    seen[l.name] = where;
    int v[9] = {};
    for (int f = 1; f < 9; ++f) {
      const Token& t = toks[f];
      long long x = 0;
      if (!parse_int(t.text, x))
        throw fail(t.col, fmt::format("field '{}': expected an integer, found '{}'", kFieldNames[f], t.text));
      const long long lo = f == 8 ? 0 : 1, hi = f == 8 ? 1024 : (f <= 2 ? 65536 : f <= 4 ? 1024 : f <= 6 ? 1 << 20 : 1024);
      if (x < lo)
        throw fail(t.col, fmt::format("field '{}': {} must be {}, found {}", kFieldNames[f], kFieldNames[f],
                                      lo == 0 ? "0 or more" : "positive", x));
      if (x > hi) throw fail(t.col, fmt::format("field '{}': {} is out of range ({}..{})", kFieldNames[f], x, lo, hi));
      v[f] = static_cast<int>(x);
    }
    l.shape = ConvShape{v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]};
    if (std::string p = l.shape.problem(); !p.empty())
      throw fail(toks[1].col, fmt::format("layer '{}': {}", l.name, p));
    for (size_t i = 9; i < toks.size(); ++i) {
      const Token& t = toks[i];
      const size_t eq = t.text.find('=');
      const std::string key = t.text.substr(0, eq), val = t.text.substr(eq + 1);
      auto dup = [&](bool present) {
        if (present) throw fail(t.col, fmt::format("option '{}' given twice", key));
      };
      double d = 0;
      if (key == "act_zero") {
        dup(l.act_zero.has_value());
        if (!parse_double(val, d) || d < 0 || d > 1)
          throw fail(t.col, fmt::format("option 'act_zero': expected a fraction 0..1, found '{}'", val));
        l.act_zero = d;
      } else if (key == "act_scale") {
        dup(l.act_scale.has_value());
        if (!parse_double(val, d) || d <= 0 || d > 1e4)
          throw fail(t.col, fmt::format("option 'act_scale': expected a number of LSBs in (0, 10000], found '{}'", val));
        l.act_scale = d;
      } else if (key == "x" || key == "w") {
        dup(!(key == "x" ? l.x_file : l.w_file).empty());
        if (val.empty()) throw fail(t.col, fmt::format("option '{}': empty file name", key));
        fs::path p(val);
        if (p.is_relative()) p = base_dir / p;
        (key == "x" ? l.x_file : l.w_file) = p.lexically_normal().string();
      } else {
        throw fail(t.col, fmt::format("unknown option '{}' (known: act_zero, act_scale, x, w)", key));
      }
    }
    // User tensors: read and check their shape now, so evaluation cannot fail on input later.
    const ConvShape& s = l.shape;
    if (!l.x_file.empty()) {
      IntMatrix m = read_matrix_csv(l.x_file, 0, 255, "activation");
      if (m.rows != s.H * s.W || m.cols != s.Cin)
        throw InputError(fmt::format("{}: layer '{}' (x= at {}) needs the input activations as H*W = {} rows (row y*W+x) "
                                     "x Cin = {} columns, found {} x {}",
                                     l.x_file, l.name, where, s.H * s.W, s.Cin, m.rows, m.cols));
      Tensor3 x(s.H, s.W, s.Cin);
      x.data = std::move(m.data);
      l.x = std::move(x);
    }
    if (!l.w_file.empty()) {
      IntMatrix m = read_matrix_csv(l.w_file, -128, 127, "weight");
      const int K = s.KH * s.KW * s.Cin;
      if (m.rows != K || m.cols != s.Cout)
        throw InputError(fmt::format("{}: layer '{}' (w= at {}) needs the weights as KH*KW*Cin = {} rows (row "
                                     "(ky*KW+kx)*Cin+ci) x Cout = {} columns, found {} x {}",
                                     l.w_file, l.name, where, K, s.Cout, m.rows, m.cols));
      l.w = std::move(m);
    }
    wl.layers.push_back(std::move(l));
  }
  if (wl.layers.empty()) throw InputError(source + ": no layers (expected lines of the form " + kLineFormat + ")");
  return wl;
}

Workload load_workload(const std::string& path) {
  const std::string text = read_file(path);
  return parse_workload(text, path, fs::path(path).parent_path());
}

std::vector<GemmShape> gemm_shapes(const Workload& wl) {
  std::vector<GemmShape> v;
  for (const Layer& l : wl.layers) v.push_back(l.shape.gemm());
  return v;
}

// ---- Data model ------------------------------------------------------------------------------------

namespace {

// splitmix64: tiny, well mixed, and fully specified here, so data is the same with every standard library.
struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double normal() {  // Box-Muller, one value per pair
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }  // bias < n / 2^64, irrelevant here
};

std::uint64_t stream_seed(std::uint64_t seed, const std::string& layer, const char* stream) {
  return fnv1a64(fmt::format("{}/{}/{}", seed, layer, stream));
}

}  // namespace

Tensor3 make_activations(int H, int W, int C, double zero_frac, double scale, std::uint64_t seed) {
  Rng r{seed};
  Tensor3 t(H, W, C);
  for (int& v : t.data) {
    if (r.uniform() < zero_frac) {
      v = 0;
      continue;
    }
    const long q = std::lround(std::fabs(r.normal()) * scale);
    v = static_cast<int>(std::clamp<long>(q, 1, 255));
  }
  return t;
}

IntMatrix make_weights(int K, int N, double prune, std::uint64_t seed) {
  Rng r{seed};
  const size_t n = static_cast<size_t>(K) * N;
  std::vector<double> g(n);
  for (double& v : g) v = r.normal();
  const size_t npruned = static_cast<size_t>(std::floor(prune * static_cast<double>(n)));
  if (npruned > 0) {
    std::vector<size_t> idx(n);
    std::iota(idx.begin(), idx.end(), size_t{0});
    auto smaller = [&](size_t a, size_t b) {
      const double fa = std::fabs(g[a]), fb = std::fabs(g[b]);
      return fa < fb || (fa == fb && a < b);
    };
    std::nth_element(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(npruned - 1), idx.end(), smaller);
    for (size_t i = 0; i < npruned; ++i) g[idx[i]] = 0.0;
  }
  IntMatrix w(K, N);
  for (int c = 0; c < N; ++c) {
    double mx = 0;
    for (int k = 0; k < K; ++k) mx = std::max(mx, std::fabs(g[static_cast<size_t>(k) * N + c]));
    if (mx == 0) continue;
    for (int k = 0; k < K; ++k) {
      const long q = std::lround(g[static_cast<size_t>(k) * N + c] * 127.0 / mx);
      w.at(k, c) = static_cast<int>(std::clamp<long>(q, -128, 127));
    }
  }
  return w;
}

std::vector<int> sample_rows(int M, double fraction, std::uint64_t seed) {
  std::vector<int> all(static_cast<size_t>(M));
  std::iota(all.begin(), all.end(), 0);
  if (fraction >= 1.0) return all;
  const int n = std::max(std::min(M, kMinSampleRows), static_cast<int>(std::ceil(fraction * M)));
  if (n >= M) return all;
  Rng r{seed};
  for (int i = 0; i < n; ++i) std::swap(all[static_cast<size_t>(i)], all[static_cast<size_t>(i) + r.below(static_cast<std::uint64_t>(M - i))]);
  all.resize(static_cast<size_t>(n));
  std::sort(all.begin(), all.end());
  return all;
}

// ---- Evaluation ------------------------------------------------------------------------------------

namespace {
constexpr int kThreads[3] = {1, 2, 4};
constexpr int kNbsmtThreads[2] = {2, 4};
constexpr Mapping kMappings[2] = {Mapping::Interleaved, Mapping::Blocked};

double zero_fraction(const std::vector<int>& v) {
  if (v.empty()) return 0;
  return static_cast<double>(std::count(v.begin(), v.end(), 0)) / static_cast<double>(v.size());
}
}  // namespace

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

Evaluation evaluate_workload(const Config& cfg, const Workload& wl, const EvalOptions& opt, const Progress& progress) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  if (!(opt.sample > 0 && opt.sample <= 1)) throw InputError(fmt::format("sample fraction {} is not in (0, 1]", opt.sample));
  if (!(opt.data.prune >= 0 && opt.data.prune < 1)) throw InputError(fmt::format("prune fraction {} is not in [0, 1)", opt.data.prune));
  Evaluation ev;
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
  const int nl = static_cast<int>(wl.layers.size());
  for (int li = 0; li < nl; ++li) {
    const Layer& l = wl.layers[static_cast<size_t>(li)];
    const auto tl = Clock::now();
    LayerEval le;
    le.name = l.name;
    le.shape = l.shape;
    le.gemm = l.shape.gemm();
    le.macs = l.shape.macs();
    const std::vector<int> rows = sample_rows(le.gemm.M, opt.sample, stream_seed(opt.seed, l.name, "rows"));
    le.sampled_rows = static_cast<int>(rows.size());
    ev.sampled_macs += static_cast<std::uint64_t>(le.sampled_rows) * static_cast<std::uint64_t>(le.gemm.K) *
                       static_cast<std::uint64_t>(le.gemm.N);
    if (progress)
      progress(fmt::format("[{}/{}] {} GEMM {}x{}x{}{} ... ", li + 1, nl, l.name, le.gemm.M, le.gemm.K, le.gemm.N,
                           le.sampled_rows == le.gemm.M ? std::string()
                                                        : fmt::format(", {} of {} rows sampled", le.sampled_rows, le.gemm.M)));

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

    for (int T : kThreads) {
      Config ct = cfg;  // the same array with T threads (and that T's pipeline, when array.pipeline is auto)
      ct.threads = T;
      const ArrayTiming at = ArrayTiming::from(ct);
      PerfResult p;
      p.threads = T;
      p.cycles = gemm_cycles(at, le.gemm);
      le.perf.push_back(p);
    }
    for (PerfResult& p : le.perf)
      p.speedup = static_cast<double>(le.perf[0].cycles.total_cycles) / static_cast<double>(p.cycles.total_cycles);

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
    le.seconds = std::chrono::duration<double>(Clock::now() - tl).count();
    if (progress) {
      auto sq = [](double v) { return std::isinf(v) ? std::string("inf") : fmt::format("{:.1f}", v); };
      progress(fmt::format("{:.1f} s: speedup {:.2f}x (T=2) {:.2f}x (T=4), SQNR {} / {} dB (T=2 / T=4, interleaved)\n",
                           le.seconds, le.perf_for(2).speedup, le.perf_for(4).speedup,
                           sq(le.numeric_for(2, Mapping::Interleaved).error.sqnr_db),
                           sq(le.numeric_for(4, Mapping::Interleaved).error.sqnr_db)));
    }
    ev.layers.push_back(std::move(le));
  }

  // Network totals.
  for (int ti = 0; ti < 3; ++ti) {
    NetworkPerf np;
    np.threads = kThreads[ti];
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
  ev.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return ev;
}

// ---- Renderings ------------------------------------------------------------------------------------

namespace {

nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

std::string db(double v) { return std::isinf(v) ? std::string("inf") : fmt::format("{:.2f}", v); }

std::string generator_line() { return fmt::format("sysmt evaluate v{}", SYSMT_VERSION); }

std::string data_summary(const Evaluation& ev) {
  const EvalOptions& o = ev.options;
  return fmt::format(
      "seed {}; activations post-ReLU, {:.0f}% zeros, non-zeros round(|N(0, {:g}^2)|) clamped to 1..255 "
      "(unless a layer overrides it); weights N(0, 1), {:.0f}% magnitude-pruned per layer, quantized per output "
      "channel by max-abs to -127..127",
      o.seed, 100 * o.data.act_zero, o.data.act_scale, 100 * o.data.prune);
}

}  // namespace

nlohmann::json to_json(const Evaluation& ev) {
  using nlohmann::json;
  const EvalOptions& o = ev.options;
  json j;
  j["generator"] = generator_line();
  j["config"] = {{"name", ev.config_name},     {"file", ev.config_file},         {"hash", ev.config_hash},
                 {"rows", ev.rows},            {"cols", ev.cols},                {"rounding", to_string(ev.rounding)},
                 {"zero_skip", to_string(ev.zero_skip)}, {"acc_bits", ev.acc_bits}};
  j["workload"] = {{"name", ev.workload_name}, {"file", ev.workload_file}, {"hash", ev.workload_hash},
                   {"layers", ev.layers.size()}, {"macs", ev.macs}};
  j["options"] = {{"seed", o.seed},
                  {"sample", o.sample},
                  {"min_sample_rows", kMinSampleRows},
                  {"prune", o.data.prune},
                  {"act_zero", o.data.act_zero},
                  {"act_scale", o.data.act_scale},
                  {"sampled_macs", ev.sampled_macs}};
  json perf = json::array();
  for (const NetworkPerf& p : ev.perf)
    perf.push_back({{"threads", p.threads}, {"cycles", p.cycles}, {"speedup", p.speedup}, {"pe_utilization", p.pe_utilization}});
  json numeric = json::array();
  for (const NetworkNumeric& n : ev.numeric)
    numeric.push_back({{"threads", n.threads},
                       {"mapping", to_string(n.mapping)},
                       {"sqnr_db_mac_weighted", num(n.sqnr_db)},
                       {"rel_frobenius_mac_weighted", num(n.rel_frobenius)},
                       {"min_layer_sqnr_db", num(n.min_sqnr_db)},
                       {"shared_lossy_fraction", n.shared_lossy_frac}});
  j["network"] = {{"performance", perf}, {"numeric", numeric}};
  json layers = json::array();
  for (const LayerEval& le : ev.layers) {
    const ConvShape& s = le.shape;
    json lj = {{"name", le.name},
               {"shape", {{"H", s.H}, {"W", s.W}, {"KH", s.KH}, {"KW", s.KW}, {"Cin", s.Cin}, {"Cout", s.Cout},
                          {"stride", s.stride}, {"pad", s.pad}, {"OH", s.out_h()}, {"OW", s.out_w()}}},
               {"gemm", {{"M", le.gemm.M}, {"K", le.gemm.K}, {"N", le.gemm.N}}},
               {"macs", le.macs},
               {"sampled_rows", le.sampled_rows},
               {"data", {{"activations", le.act_source}, {"weights", le.wgt_source}, {"act_zero", le.act_zero},
                         {"act_scale", le.act_scale}, {"x_zero_fraction", le.x_zero_frac}, {"w_zero_fraction", le.w_zero_frac}}}};
    json pj = json::array();
    for (const PerfResult& p : le.perf)
      pj.push_back({{"threads", p.threads},
                    {"cycles", p.cycles.total_cycles},
                    {"tiles", p.cycles.tiles},
                    {"k_groups", p.cycles.groups_per_tile},
                    {"stall_cycles", p.cycles.stall_cycles},
                    {"speedup", p.speedup},
                    {"pe_utilization", p.cycles.pe_utilization}});
    lj["performance"] = pj;
    json nj = json::array();
    for (const NumericResult& r : le.numeric)
      nj.push_back({{"threads", r.threads}, {"mapping", to_string(r.mapping)}, {"stats", to_json(r.stats)}, {"error", to_json(r.error)}});
    lj["numeric"] = nj;
    layers.push_back(lj);
  }
  j["layers"] = layers;
  return j;
}

std::string to_markdown(const Evaluation& ev) {
  std::string s;
  auto add = [&](const std::string& t) { s += t; };
  add(fmt::format("# NB-SMT evaluation: {} on {}\n\n", ev.workload_name, ev.config_name));
  add(fmt::format("<!-- Generated by {} from {} (config hash {}) and {} (hash {}). Do not edit. -->\n\n", generator_line(),
                  ev.config_file, ev.config_hash, ev.workload_file, ev.workload_hash));
  add(fmt::format("- Array: {}x{} PEs, rounding {}, zero_skip {}, {}-bit accumulators; T = 1, 2, 4 on the same array.\n",
                  ev.rows, ev.cols, to_string(ev.rounding), to_string(ev.zero_skip), ev.acc_bits));
  add(fmt::format("- Workload: {} layers, {:.3f} G MACs.\n", ev.layers.size(), static_cast<double>(ev.macs) / 1e9));
  add(fmt::format("- Data: {}.\n", data_summary(ev)));
  if (ev.options.sample >= 1)
    add("- Golden model on every output pixel (no sampling). Cycles use the full shapes.\n");
  else
    add(fmt::format("- Golden model on a seeded sample of {:g}% of each layer's output pixels (at least {} rows): {:.3f} G "
                    "of {:.3f} G MACs. Cycles use the full shapes.\n",
                    100 * ev.options.sample, kMinSampleRows, static_cast<double>(ev.sampled_macs) / 1e9,
                    static_cast<double>(ev.macs) / 1e9));
  add("- T = 1 is the conventional OS-SA: exact by construction (spec section 4), so it has no error columns.\n\n");

  add("## Network\n\n| T | cycles | speedup vs T=1 | PE utilization |\n|---|---:|---:|---:|\n");
  for (const NetworkPerf& p : ev.perf)
    add(fmt::format("| {} | {} | {:.3f} | {:.1f}% |\n", p.threads, p.cycles, p.speedup, 100 * p.pe_utilization));
  add("\n| T | mapping | SQNR (MAC-weighted), dB | rel. Frobenius (MAC-weighted) | worst layer SQNR, dB | lossy shared PE cycles |\n"
      "|---|---|---:|---:|---:|---:|\n");
  for (const NetworkNumeric& n : ev.numeric)
    add(fmt::format("| {} | {} | {} | {:.3e} | {} | {:.2f}% |\n", n.threads, to_string(n.mapping), db(n.sqnr_db), n.rel_frobenius,
                    db(n.min_sqnr_db), 100 * n.shared_lossy_frac));

  add("\n## Performance per layer (cycle model, full shapes)\n\n"
      "| # | layer | input HxWxC | kernel/stride/pad | output | GEMM MxKxN | MMACs | cycles T=1 | T=2 | T=4 | speedup T=2 | T=4 | "
      "PE util T=1 | T=2 | T=4 |\n|---:|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (size_t i = 0; i < ev.layers.size(); ++i) {
    const LayerEval& le = ev.layers[i];
    const ConvShape& c = le.shape;
    add(fmt::format("| {} | {} | {}x{}x{} | {}x{}/{}/{} | {}x{}x{} | {}x{}x{} | {:.1f} | {} | {} | {} | {:.3f} | {:.3f} | {:.1f}% | {:.1f}% | {:.1f}% |\n",
                    i + 1, le.name, c.H, c.W, c.Cin, c.KH, c.KW, c.stride, c.pad, c.out_h(), c.out_w(), c.Cout, le.gemm.M,
                    le.gemm.K, le.gemm.N, static_cast<double>(le.macs) / 1e6, le.perf_for(1).cycles.total_cycles,
                    le.perf_for(2).cycles.total_cycles, le.perf_for(4).cycles.total_cycles, le.perf_for(2).speedup,
                    le.perf_for(4).speedup, 100 * le.perf_for(1).cycles.pe_utilization,
                    100 * le.perf_for(2).cycles.pe_utilization, 100 * le.perf_for(4).cycles.pe_utilization));
  }

  add("\n## Numerical cost per layer (golden model on the sampled rows)\n\n"
      "il = interleaved mapping, bl = blocked. Zero X counts padding taps. Lossy = shared PE cycles where some operand "
      "lost precision, as a share of all PE cycles.\n\n"
      "| # | layer | rows | zero X | zero W | SQNR dB T=2 il | T=2 bl | T=4 il | T=4 bl | rel. Frob. T=2 il | T=4 il | "
      "lossy T=2 il | T=4 il |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (size_t i = 0; i < ev.layers.size(); ++i) {
    const LayerEval& le = ev.layers[i];
    auto n = [&](int t, Mapping m) -> const NumericResult& { return le.numeric_for(t, m); };
    auto lossy = [&](int t) {
      const GemmStats& st = n(t, Mapping::Interleaved).stats;
      return st.pe_cycles ? 100.0 * static_cast<double>(st.shared_lossy) / static_cast<double>(st.pe_cycles) : 0.0;
    };
    add(fmt::format("| {} | {} | {} | {:.1f}% | {:.1f}% | {} | {} | {} | {} | {:.3e} | {:.3e} | {:.1f}% | {:.1f}% |\n", i + 1,
                    le.name, le.sampled_rows, 100 * le.x_zero_frac, 100 * le.w_zero_frac,
                    db(n(2, Mapping::Interleaved).error.sqnr_db), db(n(2, Mapping::Blocked).error.sqnr_db),
                    db(n(4, Mapping::Interleaved).error.sqnr_db), db(n(4, Mapping::Blocked).error.sqnr_db),
                    n(2, Mapping::Interleaved).error.rel_frobenius, n(4, Mapping::Interleaved).error.rel_frobenius,
                    lossy(2), lossy(4)));
  }
  add("\nPlots: `speedup.png` / `speedup.svg` and `sqnr.png` / `sqnr.svg` (scripts `speedup.gp`, `sqnr.gp`). "
      "Formats and data model: docs/evaluation.md.\n");
  return s;
}

namespace {

std::string gp_header(const Evaluation& ev, const std::string& what, const std::string& base) {
  return fmt::format(
      "# {} per layer: {} on {}. Generated by {} from {} (config hash {}) and {} (hash {}). Do not edit.\n"
      "# Run in this folder: gnuplot {}.gp (writes {}.png and {}.svg; override with -e \"png_out='..'; svg_out='..'\").\n"
      "if (!exists(\"png_out\")) png_out = '{}.png'\n"
      "if (!exists(\"svg_out\")) svg_out = '{}.svg'\n",
      what, ev.workload_name, ev.config_name, generator_line(), ev.config_file, ev.config_hash, ev.workload_file,
      ev.workload_hash, base, base, base, base, base);
}

std::string gp_terminals(const std::string& plot_cmd) {
  return "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
         "  set terminal pngcairo size 1400,560 noenhanced font ',10'\n"
         "} else {\n"
         "  set terminal png size 1400,560 noenhanced\n"
         "}\n"
         "set output png_out\n" +
         plot_cmd +
         "set terminal svg size 1400,560 noenhanced font 'sans,10'\n"
         "set output svg_out\n" +
         plot_cmd + "unset output\n";
}

}  // namespace

std::string speedup_gnuplot(const Evaluation& ev) {
  std::string s = gp_header(ev, "Speedup vs T = 1", "speedup");
  s += "$data << EOD\n";
  for (const LayerEval& le : ev.layers)
    s += fmt::format("\"{}\" {:.4f} {:.4f}\n", le.name, le.perf_for(2).speedup, le.perf_for(4).speedup);
  s += fmt::format("\"network\" {:.4f} {:.4f}\nEOD\n", ev.perf[1].speedup, ev.perf[2].speedup);
  s += fmt::format("set title 'Speedup vs T = 1 per layer: {} on {}x{} ({})'\n", ev.workload_name, ev.rows, ev.cols, ev.config_name);
  s += "set style data histogram\nset style histogram cluster gap 1\nset style fill solid 0.85 border -1\n"
       "set boxwidth 0.9\nset xtics rotate by -60 scale 0 font ',8'\nset ylabel 'speedup (cycles T=1 / cycles T)'\n"
       "set grid ytics\nset key outside right top\n";
  double top = 1;
  for (const NetworkPerf& p : ev.perf) top = std::max(top, p.speedup);
  for (const LayerEval& le : ev.layers) top = std::max(top, le.perf_for(4).speedup);
  s += fmt::format("set yrange [0:{:.1f}]\n", std::ceil(top * 1.1 * 2) / 2);
  s += gp_terminals("plot $data using 2:xtic(1) title 'T = 2' lc rgb '#4477aa', '' using 3 title 'T = 4' lc rgb '#ee6677'\n");
  return s;
}

std::string sqnr_gnuplot(const Evaluation& ev) {
  std::string s = gp_header(ev, "SQNR", "sqnr");
  s += "# '?' marks an infinite SQNR (no error at all).\nset datafile missing '?'\n$data << EOD\n";
  auto v = [](double d) { return std::isfinite(d) ? fmt::format("{:.3f}", d) : std::string("?"); };
  for (size_t i = 0; i < ev.layers.size(); ++i) {
    const LayerEval& le = ev.layers[i];
    s += fmt::format("{} \"{}\" {} {} {} {}\n", i, le.name, v(le.numeric_for(2, Mapping::Interleaved).error.sqnr_db),
                     v(le.numeric_for(2, Mapping::Blocked).error.sqnr_db), v(le.numeric_for(4, Mapping::Interleaved).error.sqnr_db),
                     v(le.numeric_for(4, Mapping::Blocked).error.sqnr_db));
  }
  s += "EOD\n";
  s += fmt::format("set title 'SQNR of NB-SMT vs exact per layer: {} on {} (prune {:g}%, seed {})'\n", ev.workload_name,
                   ev.config_name, 100 * ev.options.data.prune, ev.options.seed);
  s += fmt::format("set xrange [-0.5:{}]\n", static_cast<double>(ev.layers.size()) - 0.5);
  s += "set xtics rotate by -60 scale 0 font ',8'\nset ylabel 'SQNR (dB)'\nset grid ytics\nset key outside right top\n";
  s += gp_terminals(
      "plot $data using 1:3:xtic(2) with linespoints pt 7 lc rgb '#4477aa' title 'T = 2 interleaved', "
      "'' using 1:4 with linespoints pt 6 dt 2 lc rgb '#4477aa' title 'T = 2 blocked', "
      "'' using 1:5 with linespoints pt 5 lc rgb '#ee6677' title 'T = 4 interleaved', "
      "'' using 1:6 with linespoints pt 4 dt 2 lc rgb '#ee6677' title 'T = 4 blocked'\n");
  return s;
}


WrittenFiles write_evaluation(const Evaluation& ev, const fs::path& dir) {
  WrittenFiles wf;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError(dir.string() + ": cannot create the output folder: " + ec.message());
  auto put = [&](const std::string& name, const std::string& content) {
    write_file_atomic(dir / name, content);
    wf.files.push_back(dir / name);
  };
  put("evaluate.json", to_json(ev).dump(2) + "\n");
  put("evaluate.md", to_markdown(ev));
  put("speedup.gp", speedup_gnuplot(ev));
  put("sqnr.gp", sqnr_gnuplot(ev));

  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    wf.plot_message = fmt::format("gnuplot not found on PATH: no plots drawn (install gnuplot, then run 'gnuplot speedup.gp' "
                                  "and 'gnuplot sqnr.gp' in {})", dir.string());
    return wf;
  }
  // gnuplot writes temporaries that are renamed into place, so a failed plot never leaves a partial image.
  wf.plots = true;
  for (const char* base : {"speedup", "sqnr"}) {
    const std::string png = fmt::format(".{}.png.tmp", base), svg = fmt::format(".{}.svg.tmp", base);
    const std::string cmd = fmt::format("cd {} && gnuplot -e \"png_out='{}'; svg_out='{}'\" {}.gp", shell_quote(dir.string()),
                                        png, svg, base);
    const int rc = std::system(cmd.c_str());
    if (rc == 0 && fs::exists(dir / png) && fs::exists(dir / svg)) {
      fs::rename(dir / png, dir / (std::string(base) + ".png"));
      fs::rename(dir / svg, dir / (std::string(base) + ".svg"));
      wf.files.push_back(dir / (std::string(base) + ".png"));
      wf.files.push_back(dir / (std::string(base) + ".svg"));
    } else {
      fs::remove(dir / png, ec);
      fs::remove(dir / svg, ec);
      wf.plots = false;
      wf.plot_message += fmt::format("gnuplot failed on {}/{}.gp (status {}); ", dir.string(), base, rc);
    }
  }
  return wf;
}

fs::path default_evaluate_dir(const Config& cfg) { return fs::path("reports") / ("evaluate-" + cfg.name); }

EvaluateRun run_evaluate(const std::string& config_path, const std::string& workload_path, const EvalOptions& opt,
                         const fs::path& out_dir, bool quiet) {
  if (!(opt.sample > 0 && opt.sample <= 1)) throw InputError(fmt::format("--sample {} is not in (0, 1]", opt.sample));
  if (!(opt.data.prune >= 0 && opt.data.prune < 1)) throw InputError(fmt::format("--prune {} is not in [0, 1)", opt.data.prune));
  if (!(opt.data.act_zero >= 0 && opt.data.act_zero <= 1)) throw InputError(fmt::format("--act-zero {} is not in [0, 1]", opt.data.act_zero));
  if (!(opt.data.act_scale > 0 && opt.data.act_scale <= 1e4)) throw InputError(fmt::format("--act-scale {} is not in (0, 10000]", opt.data.act_scale));
  const Config cfg = load_config(config_path);
  const Workload wl = load_workload(workload_path);
  const fs::path dir = out_dir.empty() ? default_evaluate_dir(cfg) : out_dir;
  Progress progress;
  if (!quiet)
    progress = [](const std::string& chunk) {
      std::fputs(chunk.c_str(), stderr);
      std::fflush(stderr);
    };
  EvaluateRun run;
  run.eval = evaluate_workload(cfg, wl, opt, progress);
  run.written = write_evaluation(run.eval, dir);
  return run;
}

}  // namespace sysmt
