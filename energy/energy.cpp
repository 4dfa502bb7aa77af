// Energy per layer and per inference: layer windows, PE and rest-of-array streams, power, energy, and the
// report's JSON, Markdown and gnuplot forms (docs/energy.md).
#include "energy/energy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/hash.hpp"
#include "common/output.hpp"
#include "common/plot.hpp"
#include "common/process.hpp"
#include "energy/stream.hpp"
#include "gen/rtl_build.hpp"

namespace sysmt::energy {

namespace fs = std::filesystem;

// ---- JSON -------------------------------------------------------------------------------------------

void to_json(nlohmann::json& j, const PowerSplit& p) {
  j = {{"internal", p.internal}, {"clock", p.clock}, {"switching", p.switching}, {"leakage", p.leakage}, {"total", p.total()}};
}
void from_json(const nlohmann::json& j, PowerSplit& p) {
  p.internal = j.at("internal").get<double>();
  p.clock = j.at("clock").get<double>();
  p.switching = j.at("switching").get<double>();
  p.leakage = j.at("leakage").get<double>();
}
void to_json(nlohmann::json& j, const LayerEnergy& l) {
  j = {{"name", l.name},
       {"macs", l.macs},
       {"cycles", l.cycles},
       {"window_tiles", l.window_tiles},
       {"window_edges", l.window_edges},
       {"x_zero_frac", l.x_zero_frac},
       {"w_zero_frac", l.w_zero_frac},
       {"pe_power_w", l.pe},
       {"pe_spread", l.pe_spread},
       {"rest_power_w", l.rest},
       {"array_power_w", l.array},
       {"energy_own_j", l.energy_own_j},
       {"energy_common_j", l.energy_common_j},
       {"idle_frac", l.idle_frac},
       {"gated_energy_common_j", l.gated_energy_common_j}};
}
void from_json(const nlohmann::json& j, LayerEnergy& l) {
  l.name = j.at("name").get<std::string>();
  l.macs = j.at("macs").get<std::uint64_t>();
  l.cycles = j.at("cycles").get<std::uint64_t>();
  l.window_tiles = j.at("window_tiles").get<int>();
  l.window_edges = j.at("window_edges").get<long>();
  l.x_zero_frac = j.at("x_zero_frac").get<double>();
  l.w_zero_frac = j.at("w_zero_frac").get<double>();
  l.pe = j.at("pe_power_w").get<PowerSplit>();
  l.pe_spread = j.at("pe_spread").get<double>();
  l.rest = j.at("rest_power_w").get<PowerSplit>();
  l.array = j.at("array_power_w").get<PowerSplit>();
  l.energy_own_j = j.at("energy_own_j").get<double>();
  l.energy_common_j = j.at("energy_common_j").get<double>();
  l.idle_frac = j.at("idle_frac").get<double>();
  l.gated_energy_common_j = j.at("gated_energy_common_j").get<double>();
}
void to_json(nlohmann::json& j, const DesignEnergy& d) {
  j = {{"label", d.label},
       {"config_name", d.config_name},
       {"threads", d.threads},
       {"pipeline", d.pipeline},
       {"area_um2", d.area_um2},
       {"pe_area_um2", d.pe_area_um2},
       {"min_period_ns", d.min_period_ns},
       {"cycles", d.cycles},
       {"layers", d.layers},
       {"energy_own_j", d.energy_own_j},
       {"energy_common_j", d.energy_common_j},
       {"pj_per_mac_common", d.pj_per_mac_common},
       {"energy_split_common_j", d.energy_split_common},
       {"vs_baseline_own", d.vs_baseline_own},
       {"vs_baseline_common", d.vs_baseline_common},
       {"vs_plain_own", d.vs_plain_own},
       {"vs_plain_common", d.vs_plain_common},
       {"pe_flip_flops", d.pe_flip_flops},
       {"clock_pj_per_ff_cycle", d.clock_pj_per_ff_cycle},
       {"gated_energy_common_j", d.gated_energy_common_j},
       {"gated_vs_baseline_common", d.gated_vs_baseline_common}};
}
void from_json(const nlohmann::json& j, DesignEnergy& d) {
  d.label = j.at("label").get<std::string>();
  d.config_name = j.at("config_name").get<std::string>();
  d.threads = j.at("threads").get<int>();
  d.pipeline = j.at("pipeline").get<int>();
  d.area_um2 = j.at("area_um2").get<double>();
  d.pe_area_um2 = j.at("pe_area_um2").get<double>();
  d.min_period_ns = j.at("min_period_ns").get<double>();
  d.cycles = j.at("cycles").get<std::uint64_t>();
  d.layers = j.at("layers").get<std::vector<LayerEnergy>>();
  d.energy_own_j = j.at("energy_own_j").get<double>();
  d.energy_common_j = j.at("energy_common_j").get<double>();
  d.pj_per_mac_common = j.at("pj_per_mac_common").get<double>();
  d.energy_split_common = j.at("energy_split_common_j").get<PowerSplit>();
  d.vs_baseline_own = j.at("vs_baseline_own").get<double>();
  d.vs_baseline_common = j.at("vs_baseline_common").get<double>();
  d.vs_plain_own = j.at("vs_plain_own").get<double>();
  d.vs_plain_common = j.at("vs_plain_common").get<double>();
  d.pe_flip_flops = j.at("pe_flip_flops").get<int>();
  d.clock_pj_per_ff_cycle = j.at("clock_pj_per_ff_cycle").get<double>();
  d.gated_energy_common_j = j.at("gated_energy_common_j").get<double>();
  d.gated_vs_baseline_common = j.at("gated_vs_baseline_common").get<double>();
}
void to_json(nlohmann::json& j, const EnergyReport& r) {
  j = {{"tool", r.tool},
       {"version", r.version},
       {"config",
        {{"name", r.config_name},
         {"file", r.config_file},
         {"hash", r.config_hash},
         {"rows", r.rows},
         {"cols", r.cols},
         {"gating", r.gating}}},
       {"workload", {{"name", r.workload_name}, {"file", r.workload_file}, {"hash", r.workload_hash}}},
       {"data", {{"prune", r.prune}, {"act_zero", r.act_zero}, {"act_scale", r.act_scale}, {"seed", r.seed}, {"mapping", r.mapping}}},
       {"sampling", {{"pe_positions", r.positions}, {"min_edges", r.min_edges}, {"rest_of_array", r.rest}}},
       {"activity", r.activity},
       {"liberty", r.liberty},
       {"reference_period_ns", r.reference_period_ns},
       {"common_period_ns", r.common_period_ns},
       {"clk_slew_ns", r.clk_slew_ns},
       {"macs", r.macs},
       {"designs", r.designs},
       {"baseline", r.baseline},
       {"plain_baseline", r.plain_baseline},
       {"paper", {{"2T", r.paper_2t}, {"4T", r.paper_4t}}},
       {"seconds", r.seconds}};
}
void from_json(const nlohmann::json& j, EnergyReport& r) {
  r.tool = j.at("tool").get<std::string>();
  r.version = j.at("version").get<std::string>();
  const auto& c = j.at("config");
  r.config_name = c.at("name").get<std::string>();
  r.config_file = c.at("file").get<std::string>();
  r.config_hash = c.at("hash").get<std::string>();
  r.rows = c.at("rows").get<int>();
  r.cols = c.at("cols").get<int>();
  r.gating = c.value("gating", std::string("none"));
  const auto& w = j.at("workload");
  r.workload_name = w.at("name").get<std::string>();
  r.workload_file = w.at("file").get<std::string>();
  r.workload_hash = w.at("hash").get<std::string>();
  const auto& d = j.at("data");
  r.prune = d.at("prune").get<double>();
  r.act_zero = d.at("act_zero").get<double>();
  r.act_scale = d.at("act_scale").get<double>();
  r.seed = d.at("seed").get<std::uint64_t>();
  r.mapping = d.at("mapping").get<std::string>();
  const auto& s = j.at("sampling");
  r.positions = s.at("pe_positions").get<int>();
  r.min_edges = s.at("min_edges").get<long>();
  r.rest = s.at("rest_of_array").get<bool>();
  r.activity = j.value("activity", std::string("zero-delay"));  // reports from before --timed are zero-delay
  r.liberty = j.at("liberty").get<std::string>();
  r.reference_period_ns = j.at("reference_period_ns").get<double>();
  r.common_period_ns = j.at("common_period_ns").get<double>();
  r.clk_slew_ns = j.at("clk_slew_ns").get<double>();
  r.macs = j.at("macs").get<std::uint64_t>();
  r.designs = j.at("designs").get<std::vector<DesignEnergy>>();
  r.baseline = j.at("baseline").get<std::string>();
  r.plain_baseline = j.at("plain_baseline").get<std::string>();
  r.paper_2t = j.at("paper").at("2T").get<double>();
  r.paper_4t = j.at("paper").at("4T").get<double>();
  r.seconds = j.at("seconds").get<double>();
}

// ---- Designs and windows ----------------------------------------------------------------------------

std::vector<Config> energy_designs(const Config& cfg) {
  std::vector<Config> v;
  const std::string base = cfg.name.substr(0, 34);
  for (auto [t, p] : {std::pair{1, 0}, {1, 1}, {2, 1}, {4, 1}}) {
    Config c = cfg;
    c.threads = t;
    c.pipeline = p;
    c.name = fmt::format("{}_t{}p{}", base, t, p);
    v.push_back(c);
  }
  return v;
}

namespace {

std::string label_of(const Config& c) {
  return c.threads == 1 ? fmt::format("1T P{}", c.pipeline_stages()) : fmt::format("{}T", c.threads);
}

struct Window {
  int first = 0, count = 1, warm = 0;
};

// The tiles measured on a layer: enough whole tiles for `min_edges` edges of the fastest design (T = 4),
// at a seeded place in the tile sequence, after one warm-up tile when there is one.
Window layer_window(const Config& cfg, const GemmShape& g, long min_edges, std::uint64_t seed, const std::string& layer) {
  Config c4 = cfg;
  c4.threads = 4;
  const ArrayTiming at = ArrayTiming::from(c4);
  const int tiles = g.tiles(at);
  const long per_tile = std::max(g.groups(at), at.drain_interval());
  Window w;
  w.count = static_cast<int>(std::min<long>(tiles, (min_edges + per_tile - 1) / per_tile));
  const int lo = tiles - w.count >= 1 ? 1 : 0, hi = tiles - w.count;
  w.first = hi > lo ? lo + static_cast<int>(stream_seed(seed, layer, "energy-window") % static_cast<std::uint64_t>(hi - lo + 1)) : lo;
  w.warm = w.first > 0 ? 1 : 0;
  return w;
}

std::vector<std::pair<int, int>> pe_positions(const Config& cfg, int n) {
  std::vector<std::pair<int, int>> v;
  if (n <= 0) {
    for (int r = 0; r < cfg.rows; ++r)
      for (int c = 0; c < cfg.cols; ++c) v.emplace_back(r, c);
    return v;
  }
  for (int i = 0; i < n; ++i) {
    const auto p = std::pair{n == 1 ? cfg.rows / 2 : i * (cfg.rows - 1) / (n - 1), n == 1 ? cfg.cols / 2 : i * (cfg.cols - 1) / (n - 1)};
    if (std::find(v.begin(), v.end(), p) == v.end()) v.push_back(p);
  }
  return v;
}

}  // namespace

std::string hex_bits(const std::vector<int>& vals, int bits_each) {
  // Little-endian lanes of `bits_each` bits, printed as one hex number.
  std::string hex;
  const int total = static_cast<int>(vals.size()) * bits_each;
  for (int nib = (total + 3) / 4 - 1; nib >= 0; --nib) {
    int v = 0;
    for (int b = 0; b < 4; ++b) {
      const int bit = nib * 4 + b;
      if (bit >= total) continue;
      const int lane = bit / bits_each, off = bit % bits_each;
      v |= ((static_cast<unsigned>(vals[static_cast<size_t>(lane)]) >> off) & 1u) << b;
    }
    if (hex.empty() && v == 0 && nib > 0) continue;
    hex += "0123456789abcdef"[v];
  }
  return hex.empty() ? "0" : hex;
}

// One PE's stream over the window (inputs in the model's port order).
Stream pe_stream(const Config& cfg, const GateModel& m, const Trace& tr, int r, int c, const std::string& label) {
  Stream s;
  s.label = label;
  s.warmup = static_cast<long>(tr.first_measured) - 1 + r + c;
  const long total = s.warmup + static_cast<long>(tr.measured);
  for (long e = 1; e <= total; ++e) {
    const PeInputs p = pe_inputs(cfg, tr, r, c, e);
    std::vector<std::string> vals;
    for (const auto& [name, width] : m.inputs) {
      if (name == "a_in")
        vals.push_back(hex_bits(p.a, 8));
      else if (name == "w_in")
        vals.push_back(hex_bits(p.w, 8));
      else if (name == "l_in")
        vals.push_back(p.last ? "1" : "0");
      else if (name == "anz_in")
        vals.push_back(hex_bits(p.anz, 1));
      else if (name == "wnz_in")
        vals.push_back(hex_bits(p.wnz, 1));
      else
        throw std::runtime_error("energy: unknown PE input " + name);
    }
    s.edges.push_back(std::move(vals));
  }
  return s;
}

// The array's stream: the feeder's ports edge by edge.
Stream array_stream(const GateModel& m, const Trace& tr, const std::string& label) {
  Stream s;
  s.label = label;
  s.warmup = static_cast<long>(tr.first_measured) - 1;
  const long total = s.warmup + static_cast<long>(tr.measured);
  for (long e = 1; e <= total; ++e) {
    const PortBeat& b = tr.edges[static_cast<size_t>(e - 1)];
    std::vector<std::string> vals;
    for (const auto& [name, width] : m.inputs) {
      if (name == "in_valid")
        vals.push_back(b.valid ? "1" : "0");
      else if (name == "in_last")
        vals.push_back(b.valid && b.last ? "1" : "0");
      else if (name == "in_act")
        vals.push_back(b.valid ? hex_bits(b.act, 8) : "0");
      else if (name == "in_wgt")
        vals.push_back(b.valid ? hex_bits(b.wgt, 8) : "0");
      else
        throw std::runtime_error("energy: unknown array input " + name);
    }
    s.edges.push_back(std::move(vals));
  }
  return s;
}

Stream idle_stream(const GateModel& m, long edges) {
  Stream s;
  s.label = "idle";
  s.warmup = 4;
  for (long e = 0; e < edges + 4; ++e) s.edges.emplace_back(m.inputs.size(), "0");
  return s;
}

namespace {

PowerSplit split(const Power& p, const Power& idle) {
  PowerSplit s;
  s.clock = idle.internal;  // no data moves: the clock pins' internal power alone
  s.internal = std::max(0.0, p.internal - idle.internal);
  s.switching = p.switching;
  s.leakage = p.leakage;
  return s;
}

PowerSplit scaled(const PowerSplit& a, double k) { return PowerSplit{a.internal * k, a.clock * k, a.switching * k, a.leakage * k}; }
PowerSplit plus(const PowerSplit& a, const PowerSplit& b) {
  return PowerSplit{a.internal + b.internal, a.clock + b.clock, a.switching + b.switching, a.leakage + b.leakage};
}

double zero_frac(const std::vector<int>& v) {
  return v.empty() ? 0 : static_cast<double>(std::count(v.begin(), v.end(), 0)) / static_cast<double>(v.size());
}

}  // namespace

EnergyReport measure_energy(const Config& cfg, const Workload& wl, const EnergyOptions& opt, const Progress& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  if (!(opt.data.prune >= 0 && opt.data.prune < 1)) throw InputError(fmt::format("--prune {} is not in [0, 1)", opt.data.prune));
  if (!(opt.data.act_zero >= 0 && opt.data.act_zero <= 1))
    throw InputError(fmt::format("--act-zero {} is not in [0, 1]", opt.data.act_zero));
  if (opt.min_edges < 1) throw InputError("--min-edges must be positive");
  EnergyReport rep;
  rep.version = SYSMT_VERSION;
  rep.config_name = cfg.name;
  rep.config_file = fs::path(cfg.source).filename().string();
  rep.config_hash = cfg.hash();
  rep.gating = to_string(cfg.gating);
  rep.rows = cfg.rows;
  rep.cols = cfg.cols;
  rep.workload_name = wl.name;
  rep.workload_file = fs::path(wl.source).filename().string();
  rep.workload_hash = wl.hash;
  rep.prune = opt.data.prune;
  rep.act_zero = opt.data.act_zero;
  rep.act_scale = opt.data.act_scale;
  rep.seed = opt.seed;
  rep.mapping = to_string(opt.mapping);
  rep.positions = opt.positions;
  rep.min_edges = opt.min_edges;
  rep.rest = opt.rest;
  rep.activity = opt.timed ? "timed" : "zero-delay";
  rep.liberty = opt.gate.liberty;
  rep.reference_period_ns = cfg.clock_period_ns;
  rep.clk_slew_ns = opt.gate.clk_slew_ns;
  rep.macs = wl.macs();
  const double tref = cfg.clock_period_ns;

  // Windows and data per layer: the same tiles and operands for every design.
  struct LayerIn {
    GemmShape g;
    Window win;
    LayerData data;
  };
  std::vector<LayerIn> ins;
  for (const Layer& l : wl.layers) {
    LayerIn li;
    li.g = l.shape.gemm();
    li.win = layer_window(cfg, li.g, opt.min_edges, opt.seed, l.name);
    li.data = layer_data(l, opt.data, opt.seed, window_rows(cfg, li.g, li.win.first, li.win.count, li.win.warm));
    ins.push_back(std::move(li));
  }

  // Every design is measured on its own (synthesis, two models, activity, OpenSTA), `jobs` designs at a
  // time (see the order below); the report lists them in energy_designs' order whatever finishes first.
  const std::vector<Config> designs = energy_designs(cfg);
  std::vector<DesignEnergy> measured(designs.size());
  std::mutex say_mu;
  const Progress say = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(say_mu);
    progress(line);
  };
  auto measure_design = [&](size_t di) {
    const Config& dc = designs[di];
    DesignEnergy de;
    de.label = label_of(dc);
    de.config_name = dc.name;
    de.threads = dc.threads;
    de.pipeline = dc.pipeline_stages();
    say(fmt::format("energy: {} ({}): synthesis and models ...\n", de.label, dc.name));
    const Progress indent = [&](const std::string& line) { say("  " + line + "\n"); };
    const GateDesign gd = build_design(dc, opt.gate, indent);
    de.area_um2 = gd.area_um2;
    de.pe_area_um2 = gd.pe_area_um2;
    de.min_period_ns = gd.min_period_ns;
    if (gd.synth["pe"].is_object()) de.pe_flip_flops = gd.synth["pe"]["flip_flops"].get<int>();
    const auto positions = pe_positions(dc, opt.positions);
    std::vector<Stream> pe_streams{idle_stream(gd.pe, 64)}, rest_streams;
    std::optional<GateModel> rest_model;
    if (opt.rest) {
      rest_model = build_array_model(gd, false, indent);
      rest_streams.push_back(idle_stream(*rest_model, 64));
    }
    const ArrayTiming at = ArrayTiming::from(dc);
    for (size_t li = 0; li < wl.layers.size(); ++li) {
      const LayerIn& in = ins[li];
      const Trace tr = feeder_trace(dc, in.g, in.data, opt.mapping, in.win.first, in.win.count, in.win.warm);
      LayerEnergy le;
      le.name = wl.layers[li].name;
      le.macs = wl.layers[li].shape.macs();
      le.cycles = gemm_cycles(at, in.g).total_cycles;
      le.window_tiles = in.win.count;
      le.window_edges = static_cast<long>(tr.measured);
      le.x_zero_frac = zero_frac(in.data.x.data);
      le.w_zero_frac = zero_frac(in.data.w.data);
      {
        // PE cycles with an active thread (golden model on the window's rows), over all PE slots of the
        // layer's schedule (stalls and the final drain are idle too).
        Arith ar = Arith::from(dc);
        const GemmStats st = gemm_stats(ar, in.data.x, in.data.w, opt.mapping);
        const double busy = st.pe_cycles ? 1.0 - static_cast<double>(st.active_hist[0]) / static_cast<double>(st.pe_cycles) : 0;
        le.idle_frac = 1.0 - busy * gemm_cycles(at, in.g).pe_utilization;
      }
      for (const auto& [r, c] : positions) pe_streams.push_back(pe_stream(dc, gd.pe, tr, r, c, fmt::format("L{}_pe{}_{}", li, r, c)));
      if (rest_model) rest_streams.push_back(array_stream(*rest_model, tr, fmt::format("L{}_array", li)));
      de.layers.push_back(le);
    }
    say(fmt::format("energy: {}: gate-level activity and power of {} PE streams{} ...\n", de.label, pe_streams.size() - 1,
                    rest_model ? fmt::format(" and {} rest-of-array streams", rest_streams.size() - 1) : std::string()));
    // --timed: the same streams through the SDF-timed Icarus counter (energy/timed.hpp), the same power script.
    const Progress sub = [&](const std::string& s) { say("  " + s); };
    const GateModel pe_model = opt.timed ? timed_model(gd, gd.pe, tref, true, opt.gate, sub) : gd.pe;
    if (rest_model && opt.timed) rest_model = timed_model(gd, *rest_model, tref, true, opt.gate, sub);
    const std::string runs = opt.timed ? "-timed" : "";
    const std::vector<Power> pe_p = measure(gd, pe_model, pe_streams, tref, opt.gate, gd.dir / "runs" / ("pe" + runs), indent);
    std::vector<Power> rest_p;
    if (rest_model) rest_p = measure(gd, *rest_model, rest_streams, tref, opt.gate, gd.dir / "runs" / ("rest" + runs), indent);
    const std::uint64_t npe = static_cast<std::uint64_t>(dc.rows) * static_cast<std::uint64_t>(dc.cols);
    for (size_t li = 0; li < de.layers.size(); ++li) {
      LayerEnergy& le = de.layers[li];
      PowerSplit sum;
      double mn = 1e300, mx = 0;
      for (size_t k = 0; k < positions.size(); ++k) {
        const PowerSplit s = split(pe_p[1 + li * positions.size() + k], pe_p[0]);
        sum = plus(sum, s);
        mn = std::min(mn, s.total());
        mx = std::max(mx, s.total());
      }
      le.pe = scaled(sum, 1.0 / static_cast<double>(positions.size()));
      le.pe_spread = le.pe.total() > 0 ? (mx - mn) / le.pe.total() : 0;
      if (rest_model) le.rest = split(rest_p[1 + li], rest_p[0]);
      le.array = plus(scaled(le.pe, static_cast<double>(npe)), le.rest);
      de.cycles += le.cycles;
    }
    say(fmt::format("energy: {} done\n", de.label));
    measured[di] = std::move(de);
  };
  std::vector<size_t> order(designs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Most threads first (the largest models), then P1 before P0: the plain 1T is the one left alone at the end.
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    const Config &a = designs[x], &b = designs[y];
    return a.threads != b.threads ? a.threads > b.threads : a.pipeline_stages() > b.pipeline_stages();
  });
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const size_t workers = std::min(order.size(), static_cast<size_t>(opt.jobs > 0 ? static_cast<unsigned>(opt.jobs) : std::min(2u, hw)));
  std::atomic<size_t> next{0};
  std::exception_ptr first_error;
  auto work = [&] {
    for (size_t k = next++; k < order.size(); k = next++) {
      try {
        measure_design(order[k]);
      } catch (...) {
        std::lock_guard<std::mutex> lock(say_mu);
        if (!first_error) first_error = std::current_exception();
        next = order.size();
      }
    }
  };
  if (workers <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (size_t w = 0; w < workers; ++w) pool.emplace_back(work);
    for (auto& t : pool) t.join();
  }
  if (first_error) std::rethrow_exception(first_error);
  rep.designs = std::move(measured);

  // Energy: dynamic energy per cycle is power x the reference period (activity is per period); leakage
  // burns for the time the layer takes at the clock considered.
  for (const DesignEnergy& d : rep.designs) rep.common_period_ns = std::max(rep.common_period_ns, d.min_period_ns);
  const std::vector<Config> dcs = energy_designs(cfg);
  for (size_t di = 0; di < rep.designs.size(); ++di) {
    DesignEnergy& d = rep.designs[di];
    for (LayerEnergy& le : d.layers) {
      const double dyn = (le.array.internal + le.array.clock + le.array.switching) * tref * 1e-9;
      const double cyc = static_cast<double>(le.cycles);
      le.energy_own_j = cyc * (dyn + le.array.leakage * d.min_period_ns * 1e-9);
      le.energy_common_j = cyc * (dyn + le.array.leakage * rep.common_period_ns * 1e-9);
      d.energy_own_j += le.energy_own_j;
      d.energy_common_j += le.energy_common_j;
      const double k = cyc * tref * 1e-9;
      d.energy_split_common = plus(d.energy_split_common, PowerSplit{le.array.internal * k, le.array.clock * k, le.array.switching * k,
                                                                     le.array.leakage * cyc * rep.common_period_ns * 1e-9});
    }
    d.pj_per_mac_common = rep.macs ? d.energy_common_j * 1e12 / static_cast<double>(rep.macs) : 0;
    // Design-for-energy estimate (ungated designs only: a gated one is measured as built): the clock-pin
    // energy of one flip-flop per cycle is measured (the PE's idle clock power over its flip-flops);
    // gating the shadow (acc_bits flip-flops) except on the cycle it loads (one per tile) and the
    // accumulator (acc_bits, plus the carry and sign of the split accumulate) on cycles with no active
    // thread saves those clock pins, and costs two clock gates (a latch and an AND: about one flip-flop's
    // clock pin each, clocked every cycle).
    const Config& dc = dcs[di];
    if (dc.gating != Gating::None) continue;
    const double npe = static_cast<double>(dc.rows) * dc.cols;
    const ArrayTiming at = ArrayTiming::from(dc);
    const int acc_ffs = dc.acc_bits + (dc.pipeline_stages() == 1 && dc.acc_bits > rtl::array_facts(dc).product_bits ? 2 : 0);
    for (size_t li = 0; li < d.layers.size(); ++li) {
      LayerEnergy& le = d.layers[li];
      const double e_ff = d.pe_flip_flops > 0 ? le.pe.clock * tref * 1e-9 / d.pe_flip_flops : 0;
      d.clock_pj_per_ff_cycle = e_ff * 1e12;
      const GemmShape g = ins[li].g;
      const double per_tile = static_cast<double>(std::max(g.groups(at), at.drain_interval()));
      const double saved_per_pe_cycle = e_ff * (dc.acc_bits * (1.0 - 1.0 / per_tile) + acc_ffs * le.idle_frac - 2.0);
      le.gated_energy_common_j = le.energy_common_j - static_cast<double>(le.cycles) * npe * saved_per_pe_cycle;
      d.gated_energy_common_j += le.gated_energy_common_j;
    }
  }
  auto find = [&](const std::string& label) -> const DesignEnergy& {
    for (const DesignEnergy& d : rep.designs)
      if (d.label == label) return d;
    throw std::runtime_error("energy: no design " + label);
  };
  const DesignEnergy base = find(rep.baseline), plain = find(rep.plain_baseline);
  for (DesignEnergy& d : rep.designs) {
    d.vs_baseline_own = d.energy_own_j / base.energy_own_j - 1;
    d.vs_baseline_common = d.energy_common_j / base.energy_common_j - 1;
    d.vs_plain_own = d.energy_own_j / plain.energy_own_j - 1;
    d.vs_plain_common = d.energy_common_j / plain.energy_common_j - 1;
    if (cfg.gating == Gating::None) d.gated_vs_baseline_common = d.gated_energy_common_j / base.gated_energy_common_j - 1;
  }
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

