// Area per module, kind and array from Yosys's statistics and the liberty.
#include "synth/area.hpp"

#include <functional>
#include <set>
#include <sstream>

#include "common/error.hpp"
#include "common/files.hpp"
#include "gen/names.hpp"

namespace sysmt::synth {

namespace {

std::string strip_backslash(const std::string& s) { return !s.empty() && s[0] == '\\' ? s.substr(1) : s; }

// One module's own cells from its `num_cells_by_type`; cells that are neither the liberty's nor Yosys
// internal ($...) are submodule instances.
Mod read_module(const std::string& raw, const nlohmann::json& m, const Liberty& lib, const std::string& top,
                std::set<std::string>& unmapped) {
  Mod md;
  md.name = strip_backslash(raw);
  md.kind = module_kind(md.name, top);
  for (auto& [cell, n] : m.at("num_cells_by_type").items()) {
    const long k = n.get<long>();
    const std::string c = strip_backslash(cell);
    if (lib.area.count(c)) {
      md.own_area += lib.area.at(c) * static_cast<double>(k);
      md.own_cells += k;
      if (lib.sequential.count(c)) {
        md.own_ff += k;
        md.ff_area += lib.area.at(c) * static_cast<double>(k);
      }
    } else if (c.rfind("$", 0) == 0) {
      unmapped.insert(c);
    } else {
      md.subs[c] += k;
    }
  }
  return md;
}

void total(Mods& mods, Mod& m) {
  if (m.totalled) return;
  m.totalled = true;
  m.area = m.own_area;
  m.cells = m.own_cells;
  m.ff = m.own_ff;
  for (auto& [s, k] : m.subs) {
    if (!mods.count(s)) throw ToolError("synth: module " + s + " has no statistics");
    total(mods, mods[s]);
    m.area += mods[s].area * static_cast<double>(k);
    m.cells += mods[s].cells * k;
    m.ff += mods[s].ff * k;
  }
}

void count_instances(Mods& mods, const std::string& n, long k) {
  mods[n].instances += k;
  for (auto& [s, j] : mods[n].subs) count_instances(mods, s, k * j);
}

}  // namespace

std::string pe_module(const std::string& top) { return rtl::names::pe(top); }
std::string drain_module(const std::string& top) { return rtl::names::drain_col(top); }

std::string module_kind(const std::string& name, const std::string& top) { return rtl::names::kind(name, top); }

nlohmann::json read_stat_json(const std::filesystem::path& file) {
  try {
    std::string text, line;
    std::istringstream in(read_file(file));
    while (std::getline(in, line))
      if (line.find_first_of("\"{}[]") != std::string::npos) text += line + "\n";
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw ToolError("yosys stat output " + file.string() + " unreadable: " + e.what());
  }
}

double stat_area(const nlohmann::json& stat, const Liberty& lib) {
  double a = 0;
  for (auto& [raw, m] : stat.at("modules").items())
    for (auto& [cell, n] : m.at("num_cells_by_type").items())
      if (lib.area.count(strip_backslash(cell))) a += lib.area.at(strip_backslash(cell)) * n.get<double>();
  return a;
}

Mods read_areas(const nlohmann::json& stat, const Liberty& lib, const std::string& top) {
  Mods mods;
  std::set<std::string> unmapped;
  for (auto& [raw, m] : stat.at("modules").items()) {
    Mod md = read_module(raw, m, lib, top, unmapped);
    mods[md.name] = md;
  }
  if (!unmapped.empty()) {
    std::string u;
    for (const auto& c : unmapped) u += " " + c;
    throw InputError("synth: cells left unmapped to " + lib.path + ":" + u + " (does the liberty have the needed flip-flops?)");
  }
  if (!mods.count(top)) throw ToolError("synth: top module " + top + " missing from Yosys statistics");
  for (auto& [n, m] : mods) total(mods, m);
  count_instances(mods, top, 1);
  return mods;
}

void fill_area(const Mods& mods, const Liberty& lib, const std::string& top, SynthReport& r) {
  const Mod& tm = mods.at(top);
  r.area_um2 = tm.area;
  r.nand2_eq = tm.area / lib.nand2_area;
  r.cells = tm.cells;
  r.flip_flops = tm.ff;
  r.kinds.clear();
  r.modules.clear();
  for (const auto& [n, m] : mods) {
    r.modules.push_back({n, m.kind, m.instances, m.own_area, m.ff_area, m.own_area - m.ff_area, m.own_cells, m.own_ff});
    KindArea& k = r.kinds[m.kind];
    const double inst = static_cast<double>(m.instances);
    k.area_um2 += m.own_area * inst;
    k.ff_area_um2 += m.ff_area * inst;
    k.cells += m.own_cells * m.instances;
    k.flip_flops += m.own_ff * m.instances;
  }
  for (auto& [name, k] : r.kinds) {
    k.share = tm.area > 0 ? k.area_um2 / tm.area : 0.0;
    k.nand2_eq = k.area_um2 / lib.nand2_area;
  }
  const auto pe = mods.find(pe_module(top));
  r.pe.reset();
  if (pe != mods.end()) {
    const Mod& p = pe->second;
    r.pe = PeArea{pe->first, p.area, p.area / lib.nand2_area, p.cells, p.ff, p.ff_area, p.area - p.ff_area};
  }
}

std::vector<double> array_area_by_run(const Mods& mods, const AbcRuns& runs, double array_area) {
  std::vector<double> out;
  for (int i = 0; i < runs.runs; ++i) {
    double a = array_area;
    for (const UnitRuns& u : runs.units) {
      if (static_cast<int>(u.areas_um2.size()) <= i) continue;  // a one-run unit: its only run is the kept one
      const auto m = mods.find(u.module);
      const double inst = m == mods.end() ? 1.0 : static_cast<double>(m->second.instances);
      a += (u.areas_um2[static_cast<size_t>(i)] - u.areas_um2[static_cast<size_t>(u.kept - 1)]) * inst;
    }
    out.push_back(a);
  }
  return out;
}

}  // namespace sysmt::synth
