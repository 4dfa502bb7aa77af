// OpenSTA runs and the reading of their reports: whole and modular array timing.
#include "synth/timing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/output.hpp"
#include "common/process.hpp"
#include "synth/templates.hpp"

namespace sysmt::synth {

namespace fs = std::filesystem;

namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  const size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// One report_checks path as read from OpenSTA's text.
struct Timing {
  bool ok = false;
  double arrival = 0, required = 0, slack = 0, min_period_ns = 0, fmax_mhz = 0;
  std::string startpoint, endpoint;
  int stages = 0;
};

// One path. A path need not span a whole period: with array.gating: clock, OpenSTA checks each clock
// gate's enable from the rising to the falling edge (a half period). Its minimum period is where its slack
// reaches zero: period - slack / (fraction of the period between the launching and the capturing edge).
Timing parse_path(const std::string& text, double period_lib, double unit_ns) {
  Timing t;
  std::smatch m;
  static const std::regex re_start(R"(Startpoint:\s*(\S+))"), re_end(R"(Endpoint:\s*(\S+))"), re_arr(R"(([-0-9.]+)\s+data arrival time)"),
      re_req(R"(([-0-9.]+)\s+data required time)"), re_slack(R"(([-0-9.]+)\s+slack \((MET|VIOLATED)\))"),
      re_edge(R"([-0-9.]+\s+([-0-9.]+)\s+clock \S+ \((?:rise|fall) edge\))");
  if (std::regex_search(text, m, re_start)) t.startpoint = m[1];
  if (std::regex_search(text, m, re_end)) t.endpoint = m[1];
  if (std::regex_search(text, m, re_arr)) t.arrival = std::atof(m[1].str().c_str());
  if (std::regex_search(text, m, re_req)) t.required = std::atof(m[1].str().c_str());
  if (!std::regex_search(text, m, re_slack)) return t;
  t.slack = std::atof(m[1].str().c_str());
  // Each line of the path that ends in a cell output pin: "delay time v|^ inst/Y (CELL)".
  static const std::regex re_stage(R"(\n\s*[-0-9.]+\s+[-0-9.]+\s+[v^]\s+\S+\s+\([^)]*\))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re_stage); it != std::sregex_iterator(); ++it) ++t.stages;
  std::vector<double> edges;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re_edge); it != std::sregex_iterator(); ++it)
    edges.push_back(std::atof((*it)[1].str().c_str()));
  double frac = 1;
  if (edges.size() >= 2 && period_lib > 0 && edges[1] > edges[0]) frac = (edges[1] - edges[0]) / period_lib;
  t.min_period_ns = (period_lib - t.slack / frac) * unit_ns;
  t.fmax_mhz = t.min_period_ns > 0 ? 1000.0 / t.min_period_ns : 0;
  t.ok = true;
  return t;
}

// The path of a report (one or more report_checks paths, e.g. one per path group) that needs the longest
// clock period.
Timing parse_sta(const std::string& text, double period_lib, double unit_ns) {
  Timing worst;
  const std::string mark = "Startpoint:";
  for (size_t p = text.find(mark); p != std::string::npos;) {
    const size_t next = text.find(mark, p + mark.size());
    const Timing t = parse_path(text.substr(p, next == std::string::npos ? std::string::npos : next - p), period_lib, unit_ns);
    if (t.ok && (!worst.ok || t.min_period_ns > worst.min_period_ns)) worst = t;
    p = next;
  }
  return worst;
}

// Distinct cell instances on the arrival side of a reported path (ports excluded): 1 when the path is a
// flip-flop's clock-to-Q straight into an output port.
int path_instances(const std::string& report) {
  const size_t end = report.find("data arrival time");
  const std::string arr = report.substr(0, end);
  static const std::regex re(R"(\n\s*[-0-9.]+\s+[-0-9.]+\s+[v^]\s+(\S+)/\S+\s+\([^)]*\))");
  std::set<std::string> inst;
  for (auto it = std::sregex_iterator(arr.begin(), arr.end(), re); it != std::sregex_iterator(); ++it) inst.insert((*it)[1]);
  return static_cast<int>(inst.size());
}

