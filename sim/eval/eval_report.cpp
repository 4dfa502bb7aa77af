// The evaluation's renderings: evaluate.json (typed, both ways), evaluate.md, the gnuplot scripts, and
// writing them as one output set; plots drawn when gnuplot is there.
#include "sim/eval/eval_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/limits.hpp"
#include "common/output.hpp"
#include "common/plot.hpp"
#include "sim/golden/report.hpp"

namespace sysmt {

namespace fs = std::filesystem;
using nlohmann::json;

// ---- evaluate.json ---------------------------------------------------------------------------------

namespace {

json num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
double num_or_inf(const json& v) { return v.is_null() ? std::numeric_limits<double>::infinity() : v.get<double>(); }

// The enum value whose to_string() is the JSON string.
template <typename E, size_t N>
E enum_of(const json& j, const E (&values)[N], const char* what) {
  const std::string s = j.get<std::string>();
  for (E v : values)
    if (s == to_string(v)) return v;
  throw json::type_error::create(302, fmt::format("{}: unknown value '{}'", what, s), &j);
}
constexpr Mapping kMappingValues[] = {Mapping::Interleaved, Mapping::Blocked};
constexpr Rounding kRoundingValues[] = {Rounding::Truncate, Rounding::HalfUp, Rounding::HalfEven};
constexpr ZeroSkip kZeroSkipValues[] = {ZeroSkip::Both, ZeroSkip::Act};

json shape_json(const ConvShape& s) {
  return {{"H", s.H},       {"W", s.W},           {"KH", s.KH},   {"KW", s.KW},      {"Cin", s.Cin},
          {"Cout", s.Cout}, {"stride", s.stride}, {"pad", s.pad}, {"OH", s.out_h()}, {"OW", s.out_w()}};
}

ConvShape shape_of(const json& j) {
  ConvShape s;
  j.at("H").get_to(s.H);
  j.at("W").get_to(s.W);
  j.at("KH").get_to(s.KH);
  j.at("KW").get_to(s.KW);
  j.at("Cin").get_to(s.Cin);
  j.at("Cout").get_to(s.Cout);
  j.at("stride").get_to(s.stride);
  j.at("pad").get_to(s.pad);
  return s;
}

}  // namespace

void to_json(json& j, const PerfResult& p) {
  j = {{"threads", p.threads},
       {"cycles", p.cycles.total_cycles},
       {"tiles", p.cycles.tiles},
       {"k_groups", p.cycles.groups_per_tile},
       {"stall_cycles", p.cycles.stall_cycles},
       {"speedup", p.speedup},
       {"pe_utilization", p.cycles.pe_utilization}};
}

void from_json(const json& j, PerfResult& p) {
  p = PerfResult{};
  j.at("threads").get_to(p.threads);
  j.at("cycles").get_to(p.cycles.total_cycles);
  j.at("tiles").get_to(p.cycles.tiles);
  j.at("k_groups").get_to(p.cycles.groups_per_tile);
  j.at("stall_cycles").get_to(p.cycles.stall_cycles);
  j.at("speedup").get_to(p.speedup);
  j.at("pe_utilization").get_to(p.cycles.pe_utilization);
}

void to_json(json& j, const NumericResult& n) {
  j = {{"threads", n.threads}, {"mapping", to_string(n.mapping)}, {"stats", n.stats}, {"error", n.error}};
}

void from_json(const json& j, NumericResult& n) {
  j.at("threads").get_to(n.threads);
  n.mapping = enum_of(j.at("mapping"), kMappingValues, "mapping");
  j.at("stats").get_to(n.stats);
  j.at("error").get_to(n.error);
}

void to_json(json& j, const LayerEval& le) {
  j = {{"name", le.name},
       {"shape", shape_json(le.shape)},
       {"gemm", {{"M", le.gemm.M}, {"K", le.gemm.K}, {"N", le.gemm.N}}},
       {"macs", le.macs},
       {"sampled_rows", le.sampled_rows},
       {"data",
        {{"activations", le.act_source},
         {"weights", le.wgt_source},
         {"act_zero", le.act_zero},
         {"act_scale", le.act_scale},
         {"x_zero_fraction", le.x_zero_frac},
         {"w_zero_fraction", le.w_zero_frac}}},
       {"performance", le.perf},
       {"numeric", le.numeric}};
}

void from_json(const json& j, LayerEval& le) {
  le = LayerEval{};
  j.at("name").get_to(le.name);
  le.shape = shape_of(j.at("shape"));
  const json& g = j.at("gemm");
  g.at("M").get_to(le.gemm.M);
  g.at("K").get_to(le.gemm.K);
  g.at("N").get_to(le.gemm.N);
  j.at("macs").get_to(le.macs);
  j.at("sampled_rows").get_to(le.sampled_rows);
  const json& d = j.at("data");
  d.at("activations").get_to(le.act_source);
  d.at("weights").get_to(le.wgt_source);
  d.at("act_zero").get_to(le.act_zero);
  d.at("act_scale").get_to(le.act_scale);
  d.at("x_zero_fraction").get_to(le.x_zero_frac);
  d.at("w_zero_fraction").get_to(le.w_zero_frac);
  j.at("performance").get_to(le.perf);
  j.at("numeric").get_to(le.numeric);
}

void to_json(json& j, const NetworkPerf& p) {
  j = {{"threads", p.threads}, {"cycles", p.cycles}, {"speedup", p.speedup}, {"pe_utilization", p.pe_utilization}};
}

void from_json(const json& j, NetworkPerf& p) {
  j.at("threads").get_to(p.threads);
  j.at("cycles").get_to(p.cycles);
  j.at("speedup").get_to(p.speedup);
  j.at("pe_utilization").get_to(p.pe_utilization);
}

void to_json(json& j, const NetworkNumeric& n) {
  j = {{"threads", n.threads},
       {"mapping", to_string(n.mapping)},
       {"sqnr_db_mac_weighted", num(n.sqnr_db)},
       {"rel_frobenius_mac_weighted", num(n.rel_frobenius)},
       {"min_layer_sqnr_db", num(n.min_sqnr_db)},
       {"shared_lossy_fraction", n.shared_lossy_frac}};
}

void from_json(const json& j, NetworkNumeric& n) {
  j.at("threads").get_to(n.threads);
  n.mapping = enum_of(j.at("mapping"), kMappingValues, "mapping");
  n.sqnr_db = num_or_inf(j.at("sqnr_db_mac_weighted"));
  n.rel_frobenius = num_or_inf(j.at("rel_frobenius_mac_weighted"));
  n.min_sqnr_db = num_or_inf(j.at("min_layer_sqnr_db"));
  j.at("shared_lossy_fraction").get_to(n.shared_lossy_frac);
}

void to_json(json& j, const EvaluateReport& ev) {
  const EvalOptions& o = ev.options;
  j = json::object();
  j["generator"] = ev.generator;
  j["config"] = {{"name", ev.config_name},
                 {"file", ev.config_file},
                 {"hash", ev.config_hash},
                 {"rows", ev.rows},
                 {"cols", ev.cols},
                 {"rounding", to_string(ev.rounding)},
                 {"zero_skip", to_string(ev.zero_skip)},
                 {"acc_bits", ev.acc_bits}};
  j["workload"] = {
      {"name", ev.workload_name}, {"file", ev.workload_file}, {"hash", ev.workload_hash}, {"layers", ev.layers.size()}, {"macs", ev.macs}};
  j["options"] = {{"seed", o.seed},
                  {"sample", o.sample},
                  {"min_sample_rows", ev.min_sample_rows},
                  {"prune", o.data.prune},
                  {"act_zero", o.data.act_zero},
                  {"act_scale", o.data.act_scale},
                  {"sampled_macs", ev.sampled_macs}};
  j["network"] = {{"performance", ev.perf}, {"numeric", ev.numeric}};
  j["layers"] = ev.layers;
}

void from_json(const json& j, EvaluateReport& ev) {
  ev = EvaluateReport{};
  j.at("generator").get_to(ev.generator);
  const json& c = j.at("config");
  c.at("name").get_to(ev.config_name);
  c.at("file").get_to(ev.config_file);
  c.at("hash").get_to(ev.config_hash);
  c.at("rows").get_to(ev.rows);
  c.at("cols").get_to(ev.cols);
  ev.rounding = enum_of(c.at("rounding"), kRoundingValues, "rounding");
  ev.zero_skip = enum_of(c.at("zero_skip"), kZeroSkipValues, "zero_skip");
  c.at("acc_bits").get_to(ev.acc_bits);
  const json& w = j.at("workload");
  w.at("name").get_to(ev.workload_name);
  w.at("file").get_to(ev.workload_file);
  w.at("hash").get_to(ev.workload_hash);
  w.at("macs").get_to(ev.macs);
  const json& o = j.at("options");
  o.at("seed").get_to(ev.options.seed);
  o.at("sample").get_to(ev.options.sample);
  o.at("min_sample_rows").get_to(ev.min_sample_rows);
  o.at("prune").get_to(ev.options.data.prune);
  o.at("act_zero").get_to(ev.options.data.act_zero);
  o.at("act_scale").get_to(ev.options.data.act_scale);
  o.at("sampled_macs").get_to(ev.sampled_macs);
  j.at("network").at("performance").get_to(ev.perf);
  j.at("network").at("numeric").get_to(ev.numeric);
  j.at("layers").get_to(ev.layers);
  if (w.at("layers").get<size_t>() != ev.layers.size())
    throw json::other_error::create(501, "workload.layers does not match the number of layers", &w);
}

EvaluateReport read_evaluate_report(const fs::path& file) {
  const std::string text = read_file(file);
  try {
    return json::parse(text).get<EvaluateReport>();
  } catch (const json::exception& e) {
    throw InputError(file.string() + ": not an evaluate report (sysmt evaluate's evaluate.json): " + e.what());
  }
}

// ---- evaluate.md -----------------------------------------------------------------------------------

namespace {

std::string db(double v) { return std::isinf(v) ? std::string("inf") : fmt::format("{:.2f}", v); }

std::string data_summary(const EvaluateReport& ev) {
  const EvalOptions& o = ev.options;
  return fmt::format(
      "seed {}; activations post-ReLU, {:.0f}% zeros, non-zeros round(|N(0, {:g}^2)|) clamped to 1..255 "
      "(unless a layer overrides it); weights N(0, 1), {:.0f}% magnitude-pruned per layer, quantized per output "
      "channel by max-abs to -127..127",
      o.seed, 100 * o.data.act_zero, o.data.act_scale, 100 * o.data.prune);
}

std::string markdown_summary(const EvaluateReport& ev) {
  std::string s = fmt::format("# NB-SMT evaluation: {} on {}\n\n", ev.workload_name, ev.config_name);
  s += fmt::format("<!-- Generated by {} from {} (config hash {}) and {} (hash {}). Do not edit. -->\n\n", ev.generator, ev.config_file,
                   ev.config_hash, ev.workload_file, ev.workload_hash);
  s += fmt::format("- Array: {}x{} PEs, rounding {}, zero_skip {}, {}-bit accumulators; T = 1, 2, 4 on the same array.\n", ev.rows, ev.cols,
                   to_string(ev.rounding), to_string(ev.zero_skip), ev.acc_bits);
  s += fmt::format("- Workload: {} layers, {:.3f} G MACs.\n", ev.layers.size(), static_cast<double>(ev.macs) / 1e9);
  s += fmt::format("- Data: {}.\n", data_summary(ev));
  if (ev.options.sample >= 1)
    s += "- Golden model on every output pixel (no sampling). Cycles use the full shapes.\n";
  else
    s += fmt::format(
        "- Golden model on a seeded sample of {:g}% of each layer's output pixels (at least {} rows): {:.3f} G "
        "of {:.3f} G MACs. Cycles use the full shapes.\n",
        100 * ev.options.sample, ev.min_sample_rows, static_cast<double>(ev.sampled_macs) / 1e9, static_cast<double>(ev.macs) / 1e9);
  s += "- T = 1 is the conventional OS-SA: exact by construction (spec section 4), so it has no error columns.\n\n";
  return s;
}

std::string markdown_network(const EvaluateReport& ev) {
  std::string s = "## Network\n\n| T | cycles | speedup vs T=1 | PE utilization |\n|---|---:|---:|---:|\n";
  for (const NetworkPerf& p : ev.perf)
    s += fmt::format("| {} | {} | {:.3f} | {:.1f}% |\n", p.threads, p.cycles, p.speedup, 100 * p.pe_utilization);
  s += "\n| T | mapping | SQNR (MAC-weighted), dB | rel. Frobenius (MAC-weighted) | worst layer SQNR, dB | lossy shared PE cycles |\n"
       "|---|---|---:|---:|---:|---:|\n";
  for (const NetworkNumeric& n : ev.numeric)
    s += fmt::format("| {} | {} | {} | {:.3e} | {} | {:.2f}% |\n", n.threads, to_string(n.mapping), db(n.sqnr_db), n.rel_frobenius,
                     db(n.min_sqnr_db), 100 * n.shared_lossy_frac);
  return s;
}

std::string markdown_performance(const EvaluateReport& ev) {
  std::string s =
      "\n## Performance per layer (cycle model, full shapes)\n\n"
      "| # | layer | input HxWxC | kernel/stride/pad | output | GEMM MxKxN | MMACs | cycles T=1 | T=2 | T=4 | speedup T=2 | T=4 | "
      "PE util T=1 | T=2 | T=4 |\n|---:|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (size_t i = 0; i < ev.layers.size(); ++i) {
    const LayerEval& le = ev.layers[i];
    const ConvShape& c = le.shape;
    s += fmt::format(
        "| {} | {} | {}x{}x{} | {}x{}/{}/{} | {}x{}x{} | {}x{}x{} | {:.1f} | {} | {} | {} | {:.3f} | {:.3f} | {:.1f}% | {:.1f}% | {:.1f}% "
        "|\n",
        i + 1, le.name, c.H, c.W, c.Cin, c.KH, c.KW, c.stride, c.pad, c.out_h(), c.out_w(), c.Cout, le.gemm.M, le.gemm.K, le.gemm.N,
        static_cast<double>(le.macs) / 1e6, le.perf_for(1).cycles.total_cycles, le.perf_for(2).cycles.total_cycles,
        le.perf_for(4).cycles.total_cycles, le.perf_for(2).speedup, le.perf_for(4).speedup, 100 * le.perf_for(1).cycles.pe_utilization,
        100 * le.perf_for(2).cycles.pe_utilization, 100 * le.perf_for(4).cycles.pe_utilization);
  }
  return s;
}

std::string markdown_numeric(const EvaluateReport& ev) {
  std::string s =
      "\n## Numerical cost per layer (golden model on the sampled rows)\n\n"
      "il = interleaved mapping, bl = blocked. Zero X counts padding taps. Lossy = shared PE cycles where some operand "
      "lost precision, as a share of all PE cycles.\n\n"
      "| # | layer | rows | zero X | zero W | SQNR dB T=2 il | T=2 bl | T=4 il | T=4 bl | rel. Frob. T=2 il | T=4 il | "
      "lossy T=2 il | T=4 il |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (size_t i = 0; i < ev.layers.size(); ++i) {
    const LayerEval& le = ev.layers[i];
    auto n = [&](int t, Mapping m) -> const NumericResult& { return le.numeric_for(t, m); };
    auto lossy = [&](int t) {
      const GemmStats& st = n(t, Mapping::Interleaved).stats;
      return st.pe_cycles ? 100.0 * static_cast<double>(st.shared_lossy) / static_cast<double>(st.pe_cycles) : 0.0;
    };
    s += fmt::format("| {} | {} | {} | {:.1f}% | {:.1f}% | {} | {} | {} | {} | {:.3e} | {:.3e} | {:.1f}% | {:.1f}% |\n", i + 1, le.name,
                     le.sampled_rows, 100 * le.x_zero_frac, 100 * le.w_zero_frac, db(n(2, Mapping::Interleaved).error.sqnr_db),
                     db(n(2, Mapping::Blocked).error.sqnr_db), db(n(4, Mapping::Interleaved).error.sqnr_db),
                     db(n(4, Mapping::Blocked).error.sqnr_db), n(2, Mapping::Interleaved).error.rel_frobenius,
                     n(4, Mapping::Interleaved).error.rel_frobenius, lossy(2), lossy(4));
  }
  return s;
}

}  // namespace