// ---- Markdown and plot ------------------------------------------------------------------------------

std::string to_markdown(const EnergyReport& r) {
  std::string s = fmt::format("# Energy: {} on {}x{} ({}, {} activity)\n\n", r.workload_name, r.rows, r.cols, r.config_name, r.activity);
  s += fmt::format(
      "Generated by sysmt energy {} from {} (config hash {}) and {} (hash {}). Data: prune {}, act_zero {}, act_scale {}, seed {}, "
      "{} mapping. {} gate-level activity on each layer's own operand streams ({} PE position{} per layer, windows of at "
      "least {} edges{}), OpenSTA power with the internal power halved (docs/energy.md), {}.\n\n",
      r.version, r.config_file, r.config_hash, r.workload_file, r.workload_hash, r.prune, r.act_zero, r.act_scale, r.seed, r.mapping,
      r.activity == "timed" ? "Timed (SDF cell delays in Icarus Verilog, glitches counted)" : "Zero-delay (no glitches)",
      r.positions == 0 ? std::string("every") : std::to_string(r.positions), r.positions == 1 ? "" : "s", r.min_edges,
      r.rest ? ", rest of the array simulated whole" : ", rest of the array not simulated", fs::path(r.liberty).filename().string());
  s += fmt::format(
      "Common clock {:.3f} ns (the slowest design's critical path: every design meets it); reference clock for activity "
      "{:.3g} ns; clock slew {:.3g} ns, ideal clock tree, {}.\n\n",
      r.common_period_ns, r.reference_period_ns, r.clk_slew_ns,
      r.gating == "clock" ? "every design built with array.gating: clock (gated accumulator and shadow clocks, measured)"
                          : "no clock gating (array.gating: none)");
  s += "## Energy per inference\n\n";
  s += "| design | T | P | own clock ns | cycles | energy, own clock (mJ) | energy, common clock (mJ) | pJ/MAC | vs 1T P1 (common) | vs 1T "
       "P1 (own) | vs 1T P0 (common) | paper |\n";
  s += "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const DesignEnergy& d : r.designs) {
    const std::string paper = d.threads == 2   ? fmt::format("{:+.0f} %", r.paper_2t * 100)
                              : d.threads == 4 ? fmt::format("{:+.0f} %", r.paper_4t * 100)
                                               : "";
    s += fmt::format("| {} | {} | {} | {:.3f} | {} | {:.4f} | {:.4f} | {:.3f} | {:+.1f} % | {:+.1f} % | {:+.1f} % | {} |\n", d.label,
                     d.threads, d.pipeline, d.min_period_ns, d.cycles, d.energy_own_j * 1e3, d.energy_common_j * 1e3, d.pj_per_mac_common,
                     d.vs_baseline_common * 100, d.vs_baseline_own * 100, d.vs_plain_common * 100, paper);
  }
  s += "\nThe equal-effort baseline is 1T P1 (the 1T array with the same split accumulate as the NB-SMT designs); 1T P0 is the "
       "plain single-cycle MAC. The paper's figures are for a 40 %-pruned ResNet-18 against its own 1T.\n\n";
  s += "## Shares of the energy per inference (common clock)\n\n| design | internal | clock pins | switching | leakage "
       "|\n|---|---|---|---|---|\n";
  for (const DesignEnergy& d : r.designs) {
    const PowerSplit& e = d.energy_split_common;
    const double t = e.total() > 0 ? e.total() : 1;
    s += fmt::format("| {} | {:.1f} % | {:.1f} % | {:.1f} % | {:.1f} % |\n", d.label, 100 * e.internal / t, 100 * e.clock / t,
                     100 * e.switching / t, 100 * e.leakage / t);
  }
  if (r.gating == "none") {
    s += "\n## Design for energy (estimate)\n\nShadow register clock-gated except on its load cycle, accumulator clock-gated on "
         "cycles with no active thread; clock-pin energy per flip-flop measured on the PE; two clock gates per PE charged "
         "(docs/energy.md).\n\n| design | PE flip-flops | clock pJ per flip-flop and cycle | energy, common clock (mJ) | gated (mJ) | "
         "saving "
         "| gated vs gated 1T P1 |\n|---|---|---|---|---|---|---|\n";
    for (const DesignEnergy& d : r.designs)
      s += fmt::format("| {} | {} | {:.4f} | {:.4f} | {:.4f} | {:.1f} % | {:+.1f} % |\n", d.label, d.pe_flip_flops, d.clock_pj_per_ff_cycle,
                       d.energy_common_j * 1e3, d.gated_energy_common_j * 1e3,
                       d.energy_common_j > 0 ? 100 * (1 - d.gated_energy_common_j / d.energy_common_j) : 0.0,
                       d.gated_vs_baseline_common * 100);
    s += "\nMeasured instead of estimated: the same config with `array.gating: clock`.\n";
  }
  s += "\n## Per layer (common clock)\n\n| layer | MACs | zeros x / w |";
  for (const DesignEnergy& d : r.designs) s += fmt::format(" {} cycles | {} mW | {} uJ |", d.label, d.label, d.label);
  s += "\n|---|---|---|";
  for (size_t i = 0; i < r.designs.size(); ++i) s += "---|---|---|";
  s += "\n";
  for (size_t li = 0; !r.designs.empty() && li < r.designs[0].layers.size(); ++li) {
    const LayerEnergy& l0 = r.designs[0].layers[li];
    s += fmt::format("| {} | {} | {:.2f} / {:.2f} |", l0.name, l0.macs, l0.x_zero_frac, l0.w_zero_frac);
    for (const DesignEnergy& d : r.designs) {
      const LayerEnergy& l = d.layers[li];
      s += fmt::format(" {} | {:.1f} | {:.2f} |", l.cycles, l.array.total() * 1e3, l.energy_common_j * 1e6);
    }
    s += "\n";
  }
  s += "\nPower is at the reference clock; mW x cycles x period gives the dynamic part, leakage is charged for the time at the "
       "clock considered.\n\n## PE sampling\n\n| design | PE area um^2 | array area um^2 | mean PE power mW | largest PE spread | rest of "
       "array share |\n|---|---|---|---|---|---|\n";
  for (const DesignEnergy& d : r.designs) {
    double pe = 0, spread = 0, rest = 0, arr = 0;
    for (const LayerEnergy& l : d.layers) {
      pe += l.pe.total() / static_cast<double>(d.layers.size());
      spread = std::max(spread, l.pe_spread);
      rest += l.rest.total() * static_cast<double>(l.cycles);
      arr += l.array.total() * static_cast<double>(l.cycles);
    }
    s += fmt::format("| {} | {:.0f} | {:.0f} | {:.3f} | {:.1f} % | {:.1f} % |\n", d.label, d.pe_area_um2, d.area_um2, pe * 1e3,
                     spread * 100, arr > 0 ? 100 * rest / arr : 0.0);
  }
  return s;
}