double setup_time(const std::string& report) {
  std::smatch m;
  static const std::regex re(R"(([-0-9.]+)\s+[-0-9.]+\s+library setup time)");
  return std::regex_search(report, m, re) ? -std::atof(m[1].str().c_str()) : 0.0;
}

// The sections of a log written between "SYSMT-SECTION <tag>" lines.
std::map<std::string, std::string> sections(const std::string& log) {
  std::map<std::string, std::string> out;
  const std::string mark = "SYSMT-SECTION ";
  size_t p = log.find(mark);
  while (p != std::string::npos) {
    const size_t eol = log.find('\n', p);
    const std::string tag = log.substr(p + mark.size(), eol == std::string::npos ? std::string::npos : eol - p - mark.size());
    const size_t next = eol == std::string::npos ? std::string::npos : log.find(mark, eol);
    out[tag] = eol == std::string::npos ? std::string() : log.substr(eol, next == std::string::npos ? std::string::npos : next - eol);
    p = next;
  }
  return out;
}

// The netlist with each module of `shelled` replaced by a shell of its ports: every input bit (but clk
// and rst_n) ends at the D pin of a flip-flop `shi_<k>`, every output bit is the Q of a flip-flop
// `sho_<k>`. Relies on Yosys's write_verilog layout: "module name(ports);", one declaration a line.
std::string shell_netlist(const std::string& netlist, const std::set<std::string>& shelled, const Liberty& lib) {
  std::string out;
  out.reserve(netlist.size());
  std::istringstream in(netlist);
  std::string line, body;
  bool skipping = false;
  int k = 0;
  static const std::regex decl(R"(^\s*(input|output)\s+(?:\[(\d+):(\d+)\]\s*)?(\S+)\s*;\s*$)");
  while (std::getline(in, line)) {
    if (!skipping && line.rfind("module ", 0) == 0) {
      const size_t paren = line.find('(');
      const std::string name = trim(line.substr(7, paren == std::string::npos ? std::string::npos : paren - 7));
      if (shelled.count(name)) {
        skipping = true;
        k = 0;
        out += line + "\n";
        continue;
      }
    }
    if (!skipping) {
      out += line + "\n";
      continue;
    }
    if (trim(line) == "endmodule") {
      out += line + "\n";
      skipping = false;
      continue;
    }
    std::smatch m;
    if (!std::regex_match(line, m, decl)) continue;
    const bool input = m[1] == "input";
    const std::string port = m[4];
    out += line + "\n";
    if (port == "clk" || port == "rst_n") continue;
    const bool vec = m[2].matched;
    const int hi = vec ? std::atoi(m[2].str().c_str()) : 0, lo = vec ? std::atoi(m[3].str().c_str()) : 0;
    for (int b = std::min(hi, lo); b <= std::max(hi, lo); ++b) {
      const std::string bit = vec ? fmt::format("{}[{}]", port, b) : port;
      if (input)
        out += fmt::format("  {} shi_{} (.{}(clk), .{}({}));\n", lib.dff, k++, lib.dff_clk, lib.dff_d, bit);
      else
        out += fmt::format("  {} sho_{} (.{}(clk), .{}(1'b0), .{}({}));\n", lib.dff, k++, lib.dff_clk, lib.dff_d, lib.dff_q, bit);
    }
  }
  return out;
}

PathTiming path_timing(const Timing& t) { return {t.min_period_ns, t.fmax_mhz, t.slack, t.startpoint, t.endpoint, t.stages}; }

double period_lib(const StaJob& job) { return job.period_ns / job.lib.time_unit_ns; }

// Runs one filled timing script `sta_<tag>.tcl` and returns its log. ToolError when OpenSTA fails or
// its log reports an error.
std::string run_sta(StaJob& job, const std::string& tag, const std::string& tcl, const std::string& what) {
  write_file_atomic(job.work / ("sta_" + tag + ".tcl"), tcl);
  job.progress(fmt::format("{}: sta: {} ...", job.top, what));
  const fs::path log = job.work / ("sta_" + tag + ".log");
  job.seconds += run_tool("sta -no_init -exit sta_" + tag + ".tcl", "sta (" + tag + ")", RunOptions{job.work, log, ""});
  const std::string text = read_file(log);
  if (text.find("Error") != std::string::npos)
    throw ToolError("sta (" + tag + ") reported errors",
                    "cd " + shell_quote(job.work.string()) + " && sta -no_init -exit sta_" + tag + ".tcl", tail_lines(log, 15));
  return text;
}

