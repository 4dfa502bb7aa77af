// Timed gate-level activity: liberty arcs -> specify blocks, OpenSTA SDF -> Icarus SDF, the Icarus
// testbench and the VPI counter (timed.hpp, docs/energy.md).
#include "energy/timed.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <regex>
#include <stdexcept>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/hash.hpp"
#include "common/output.hpp"
#include "common/process.hpp"

namespace sysmt::energy {

namespace fs = std::filesystem;

namespace {

// The index of the parenthesis that closes the one at `open` (or npos); strings are skipped.
size_t matching_paren(const std::string& s, size_t open) {
  int depth = 0;
  bool quoted = false;
  for (size_t i = open; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '(') ++depth;
    if (c == ')' && --depth == 0) return i;
  }
  return std::string::npos;
}

std::string read_tpl(const char* name) { return read_file(data_file(fs::path("energy") / name)); }

}  // namespace

std::string add_specify(const std::string& cells_v, const synth::CellArcs& arcs) {
  static const std::regex module_re(R"(module\s+([A-Za-z_][A-Za-z0-9_$]*)\s*\()");
  std::string out;
  size_t pos = 0;
  for (auto it = std::sregex_iterator(cells_v.begin(), cells_v.end(), module_re); it != std::sregex_iterator(); ++it) {
    const size_t b = static_cast<size_t>(it->position(0));
    if (b < pos) continue;
    const size_t e = cells_v.find("endmodule", b);
    if (e == std::string::npos) break;
    out += cells_v.substr(pos, e - pos);
    const auto a = arcs.find((*it)[1].str());
    if (a != arcs.end() && !a->second.empty()) {
      out += "  specify\n";
      for (const auto& [from, to] : a->second) out += fmt::format("    ({} => {}) = 0;\n", from, to);
      out += "  endspecify\n";
    }
    out += "endmodule";
    pos = e + 9;
  }
  return out + cells_v.substr(pos);
}

std::string icarus_sdf(const std::string& sdf) {
  // Groups to drop: the top-level CELL with an empty INSTANCE, and every TIMINGCHECK.
  std::string s = sdf;
  static const std::regex empty_instance(R"(\(\s*INSTANCE\s*\))");
  static const std::regex value(R"(\(([-0-9.:\s]*)\))");  // a delay value "(0.000::0.000)"
  auto has_nonzero = [](const std::string& g) {
    for (auto it = std::sregex_iterator(g.begin(), g.end(), value); it != std::sregex_iterator(); ++it)
      if ((*it)[1].str().find_first_of("123456789") != std::string::npos) return true;
    return false;
  };
  for (size_t p = 0; (p = s.find('(', p)) != std::string::npos;) {
    const size_t q = s.find_first_not_of(" \t\r\n", p + 1);
    if (q == std::string::npos) break;
    // "(CELL" but not "(CELLTYPE".
    const bool cell = s.compare(q, 4, "CELL") == 0 && !std::isalnum(static_cast<unsigned char>(s[q + 4]));
    const bool check = s.compare(q, 11, "TIMINGCHECK") == 0;
    if (!cell && !check) {
      ++p;
      continue;
    }
    const size_t e = matching_paren(s, p);
    if (e == std::string::npos) throw std::runtime_error("energy: unbalanced parentheses in the SDF");
    const std::string group = s.substr(p, e + 1 - p);
    if (check || std::regex_search(group, empty_instance)) {
      if (!check && has_nonzero(group))
        throw std::runtime_error("energy: the SDF's top-level block has non-zero delays (interconnect), which Icarus cannot apply");
      // Drop the group with the indentation before it and the line end after it.
      size_t b = p;
      while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t')) --b;
      size_t f = e + 1;
      if (f < s.size() && s[f] == '\n') ++f;
      s.erase(b, f - b);
      p = b;
    } else {
      p = cell ? p + 1 : e + 1;  // into a kept CELL (for its TIMINGCHECK)
    }
  }
  // Triples (delays, and the header's VOLTAGE, PROCESS, TEMPERATURE): typ when given, else max.
  static const std::regex triple(R"((-?[0-9][0-9.]*)?:(-?[0-9][0-9.]*)?:(-?[0-9][0-9.]*)?)");
  std::string out;
  auto last = s.cbegin();
  for (auto it = std::sregex_iterator(s.begin(), s.end(), triple); it != std::sregex_iterator(); ++it) {
    out.append(last, s.cbegin() + it->position(0));
    const std::string typ = (*it)[2], mx = (*it)[3], mn = (*it)[1];
    out += !typ.empty() ? typ : !mx.empty() ? mx : mn;
    last = s.cbegin() + it->position(0) + it->length(0);
  }
  out.append(last, s.cend());
  return out;
}