std::string energy_gnuplot(const EnergyReport& r) {
  std::string s = fmt::format(
      "# Energy per layer (common clock): {} on {}x{} ({}). Generated by sysmt energy {}. Do not edit.\n"
      "# Run in this folder: gnuplot energy.gp (writes energy.png and energy.svg).\n"
      "if (!exists(\"png_out\")) png_out = 'energy.png'\n"
      "if (!exists(\"svg_out\")) svg_out = 'energy.svg'\n$data << EOD\n",
      r.workload_name, r.rows, r.cols, r.config_name, r.version);
  for (size_t li = 0; !r.designs.empty() && li < r.designs[0].layers.size(); ++li) {
    s += fmt::format("{} {}", li, r.designs[0].layers[li].name);
    for (const DesignEnergy& d : r.designs) s += fmt::format(" {:.6g}", d.layers[li].energy_common_j * 1e6);
    s += "\n";
  }
  s += "EOD\nset style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.8 border -1\n"
       "set xtics rotate by -45 noenhanced\nset ylabel 'energy per layer (uJ, common clock)'\nset key top right\nset grid ytics\n";
  std::string plot = "plot $data";
  for (size_t i = 0; i < r.designs.size(); ++i)
    plot += fmt::format("{} using {}{} title '{}'", i ? ", ''" : "", i + 3, i == 0 ? ":xtic(2)" : "", r.designs[i].label);
  plot += "\n";
  s += "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n  set terminal pngcairo size 1400,560 noenhanced font ',10'\n} else {\n"
       "  set terminal png size 1400,560 noenhanced\n}\nset output png_out\n" +
       plot + "set terminal svg size 1400,560 noenhanced font 'sans,10'\nset output svg_out\n" + plot;
  return s;
}