// Modular timing: one OpenSTA run of `design` in `netlist`, its report split into sections.
std::map<std::string, std::string> sta_parts(StaJob& job, const std::string& design, const std::string& netlist, const std::string& tag,
                                             const std::string& reports) {
  const std::string tcl = fill_template("sta_parts.tcl.in", {{"LIBERTY", job.lib.path},
                                                             {"NETLIST", netlist},
                                                             {"DESIGN", design},
                                                             {"PERIOD", fmt::format("{:.6g}", period_lib(job))},
                                                             {"REPORTS", reports}});
  return sections(run_sta(job, tag, tcl, tag));
}

Timing section_timing(const std::map<std::string, std::string>& sec, const char* name, const StaJob& job) {
  const auto it = sec.find(name);
  return parse_sta(it == sec.end() ? "" : it->second, period_lib(job), job.lib.time_unit_ns);
}

// What the parts of a modular timing found: each part, the worst path among them, and whether every
// shelled module's boundary is registered (else `why` says what is not).
struct PartsResult {
  std::map<std::string, PartTiming> parts;
  double worst = 0, worst_in = 0;  // longest path; longest input-to-register path of a shelled module
  std::string from, to, why;
  bool registered = true;
};

void time_part(StaJob& job, const std::string& m, PartsResult& r) {
  const double load = 4 * job.lib.nand2_input_cap;
  const auto sec = sta_parts(job, m, job.top + ".netlist.v", "part_" + m.substr(job.top.size() + 1),
                             fill_template("sta_part_reports.tcl.in", {{"LOAD", fmt::format("{:.6g}", load)}}));
  const Timing all = section_timing(sec, "all", job), tin = section_timing(sec, "in", job);
  const Timing tout = section_timing(sec, "out", job), thr = section_timing(sec, "through", job);
  if (!all.ok) throw ToolError("sta (" + m + "): no timing path found");
  const int out_cells = tout.ok ? path_instances(sec.at("out")) : 0;
  if (thr.ok) {
    r.registered = false;
    r.why += fmt::format(" {} has a combinational path from input {} to output {};", m, thr.startpoint, thr.endpoint);
  }
  if (tout.ok && out_cells != 1) {
    r.registered = false;
    r.why += fmt::format(" {}: output {} is not driven by a flip-flop alone ({} cells);", m, tout.endpoint, out_cells);
  }
  PartTiming& p = r.parts[m];
  p.critical_path_ns = all.min_period_ns;
  p.startpoint = all.startpoint;
  p.endpoint = all.endpoint;
  p.input_to_register_ns = tin.ok ? tin.min_period_ns : 0.0;
  p.input_to_register_setup_ns = tin.ok ? setup_time(sec.at("in")) * job.lib.time_unit_ns : 0.0;
  p.register_to_output_ns = tout.ok ? tout.arrival * job.lib.time_unit_ns : 0.0;
  p.output_registered = !tout.ok || out_cells == 1;
  p.input_to_output_path = thr.ok;
  if (all.min_period_ns > r.worst) {
    r.worst = all.min_period_ns;
    r.from = m + ": " + all.startpoint;
    r.to = all.endpoint;
  }
  if (tin.ok) r.worst_in = std::max(r.worst_in, tin.min_period_ns);
}

