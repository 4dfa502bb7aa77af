// The synthesis report: JSON conversion and the Markdown form.
#include "synth/report.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.hpp"
#include "common/files.hpp"

namespace sysmt::synth {

namespace {

template <class T>
void put_optional(nlohmann::json& j, const char* key, const std::optional<T>& v) {
  j[key] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

template <class T>
void get_optional(const nlohmann::json& j, const char* key, std::optional<T>& v) {
  if (j.contains(key) && !j.at(key).is_null())
    v = j.at(key).get<T>();
  else
    v.reset();
}

std::string timing_markdown(const SynthReport& r) {
  const TimingReport& t = *r.timing;
  std::string md =
      "\n## Timing (OpenSTA, ideal clock, inputs and outputs at the clock edge, rst_n a false path)\n\n"
      "| design | critical path ns | fmax MHz | slack at the period ns | from | to |\n|---|---:|---:|---:|---|---|\n";
  auto row = [&](const char* name, const PathTiming& p) {
    md += fmt::format("| {} | {:.3f} | {:.1f} | {:.3f} | `{}` | `{}` |\n", name, p.critical_path_ns, p.fmax_mhz, p.slack_ns, p.startpoint,
                      p.endpoint);
  };
  if (t.pe) row("pe", *t.pe);
  row("array", t.array);
  if (t.array.method == "modular") {
    md +=
        "\nArray timed **modularly** (docs/synthesis.md): every port of the PE and drain-column modules is registered "
        "(checked), so the array path is the worst of these parts:\n\n| part | critical path ns | from | to |\n|---|---:|---|---|\n";
    for (const auto& [n, p] : t.array.parts)
      md += fmt::format("| {} | {:.3f} | `{}` | `{}` |\n", n, p.critical_path_ns, p.startpoint, p.endpoint);
    md += fmt::format("| frame into a module's input logic | {:.3f} | | |\n", t.array.into_shelled_ns);
  } else if (!t.array.method.empty()) {
    md += "\nArray timed whole (flattened by OpenSTA).\n";
  }
  return md;
}

std::string abc_runs_markdown(const AbcRuns& a) {
  std::string md = fmt::format(
      "\nEach module was synthesised in its own Yosys process; modules that instantiate none were mapped by ABC {} times (Yosys's default "
      "script, then the same script after seeded permutations of ABC's inputs); the smallest is reported:\n\n"
      "| module | area um^2 per run | kept |\n|---|---|---:|\n",
      a.runs);
  for (const UnitRuns& u : a.units) {
    std::string list;
    for (double x : u.areas_um2) list += fmt::format("{}{:.0f}", list.empty() ? "" : ", ", x);
    md += fmt::format("| {} | {} | {} |\n", u.module, list, u.kept);
  }
  const Spread s = spread_of(a.array_area_um2_by_run);
  md += fmt::format("\nArray area with every module's run i (min / median / max over the runs): {:.0f} / {:.0f} / {:.0f} um^2.\n", s.min,
                    s.median, s.max);
  return md;
}

}  // namespace

double SynthReport::kind_area(const std::string& k) const {
  const auto it = kinds.find(k);
  return it == kinds.end() ? 0.0 : it->second.area_um2;
}

void to_json(nlohmann::json& j, const TimingReport& v) {
  j = nlohmann::json::object();
  put_optional(j, "pe", v.pe);
  j["array"] = v.array;
}

void from_json(const nlohmann::json& j, TimingReport& v) {
  get_optional(j, "pe", v.pe);
  j.at("array").get_to(v.array);
}

void to_json(nlohmann::json& j, const SynthReport& v) {
  j = {{"tool", v.tool},
       {"version", v.version},
       {"config", v.config},
       {"config_file", v.config_file},
       {"config_hash", v.config_hash},
       {"rows", v.rows},
       {"cols", v.cols},
       {"threads", v.threads},
       {"acc_bits", v.acc_bits},
       {"pipeline", v.pipeline},
       {"rounding", v.rounding},
       {"zero_skip", v.zero_skip},
       {"flatten", v.flatten},
       {"sta_mode", v.sta_mode},
       {"liberty", v.liberty},
       {"clock_period_ns", v.clock_period_ns},
       {"area_um2", v.area_um2},
       {"nand2_eq", v.nand2_eq},
       {"cells", v.cells},
       {"flip_flops", v.flip_flops},
       {"flip_flops_expected", v.flip_flops_expected},
       {"kinds", v.kinds},
       {"modules", v.modules},
       {"tools", v.tools},
       {"run_time_s", v.run_time_s},
       {"abc_runs", v.abc_runs},
       {"netlist", v.netlist}};
  put_optional(j, "pe", v.pe);
  put_optional(j, "timing", v.timing);
}

void from_json(const nlohmann::json& j, SynthReport& v) {
  j.at("tool").get_to(v.tool);
  j.at("version").get_to(v.version);
  j.at("config").get_to(v.config);
  j.at("config_file").get_to(v.config_file);
  j.at("config_hash").get_to(v.config_hash);
  j.at("rows").get_to(v.rows);
  j.at("cols").get_to(v.cols);
  j.at("threads").get_to(v.threads);
  j.at("acc_bits").get_to(v.acc_bits);
  j.at("pipeline").get_to(v.pipeline);
  j.at("rounding").get_to(v.rounding);
  j.at("zero_skip").get_to(v.zero_skip);
  j.at("flatten").get_to(v.flatten);
  j.at("sta_mode").get_to(v.sta_mode);
  j.at("liberty").get_to(v.liberty);
  j.at("clock_period_ns").get_to(v.clock_period_ns);
  j.at("area_um2").get_to(v.area_um2);
  j.at("nand2_eq").get_to(v.nand2_eq);
  j.at("cells").get_to(v.cells);
  j.at("flip_flops").get_to(v.flip_flops);
  j.at("flip_flops_expected").get_to(v.flip_flops_expected);
  j.at("kinds").get_to(v.kinds);
  j.at("modules").get_to(v.modules);
  j.at("tools").get_to(v.tools);
  j.at("run_time_s").get_to(v.run_time_s);
  j.at("abc_runs").get_to(v.abc_runs);
  j.at("netlist").get_to(v.netlist);
  get_optional(j, "pe", v.pe);
  get_optional(j, "timing", v.timing);
}

SynthReport read_synth_report(const std::string& path) {
  try {
    return nlohmann::json::parse(read_file(path)).get<SynthReport>();
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": not a sysmt synthesis report: " + e.what());
  }
}

Spread spread_of(std::vector<double> v) {
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return {v.front(), n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v.back()};
}

std::string report_markdown(const SynthReport& r) {
  const LibertyInfo& L = r.liberty;
  std::string md = fmt::format("# Synthesis of {}\n\n", r.config);
  md += fmt::format("{}x{} array, {} threads per PE, P = {}, {}-bit accumulators ({} rounding, zero_skip {}); config {} (hash {}).\n\n",
                    r.rows, r.cols, r.threads, r.pipeline, r.acc_bits, r.rounding, r.zero_skip, r.config_file, r.config_hash);
  md +=
      fmt::format("Library `{}` ({}), corner {}; NAND2-equivalent = area / {} ({} um^2). Clock period {} ns. {} synthesis.\n\n", L.library,
                  L.file, L.corner, L.nand2_cell, L.nand2_area_um2, r.clock_period_ns, r.flatten ? "Flattened" : "Hierarchical");
  md += "| | area um^2 | NAND2-eq | cells | flip-flops |\n|---|---:|---:|---:|---:|\n";
  md += fmt::format("| **array** | {:.0f} | {:.0f} | {} | {} (expected {}) |\n", r.area_um2, r.nand2_eq, r.cells, r.flip_flops,
                    r.flip_flops_expected);
  if (r.pe) md += fmt::format("| one PE | {:.0f} | {:.0f} | {} | {} |\n", r.pe->area_um2, r.pe->nand2_eq, r.pe->cells, r.pe->flip_flops);
  md +=
      "\n## Area by module kind\n\n| kind | area um^2 | share | flip-flop area um^2 | cells | flip-flops "
      "|\n|---|---:|---:|---:|---:|---:|\n";
  for (const char* k : {"pe", "skew", "drain+control", "other"}) {
    const auto it = r.kinds.find(k);
    if (it == r.kinds.end()) continue;
    const KindArea& x = it->second;
    md += fmt::format("| {} | {:.0f} | {:.1f}% | {:.0f} | {} | {} |\n", k, x.area_um2, 100 * x.share, x.ff_area_um2, x.cells, x.flip_flops);
  }
  md +=
      "\n`drain+control` is the drain-column modules (row selection and output register) and the top module's own logic (row_done, input "
      "handshake and "
      "tile spacing counter).\n\n| module | kind | instances | area um^2 each | of which flip-flops | cells each |\n"
      "|---|---|---:|---:|---:|---:|\n";
  for (const ModuleArea& m : r.modules)
    md += fmt::format("| {} | {} | {} | {:.0f} | {:.0f} | {} |\n", m.name, m.kind, m.instances, m.area_um2, m.ff_area_um2, m.cells);
  if (r.timing) md += timing_markdown(r);
  if (r.abc_runs.runs > 1) md += abc_runs_markdown(r.abc_runs);
  md += fmt::format("\nTools: {}; {}. Run time: yosys {:.1f} s, sta {:.1f} s, total {:.1f} s.\n", r.tools.yosys, r.tools.sta,
                    r.run_time_s.yosys, r.run_time_s.sta, r.run_time_s.total);
  return md;
}

}  // namespace sysmt::synth