std::string to_markdown(const EvaluateReport& ev) {
  return markdown_summary(ev) + markdown_network(ev) + markdown_performance(ev) + markdown_numeric(ev) +
         "\nPlots: `speedup.png` / `speedup.svg` and `sqnr.png` / `sqnr.svg` (scripts `speedup.gp`, `sqnr.gp`). "
         "Formats and data model: docs/evaluation.md.\n";
}

// ---- gnuplot scripts -------------------------------------------------------------------------------

namespace {

std::string gp_header(const EvaluateReport& ev, const std::string& what, const std::string& base) {
  return fmt::format(
      "# {} per layer: {} on {}. Generated by {} from {} (config hash {}) and {} (hash {}). Do not edit.\n"
      "# Run in this folder: gnuplot {}.gp (writes {}.png and {}.svg; override with -e \"png_out='..'; svg_out='..'\").\n"
      "if (!exists(\"png_out\")) png_out = '{}.png'\n"
      "if (!exists(\"svg_out\")) svg_out = '{}.svg'\n",
      what, ev.workload_name, ev.config_name, ev.generator, ev.config_file, ev.config_hash, ev.workload_file, ev.workload_hash, base, base,
      base, base, base);
}

// The script picks pngcairo itself when its gnuplot has it, so the script runs the same by hand.
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

std::string speedup_gnuplot(const EvaluateReport& ev) {
  std::string s = gp_header(ev, "Speedup vs T = 1", "speedup");
  s += "$data << EOD\n";
  for (const LayerEval& le : ev.layers) s += fmt::format("\"{}\" {:.4f} {:.4f}\n", le.name, le.perf_for(2).speedup, le.perf_for(4).speedup);
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

std::string sqnr_gnuplot(const EvaluateReport& ev) {
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
  s += fmt::format("set title 'SQNR of NB-SMT vs exact per layer: {} on {} (prune {:g}%, seed {})'\n", ev.workload_name, ev.config_name,
                   100 * ev.options.data.prune, ev.options.seed);
  s += fmt::format("set xrange [-0.5:{}]\n", static_cast<double>(ev.layers.size()) - 0.5);
  s += "set xtics rotate by -60 scale 0 font ',8'\nset ylabel 'SQNR (dB)'\nset grid ytics\nset key outside right top\n";
  s += gp_terminals(
      "plot $data using 1:3:xtic(2) with linespoints pt 7 lc rgb '#4477aa' title 'T = 2 interleaved', "
      "'' using 1:4 with linespoints pt 6 dt 2 lc rgb '#4477aa' title 'T = 2 blocked', "
      "'' using 1:5 with linespoints pt 5 lc rgb '#ee6677' title 'T = 4 interleaved', "
      "'' using 1:6 with linespoints pt 4 dt 2 lc rgb '#ee6677' title 'T = 4 blocked'\n");
  return s;
}

// ---- Writing ---------------------------------------------------------------------------------------

namespace {

// Draws DIR/<base>.png and .svg from the script's temporary; a failed plot is dropped from the set.
bool draw_plot(OutputSet& out, const fs::path& dir, const std::string& base, const fs::path& script, WrittenFiles& wf) {
  const fs::path png = dir / (base + ".png"), svg = dir / (base + ".svg");
  const fs::path png_tmp = out.file(png), svg_tmp = out.file(svg);
  const std::string outputs = fmt::format("png_out='{}'; svg_out='{}'", png_tmp.filename().string(), svg_tmp.filename().string());
  if (run_gnuplot(script.parent_path(), script.filename().string(), "", outputs) && fs::exists(png_tmp) && fs::exists(svg_tmp)) {
    wf.files.push_back(png);
    wf.files.push_back(svg);
    return true;
  }
  out.discard(png_tmp);
  out.discard(svg_tmp);
  wf.plot_message += fmt::format("gnuplot failed on {}/{}.gp (run 'gnuplot {}.gp' there to see why); ", dir.string(), base, base);
  return false;
}

}  // namespace

WrittenFiles write_evaluation(const EvaluateReport& ev, const fs::path& dir) {
  WrittenFiles wf;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError(dir.string() + ": cannot create the output folder: " + ec.message());
  OutputSet out;
  auto put = [&](const std::string& name, const std::string& content) {
    const fs::path tmp = out.file(dir / name);
    write_file(tmp, content);
    wf.files.push_back(dir / name);
    return tmp;
  };
  put("evaluate.json", json(ev).dump(2) + "\n");
  put("evaluate.md", to_markdown(ev));
  const fs::path speedup_gp = put("speedup.gp", speedup_gnuplot(ev));
  const fs::path sqnr_gp = put("sqnr.gp", sqnr_gnuplot(ev));
  if (!gnuplot().available) {
    wf.plot_message = fmt::format(
        "gnuplot not found on PATH: no plots drawn (install gnuplot, then run 'gnuplot speedup.gp' "
        "and 'gnuplot sqnr.gp' in {})",
        dir.string());
  } else {
    const bool a = draw_plot(out, dir, "speedup", speedup_gp, wf);
    const bool b = draw_plot(out, dir, "sqnr", sqnr_gp, wf);
    wf.plots = a && b;
  }
  out.commit();
  return wf;
}

fs::path default_evaluate_dir(const Config& cfg) { return fs::path("reports") / ("evaluate-" + cfg.name); }

namespace {

// Memory evaluating one layer needs (refused before allocating when over the limit, docs/reliability.md):
// the input tensor, the weights with their pruning scratch (doubles and indices), the sampled im2col
// rows, the exact and NB-SMT outputs, the row list.
std::uint64_t layer_memory(const Layer& l, const EvalOptions& opt) {
  const ConvShape& s = l.shape;
  const std::uint64_t M = static_cast<std::uint64_t>(s.out_h()) * static_cast<std::uint64_t>(s.out_w());
  const std::uint64_t K = static_cast<std::uint64_t>(s.KH) * s.KW * s.Cin, N = static_cast<std::uint64_t>(s.Cout);
  const std::uint64_t Ms =
      opt.sample >= 1
          ? M
          : std::min<std::uint64_t>(M, std::max<std::uint64_t>(std::min<std::uint64_t>(M, kMinSampleRows),
                                                               static_cast<std::uint64_t>(std::ceil(opt.sample * static_cast<double>(M)))));
  std::uint64_t b = sat_mul(4, sat_mul(static_cast<std::uint64_t>(s.H) * s.W, s.Cin));
  b = sat_add(b, sat_mul(20, sat_mul(K, N)));
  b = sat_add(b, sat_mul(4, sat_mul(Ms, K)));
  b = sat_add(b, sat_mul(16, sat_mul(Ms, N)));
  return sat_add(b, sat_mul(4, M));
}

}  // namespace

EvaluateRun run_evaluate(const std::string& config_path, const std::string& workload_path, const EvalOptions& opt, const fs::path& out_dir,
                         bool quiet) {
  if (!(opt.sample > 0 && opt.sample <= 1)) throw InputError(fmt::format("--sample {} is not in (0, 1]", opt.sample));
  if (!(opt.data.prune >= 0 && opt.data.prune < 1)) throw InputError(fmt::format("--prune {} is not in [0, 1)", opt.data.prune));
  if (!(opt.data.act_zero >= 0 && opt.data.act_zero <= 1))
    throw InputError(fmt::format("--act-zero {} is not in [0, 1]", opt.data.act_zero));
  if (!(opt.data.act_scale > 0 && opt.data.act_scale <= 1e4))
    throw InputError(fmt::format("--act-scale {} is not in (0, 10000]", opt.data.act_scale));
  const Config cfg = load_config(config_path);
  const Workload wl = load_workload(workload_path);
  for (const Layer& l : wl.layers) check_memory(layer_memory(l, opt), fmt::format("{}: layer '{}'", l.where, l.name));
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