// The rest of the array with the shelled modules as flip-flops at their ports; composes the array path
// into `r` and returns the frame's path into a shelled module's input logic.
double time_frame(StaJob& job, const std::set<std::string>& shelled, PartsResult& r) {
  write_file_atomic(job.work / (job.top + ".frame.v"), shell_netlist(read_file(job.work / (job.top + ".netlist.v")), shelled, job.lib));
  const auto sec =
      sta_parts(job, job.top, job.top + ".frame.v", "frame", fill_template("sta_frame_reports.tcl.in", {{"DFF_D", job.lib.dff_d}}));
  const Timing fall = section_timing(sec, "all", job), fsh = section_timing(sec, "shells", job);
  if (!fall.ok) throw ToolError("sta (frame): no timing path found");
  // A path into a shelled module = the frame's path to the shell flip-flop minus that flip-flop's setup,
  // plus the module's own input-to-register path (conservative: the worst of each, whatever the pair).
  const double shell_setup = fsh.ok ? setup_time(sec.at("shells")) * job.lib.time_unit_ns : 0.0;
  const double cross = fsh.ok ? fsh.min_period_ns - shell_setup + r.worst_in : 0.0;
  PartTiming& p = r.parts["frame"];
  p.critical_path_ns = fall.min_period_ns;
  p.startpoint = fall.startpoint;
  p.endpoint = fall.endpoint;
  p.to_shell_ns = fsh.ok ? fsh.min_period_ns : 0.0;
  p.to_shell_endpoint = fsh.endpoint;
  p.shell_setup_ns = shell_setup;
  if (fall.min_period_ns > r.worst) {
    r.worst = fall.min_period_ns;
    r.from = "frame: " + fall.startpoint;
    r.to = fall.endpoint;
  }
  if (cross > r.worst) {
    r.worst = cross;
    r.from = "frame: " + fsh.startpoint;
    r.to = "(into a shelled module's input-to-register path) " + fsh.endpoint;
  }
  return cross;
}

}  // namespace

PathTiming time_whole(StaJob& job, const std::string& design, const std::string& tag) {
  const std::string tcl = fill_template("sta.tcl.in", {{"LIBERTY", job.lib.path},
                                                       {"NETLIST", job.top + ".netlist.v"},
                                                       {"DESIGN", design},
                                                       {"PERIOD", fmt::format("{:.6g}", period_lib(job))}});
  const Timing t = parse_sta(run_sta(job, tag, tcl, "worst path of " + design), period_lib(job), job.lib.time_unit_ns);
  if (!t.ok) throw ToolError("sta (" + tag + "): no timing path found in " + (job.work / ("sta_" + tag + ".log")).string());
  job.progress(fmt::format("{}: {}: critical path {:.3f} ns, fmax {:.1f} MHz", job.top, tag, t.min_period_ns, t.fmax_mhz));
  return path_timing(t);
}

std::optional<ArrayTiming> time_modular(StaJob& job, const Mods& mods) {
  std::set<std::string> shelled;
  for (const std::string& n : {pe_module(job.top), drain_module(job.top)})
    if (mods.count(n) && mods.at(n).subs.empty()) shelled.insert(n);
  if (job.lib.dff.empty() || shelled.empty()) {
    job.progress(
        fmt::format("{}: modular timing not possible (no plain D flip-flop in the liberty or no PE module): whole array", job.top));
    return std::nullopt;
  }
  PartsResult r;
  for (const std::string& m : shelled) time_part(job, m, r);
  if (!r.registered) {
    job.progress(fmt::format("{}: modular timing not valid:{} timing the whole array", job.top, r.why));
    return std::nullopt;
  }
  ArrayTiming a;
  a.into_shelled_ns = time_frame(job, shelled, r);
  a.critical_path_ns = r.worst;
  a.fmax_mhz = r.worst > 0 ? 1000.0 / r.worst : 0.0;
  a.slack_ns = job.period_ns - r.worst;
  a.startpoint = r.from;
  a.endpoint = r.to;
  a.path_lines = 0;
  a.method = "modular";
  a.boundary_registered = true;
  a.parts = r.parts;
  job.progress(fmt::format("{}: array (modular): critical path {:.3f} ns, fmax {:.1f} MHz", job.top, r.worst, a.fmax_mhz));
  return a;
}

TimingReport run_timing(StaJob& job, const Mods& mods, bool modular) {
  TimingReport t;
  if (mods.count(pe_module(job.top))) t.pe = time_whole(job, pe_module(job.top), "pe");
  std::optional<ArrayTiming> a = modular ? time_modular(job, mods) : std::nullopt;
  if (!a) {
    a = ArrayTiming{};
    static_cast<PathTiming&>(*a) = time_whole(job, job.top, "array");
    a->method = "whole";
  }
  t.array = *a;
  return t;
}

std::string sta_version(const fs::path& dir) {
  const fs::path log = dir / "sta_version.log";
  if (run_command("sta -version", RunOptions{dir, log, ""}).exit_code != 0) return "";
  const std::string v = trim(read_file(log));
  std::string line = v.substr(0, v.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line.empty() ? line : "OpenSTA " + line;
}

}  // namespace sysmt::synth