std::string timed_testbench(const std::string& top, const std::vector<std::pair<std::string, int>>& inputs, bool has_rst_n, long period_ps,
                            const std::string& sdf) {
  std::string decl, conn = "    .clk(clk)";
  if (has_rst_n) {
    decl += "  reg rst_n = 1'b0;\n";
    conn += ",\n    .rst_n(rst_n)";
  }
  for (const auto& [n, w] : inputs) {
    decl += fmt::format("  reg {}{} = {}'d0;\n", w > 1 ? fmt::format("[{}:0] ", w - 1) : "", n, w);
    conn += fmt::format(",\n    .{}({})", n, n);
  }
  const long half = period_ps / 2;
  return fmt::format(
      "`timescale 1ns/1ps\n"
      "// Generated by sysmt energy --timed: {} driven edge by edge by the VPI activity counter\n"
      "// (timed_activity.c): inputs change 1 ps after each rising edge, clock period {} ps.\n"
      "module sysmt_timed_tb;\n  reg clk = 1'b0;\n{}  integer more;\n  {} dut (\n{}\n  );\n  initial begin\n{}"
      "    $sysmt_open(dut);\n    more = $sysmt_next;\n    while (more != 0) begin\n      #{:.3f} clk = 1'b0;\n"
      "      #{:.3f} clk = 1'b1;\n      #0.001 more = $sysmt_next;\n    end\n    $finish;\n  end\nendmodule\n",
      top, period_ps, decl, top, conn, sdf.empty() ? "" : fmt::format("    $sdf_annotate(\"{}\", dut);\n", sdf), (half - 1) / 1000.0,
      (period_ps - half) / 1000.0);
}

GateModel timed_model(const GateDesign& d, const GateModel& m, double period_ns, bool with_sdf, const GateOptions& o,
                      const Progress& progress) {
  const fs::path src = m.netlist.parent_path();
  const long period_ps = std::lround(period_ns * 1000.0);
  const std::string vpi = read_tpl("timed_activity.c");
  const std::string key = hex64(fnv1a64(vpi + "\n" + std::to_string(period_ps) + "\n" + (with_sdf ? "sdf" : "zero") + "\n" +
                                        fmt::format("{:.6g}", o.clk_slew_ns) + "\n" + hex64(fnv1a64(read_file(m.netlist)))));
  const fs::path dir = src / ((with_sdf ? "timed-" : "icarus-") + key);
  GateModel t = m;
  t.sim = dir / "activity";
  if (fs::exists(dir / "done")) return t;
  const fs::path tmp = dir.string() + ".tmp";
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  progress(fmt::format("energy: icarus: building the {} activity counter of {} in {} ...\n", with_sdf ? "timed" : "zero-delay", m.top,
                       dir.string()));
  write_file_atomic(tmp / "cells_timed.v", add_specify(read_file(src / "cells.v"), d.lib.arcs));
  std::string sdf;
  if (with_sdf) {
    const std::string tcl = fmt::format(
        "# SDF of {} for sysmt energy --timed: the liberty's delays with the power script's clock and slews.\n"
        "read_liberty {}\n{}read_verilog {}\nlink_design {}\ncreate_clock -name clk -period {:.6g} [get_ports clk]\n"
        "set_input_transition {:.6g} [get_ports clk]\nset_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports clk]]\n"
        "write_sdf opensta.sdf\n",
        m.top, o.liberty, m.extra_sta.empty() ? "" : "read_verilog " + m.extra_sta.string() + "\n", m.netlist.string(), m.top,
        period_ns / d.lib.time_unit_ns, o.clk_slew_ns / d.lib.time_unit_ns);
    write_file_atomic(tmp / "sdf.tcl", tcl);
    RunOptions ro;
    ro.dir = tmp;
    ro.log = tmp / "sdf.log";
    run_tool("sta -no_init -exit sdf.tcl", "sta (SDF of " + m.top + ")", ro);
    if (!fs::exists(tmp / "opensta.sdf"))
      throw ToolError("sta (SDF of " + m.top + ") wrote no SDF", "cd " + shell_quote(tmp.string()) + " && sta -no_init -exit sdf.tcl",
                      tail_lines(tmp / "sdf.log", 10));
    write_file_atomic(tmp / "timed.sdf", icarus_sdf(read_file(tmp / "opensta.sdf")));
    sdf = (dir / "timed.sdf").string();
  }
  const std::string flat = read_file(m.netlist);
  const bool has_rst = std::regex_search(flat, std::regex(R"(\n\s*input\s+rst_n\s*;)"));
  write_file_atomic(tmp / "tb.v", timed_testbench(m.top, m.inputs, has_rst, period_ps, sdf));
  write_file_atomic(tmp / "timed_activity.c", vpi);
  std::string srcs = "tb.v " + shell_quote(m.netlist.string()) + " cells_timed.v";
  if (fs::exists(src / "pe_rtl.v")) srcs += " " + shell_quote((src / "pe_rtl.v").string());
  RunOptions ro;
  ro.dir = tmp;
  ro.log = tmp / "build.log";
  run_tool("iverilog-vpi --name=sysmt_activity timed_activity.c && iverilog -gspecify -o sim.vvp " + srcs,
           "iverilog (timed activity counter of " + m.top + ")", ro);
  write_file_atomic(tmp / "activity",
                    fmt::format("#!/bin/sh\n# Timed activity counter of {} (sysmt energy --timed): STIMULUS OUT.\n"
                                "exec vvp -n -M {} -m sysmt_activity {} +stimulus=\"$1\" +activity=\"$2\" +period_ps={}\n",
                                m.top, shell_quote(dir.string()), shell_quote((dir / "sim.vvp").string()), period_ps));
  fs::permissions(tmp / "activity", fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec, fs::perm_options::add);
  fs::remove_all(dir);
  fs::rename(tmp, dir);
  write_file_atomic(dir / "done", "");
  return t;
}

}  // namespace sysmt::energy