fs::path default_energy_dir(const Config& cfg) { return fs::path("reports") / ("energy-" + cfg.name); }

EnergyReport run_energy(const std::string& config_path, const std::string& workload_path, const EnergyOptions& opt, const fs::path& out_dir,
                        bool quiet) {
  const Config cfg = load_config(config_path);
  const Workload wl = load_workload(workload_path);
  EnergyOptions o = opt;
  if (o.gate.cache.empty()) o.gate.cache = cache_dir("energy");
  o.gate.cache = fs::absolute(o.gate.cache);  // the tools run in folders of their own
  synth::Options so;
  so.liberty = o.gate.liberty;
  synth::check_inputs(so);
  const fs::path dir = out_dir.empty() ? default_energy_dir(cfg) : out_dir;
  OutputSet out;
  const fs::path tmp = out.folder(dir, ".sysmt-energy");  // refused before any work when it is not ours
  Progress progress = [quiet](const std::string& s) {
    if (quiet) return;
    std::fputs(s.c_str(), stderr);
    std::fflush(stderr);
  };
  fs::create_directories(o.gate.cache);
  const EnergyReport r = measure_energy(cfg, wl, o, progress);
  write_file(tmp / "energy.json", nlohmann::json(r).dump(2) + "\n");
  write_file(tmp / "energy.md", to_markdown(r));
  write_file(tmp / "energy.gp", energy_gnuplot(r));
  if (!run_gnuplot(tmp, "energy.gp", tmp / "gnuplot.log") && !quiet)
    std::fprintf(stderr, "sysmt energy: warning: no plot drawn (gnuplot missing or failed; run 'gnuplot energy.gp' in %s)\n",
                 dir.string().c_str());
  std::error_code ec;
  fs::remove(tmp / "gnuplot.log", ec);
  out.commit();
  return r;
}

}  // namespace sysmt::energy
