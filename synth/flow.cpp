// The synthesis flow: liberty reader, script filling, Yosys and OpenSTA runs, and the report.
#include "synth/flow.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <regex>
#include <sstream>
#include <vector>

#include "gen/rtl_generate.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/output.hpp"
#include "common/process.hpp"

namespace sysmt::synth {

namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------------------------------
// Liberty: a tokenizer and a tree of groups, enough for cells, pins, functions and header attributes.

struct Group {
  std::string type;
  std::vector<std::string> args;
  std::map<std::string, std::string> attrs;  // simple attributes, quotes removed
  std::vector<Group> children;
};

class LibLexer {
 public:
  explicit LibLexer(const std::string& s) : s_(s) {}
  // Returns "" at the end. Strings come back without their quotes, prefixed with '"'.
  std::string next() {
    skip();
    if (i_ >= s_.size()) return "";
    const char c = s_[i_];
    if (c == '"') {
      std::string out = "\"";
      ++i_;
      while (i_ < s_.size() && s_[i_] != '"') {
        if (s_[i_] == '\\' && i_ + 1 < s_.size() && (s_[i_ + 1] == '\n' || s_[i_ + 1] == '\r')) {
          i_ += 2;
          continue;
        }
        out += s_[i_++];
      }
      ++i_;
      return out;
    }
    if (std::string("(){}:;,").find(c) != std::string::npos) {
      ++i_;
      return std::string(1, c);
    }
    const size_t b = i_;
    while (i_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[i_])) && std::string("(){}:;,\"").find(s_[i_]) == std::string::npos &&
           !(s_[i_] == '/' && i_ + 1 < s_.size() && (s_[i_ + 1] == '*' || s_[i_ + 1] == '/')))
      ++i_;
    return s_.substr(b, i_ - b);
  }
  std::string peek() {
    const size_t save = i_;
    std::string t = next();
    i_ = save;
    return t;
  }

 private:
  void skip() {
    for (;;) {
      while (i_ < s_.size() && (std::isspace(static_cast<unsigned char>(s_[i_])) || s_[i_] == '\\')) ++i_;
      if (i_ + 1 < s_.size() && s_[i_] == '/' && s_[i_ + 1] == '*') {
        const size_t e = s_.find("*/", i_ + 2);
        i_ = e == std::string::npos ? s_.size() : e + 2;
      } else if (i_ + 1 < s_.size() && s_[i_] == '/' && s_[i_ + 1] == '/') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else {
        return;
      }
    }
  }
  const std::string& s_;
  size_t i_ = 0;
};

std::string unquote(const std::string& t) { return !t.empty() && t[0] == '"' ? t.substr(1) : t; }

// Parses statements until '}' or the end into `g`.
void parse_body(LibLexer& lx, Group& g, int depth) {
  if (depth > 64) throw std::runtime_error("nesting too deep");
  for (;;) {
    std::string name = lx.next();
    if (name.empty() || name == "}") return;
    if (name == ";") continue;
    std::string t = lx.next();
    if (t == ":") {
      std::string value;
      for (std::string v = lx.next(); !v.empty() && v != ";" && v != "}"; v = lx.next()) {
        if (!value.empty()) value += " ";
        value += unquote(v);
        if (lx.peek() == "}") break;  // a missing ';' before '}'
      }
      g.attrs[name] = value;
    } else if (t == "(") {
      Group child;
      child.type = name;
      for (std::string a = lx.next(); !a.empty() && a != ")"; a = lx.next())
        if (a != ",") child.args.push_back(unquote(a));
      if (lx.peek() == "{") {
        lx.next();
        parse_body(lx, child, depth + 1);
        g.children.push_back(std::move(child));
      } else {
        if (lx.peek() == ";") lx.next();  // complex attribute: name (args);
        if (!child.args.empty() && !g.attrs.count(name)) g.attrs[name] = child.args[0];
      }
    } else if (t.empty()) {
      return;
    }
  }
}

// Liberty function expressions: ! and ' negate, & * and juxtaposition are AND, | + OR, ^ XOR.
class FuncEval {
 public:
  FuncEval(const std::string& e, const std::map<std::string, bool>& pins) : e_(e), pins_(pins) {}
  bool run() {
    const bool v = parse_or();
    skip();
    if (i_ != e_.size()) throw std::runtime_error("bad function '" + e_ + "'");
    return v;
  }

 private:
  void skip() {
    while (i_ < e_.size() && std::isspace(static_cast<unsigned char>(e_[i_]))) ++i_;
  }
  bool parse_or() {
    bool v = parse_xor();
    for (;;) {
      skip();
      if (i_ < e_.size() && (e_[i_] == '|' || e_[i_] == '+')) {
        ++i_;
        const bool r = parse_xor();
        v = v || r;
      } else {
        return v;
      }
    }
  }
  bool parse_xor() {
    bool v = parse_and();
    for (;;) {
      skip();
      if (i_ < e_.size() && e_[i_] == '^') {
        ++i_;
        v = v != parse_and();
      } else {
        return v;
      }
    }
  }
  bool parse_and() {
    bool v = parse_unary();
    for (;;) {
      skip();
      if (i_ < e_.size() && (e_[i_] == '&' || e_[i_] == '*')) {
        ++i_;
        const bool r = parse_unary();
        v = v && r;
      } else if (i_ < e_.size() && (e_[i_] == '(' || e_[i_] == '!' || std::isalnum(static_cast<unsigned char>(e_[i_])) || e_[i_] == '_')) {
        const bool r = parse_unary();  // juxtaposition
        v = v && r;
      } else {
        return v;
      }
    }
  }
  bool parse_unary() {
    skip();
    if (i_ < e_.size() && e_[i_] == '!') {
      ++i_;
      return !parse_unary();
    }
    bool v = parse_primary();
    for (;;) {
      skip();
      if (i_ < e_.size() && e_[i_] == '\'') {
        ++i_;
        v = !v;
      } else {
        return v;
      }
    }
  }
  bool parse_primary() {
    skip();
    if (i_ >= e_.size()) throw std::runtime_error("bad function '" + e_ + "'");
    if (e_[i_] == '(') {
      ++i_;
      const bool v = parse_or();
      skip();
      if (i_ >= e_.size() || e_[i_] != ')') throw std::runtime_error("bad function '" + e_ + "'");
      ++i_;
      return v;
    }
    const size_t b = i_;
    while (i_ < e_.size() && (std::isalnum(static_cast<unsigned char>(e_[i_])) || e_[i_] == '_' || e_[i_] == '[' || e_[i_] == ']' || e_[i_] == '.'))
      ++i_;
    const std::string id = e_.substr(b, i_ - b);
    if (id == "1") return true;
    if (id == "0") return false;
    const auto it = pins_.find(id);
    if (it == pins_.end()) throw std::runtime_error("unknown pin '" + id + "' in '" + e_ + "'");
    return it->second;
  }
  const std::string& e_;
  const std::map<std::string, bool>& pins_;
  size_t i_ = 0;
};

// The truth table of a single-output combinational cell over its inputs in name order (bit i of the
// row index is input i); empty when the cell does not have that shape.
std::vector<bool> truth_table(const Group& cell, std::vector<std::string>& inputs, double& input_cap) {
  inputs.clear();
  std::string func;
  int outputs = 0;
  double cap = 0;
  for (const Group& p : cell.children) {
    if (p.type != "pin" || p.args.empty()) continue;
    const auto dir = p.attrs.find("direction");
    if (dir == p.attrs.end()) continue;
    if (dir->second == "input") {
      inputs.push_back(p.args[0]);
      const auto c = p.attrs.find("capacitance");
      if (c != p.attrs.end()) cap += std::atof(c->second.c_str());
    } else if (dir->second == "output") {
      ++outputs;
      const auto f = p.attrs.find("function");
      if (f != p.attrs.end()) func = f->second;
    }
  }
  if (outputs != 1 || func.empty() || inputs.empty() || inputs.size() > 6) return {};
  std::sort(inputs.begin(), inputs.end());
  input_cap = cap / static_cast<double>(inputs.size());
  std::vector<bool> tt;
  for (unsigned row = 0; row < (1u << inputs.size()); ++row) {
    std::map<std::string, bool> v;
    for (size_t i = 0; i < inputs.size(); ++i) v[inputs[i]] = ((row >> i) & 1u) != 0;
    try {
      tt.push_back(FuncEval(func, v).run());
    } catch (const std::exception&) {
      return {};
    }
  }
  return tt;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  const size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bool is_plain_name(const std::string& s) {
  const std::string t = trim(s);
  return !t.empty() && std::all_of(t.begin(), t.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; });
}

double unit_value(const std::string& text, const std::map<std::string, double>& scale, double fallback) {
  // "1ns", "100ps", "1 ns"
  std::smatch m;
  static const std::regex re(R"(^\s*([0-9.eE+-]*)\s*([a-zA-Z]+)\s*$)");
  if (!std::regex_match(text, m, re)) return fallback;
  const double n = m[1].str().empty() ? 1.0 : std::atof(m[1].str().c_str());
  std::string u = m[2].str();
  std::transform(u.begin(), u.end(), u.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  const auto it = scale.find(u);
  return it == scale.end() ? fallback : n * it->second;
}

// ---------------------------------------------------------------------------------------------------
// Running tools.

std::string capture(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!p) return out;
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) out.pop_back();
  return out;
}

// Runs `cmd` in `dir` with its output in `log`; returns the wall time in seconds. ToolError on failure.
double run_tool(const std::string& cmd, const fs::path& dir, const fs::path& log, const std::string& what) {
  return sysmt::run_tool(cmd, what, RunOptions{dir, log, ""});
}

// A script template of synth/templates/, as staged or installed under <share>/sysmt/synth.
std::string template_text(const std::string& name) { return read_file(data_file(fs::path("synth") / name)); }

std::string fill(std::string text, const std::map<std::string, std::string>& vars) {
  for (const auto& [k, v] : vars) {
    const std::string key = "{{" + k + "}}";
    for (size_t p = text.find(key); p != std::string::npos; p = text.find(key, p + v.size())) text.replace(p, key.size(), v);
  }
  return text;
}

// Yosys command arguments are split at spaces: a liberty path with spaces is quoted.
std::string ys_path(const std::string& p) { return p.find_first_of(" \t") == std::string::npos ? p : "\"" + p + "\""; }

struct Timing {
  bool ok = false;
  double arrival = 0, required = 0, slack = 0, min_period_ns = 0, fmax_mhz = 0;
  std::string startpoint, endpoint;
  int stages = 0;
};

Timing parse_sta(const std::string& text, double period_lib, double unit_ns) {
  Timing t;
  std::smatch m;
  static const std::regex re_start(R"(Startpoint:\s*(\S+))"), re_end(R"(Endpoint:\s*(\S+))"),
      re_arr(R"(([-0-9.]+)\s+data arrival time)"), re_req(R"(([-0-9.]+)\s+data required time)"),
      re_slack(R"(([-0-9.]+)\s+slack \((MET|VIOLATED)\))");
  if (std::regex_search(text, m, re_start)) t.startpoint = m[1];
  if (std::regex_search(text, m, re_end)) t.endpoint = m[1];
  if (std::regex_search(text, m, re_arr)) t.arrival = std::atof(m[1].str().c_str());
  if (std::regex_search(text, m, re_req)) t.required = std::atof(m[1].str().c_str());
  if (!std::regex_search(text, m, re_slack)) return t;
  t.slack = std::atof(m[1].str().c_str());
  // Each line of the path that ends in a cell output pin: "delay time v|^ inst/Y (CELL)".
  static const std::regex re_stage(R"(\n\s*[-0-9.]+\s+[-0-9.]+\s+[v^]\s+\S+\s+\([^)]*\))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re_stage); it != std::sregex_iterator(); ++it) ++t.stages;
  t.min_period_ns = (period_lib - t.slack) * unit_ns;
  t.fmax_mhz = t.min_period_ns > 0 ? 1000.0 / t.min_period_ns : 0;
  t.ok = true;
  return t;
}

nlohmann::json timing_json(const Timing& t) {
  return {{"critical_path_ns", t.min_period_ns}, {"fmax_mhz", t.fmax_mhz},  {"slack_ns", t.slack},
          {"startpoint", t.startpoint},          {"endpoint", t.endpoint},  {"path_lines", t.stages}};
}

std::string strip_backslash(const std::string& s) { return !s.empty() && s[0] == '\\' ? s.substr(1) : s; }

std::string module_kind(const std::string& name, const std::string& top) {
  if (name == top) return "drain+control";
  auto ends = [&](const std::string& suf) { return name.size() >= suf.size() && name.compare(name.size() - suf.size(), suf.size(), suf) == 0; };
  if (ends("_pe")) return "pe";
  if (ends("_skew") || ends("_skew_stage")) return "skew";
  if (ends("_drain_col")) return "drain+control";
  return "other";
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

}  // namespace

// -----------------------------------------------------------------------------------------------------

bool eval_function(const std::string& expr, const std::map<std::string, bool>& pins) { return FuncEval(expr, pins).run(); }

Liberty read_liberty(const std::string& path) {
  if (path.empty()) throw InputError("liberty: no file given");
  if (!fs::is_regular_file(path)) throw InputError("liberty " + path + ": no such file");
  const std::string text = read_file(path);
  Liberty lib;
  lib.path = path;
  Group root;
  try {
    LibLexer lx(text);
    parse_body(lx, root, 0);
  } catch (const std::exception& e) {
    throw InputError("liberty " + path + ": cannot parse: " + e.what());
  }
  const Group* L = nullptr;
  for (const Group& g : root.children)
    if (g.type == "library") L = &g;
  if (!L) throw InputError("liberty " + path + ": no library group (is it a liberty file?)");
  lib.library = L->args.empty() ? "" : L->args[0];
  auto attr = [&](const char* k) {
    const auto it = L->attrs.find(k);
    return it == L->attrs.end() ? std::string() : it->second;
  };
  lib.time_unit_ns = unit_value(attr("time_unit"), {{"ns", 1.0}, {"ps", 1e-3}, {"us", 1e3}}, 1.0);
  lib.cap_unit_pf = 1.0;
  if (const auto it = L->attrs.find("capacitive_load_unit"); it != L->attrs.end()) {
    // complex attribute (1, pf): only the first argument was kept; look the unit up in the text.
    static const std::regex re(R"re(capacitive_load_unit\s*\(\s*([0-9.]+)\s*,\s*"?(\w+)"?\s*\))re");
    std::smatch m;
    if (std::regex_search(text, m, re))
      lib.cap_unit_pf = std::atof(m[1].str().c_str()) * unit_value("1" + m[2].str(), {{"pf", 1.0}, {"ff", 1e-3}, {"nf", 1e3}}, 1.0);
  }
  lib.corner = fmt::format("{}{}process {}, {} V, {} C", attr("default_operating_conditions"),
                           attr("default_operating_conditions").empty() ? "" : ": ", attr("nom_process"), attr("nom_voltage"),
                           attr("nom_temperature"));
  double best_nand = 1e300, best_buf = 1e300, best_inv = 1e300, best_dff = 1e300;
  for (const Group& c : L->children) {
    if (c.type != "cell" || c.args.empty()) continue;
    const std::string& name = c.args[0];
    const auto a = c.attrs.find("area");
    lib.area[name] = a == c.attrs.end() ? 0.0 : std::atof(a->second.c_str());
    bool seq = false;
    for (const Group& g : c.children) {
      if (g.type == "ff" || g.type == "ff_bank" || g.type == "latch" || g.type == "latch_bank" || g.type == "statetable") seq = true;
      if (g.type == "ff") {
        const auto ns = g.attrs.find("next_state");
        const auto ck = g.attrs.find("clocked_on");
        if (ns != g.attrs.end() && ck != g.attrs.end() && ck->second.find('!') == std::string::npos &&
            ck->second.find('\'') == std::string::npos)
          lib.has_plain_dff = true;
        // A plain one: next_state and clocked_on are input pins, no clear or preset, an output is IQ.
        const auto ar = c.attrs.find("area");
        const double a = ar == c.attrs.end() ? 0.0 : std::atof(ar->second.c_str());
        if (ns != g.attrs.end() && ck != g.attrs.end() && !g.attrs.count("clear") && !g.attrs.count("preset") &&
            !g.args.empty() && is_plain_name(ns->second) && is_plain_name(ck->second) && a < best_dff) {
          std::string q;
          bool d_in = false, ck_in = false;
          for (const Group& p : c.children) {
            if (p.type != "pin" || p.args.empty()) continue;
            const auto dir = p.attrs.find("direction");
            const auto fn = p.attrs.find("function");
            if (dir == p.attrs.end()) continue;
            if (dir->second == "input" && p.args[0] == ns->second) d_in = true;
            if (dir->second == "input" && p.args[0] == ck->second) ck_in = true;
            if (dir->second == "output" && fn != p.attrs.end() && trim(fn->second) == g.args[0] && q.empty()) q = p.args[0];
          }
          if (d_in && ck_in && !q.empty()) {
            best_dff = a;
            lib.dff = name;
            lib.dff_d = trim(ns->second);
            lib.dff_clk = trim(ck->second);
            lib.dff_q = q;
          }
        }
      }
    }
    if (seq) {
      lib.sequential.insert(name);
      continue;
    }
    const auto du = c.attrs.find("dont_use");
    if (du != c.attrs.end() && du->second == "true") continue;
    std::vector<std::string> in;
    double cap = 0;
    const std::vector<bool> tt = truth_table(c, in, cap);
    const double ar = lib.area[name];
    if (tt == std::vector<bool>{true, true, true, false} && ar > 0 && ar < best_nand) {
      best_nand = ar;
      lib.nand2 = name;
      lib.nand2_area = ar;
      lib.nand2_input_cap = cap;
    } else if (tt == std::vector<bool>{false, true} && ar > 0 && ar < best_buf) {
      best_buf = ar;
      lib.buffer = name;
    } else if (tt == std::vector<bool>{true, false} && ar > 0 && ar < best_inv) {
      best_inv = ar;
      lib.inverter = name;
    }
  }
  if (lib.area.empty()) throw InputError("liberty " + path + ": no cells");
  if (lib.nand2.empty()) throw InputError("liberty " + path + ": no 2-input NAND cell (needed for the NAND2-equivalent area)");
  if (!lib.has_plain_dff) throw InputError("liberty " + path + ": no rising-edge D flip-flop (needed by dfflibmap)");
  return lib;
}

std::string yosys_version() { return capture("yosys -V"); }
std::string sta_version() {
  const std::string v = capture("sta -version");
  return v.empty() ? v : "OpenSTA " + v;
}

Liberty check_inputs(const Options& o) {
  if (o.sta_mode != "auto" && o.sta_mode != "whole" && o.sta_mode != "modular")
    throw InputError("--sta " + o.sta_mode + ": expected auto, whole or modular");
  if (!(o.period_ns >= 0) || !std::isfinite(o.period_ns) || o.period_ns > 1e6)
    throw InputError(fmt::format("--period {}: expected a clock period in ns, greater than 0", o.period_ns));
  if (std::system("command -v yosys > /dev/null 2>&1") != 0) throw ToolError("synth: yosys not found on PATH (apt-get install yosys)");
  if (o.timing && std::system("command -v sta > /dev/null 2>&1") != 0)
    throw ToolError("synth: sta (OpenSTA) not found on PATH (apt-get install opensta)");
  return read_liberty(o.liberty);
}

void check_output_dir(const fs::path& dir) {
  if (!fs::exists(dir)) return;
  if (!fs::is_directory(dir)) throw InputError("output " + dir.string() + ": exists and is not a folder");
  if (fs::is_empty(dir) || fs::exists(dir / ".sysmt-synth")) return;
  throw InputError("output " + dir.string() + ": folder exists and does not hold sysmt synthesis output; choose another -o");
}

void commit_output_dir(const fs::path& tmp, const fs::path& dir) {
  write_file_atomic(tmp / ".sysmt-synth", "sysmt synthesis output: replaced by the next run\n");
  if (fs::exists(dir)) fs::remove_all(dir);
  fs::rename(tmp, dir);
}

// One module of a mapped design: its own cells and, after totalling, those of its submodules.
struct Mod {
  std::string name, kind;
  double own_area = 0, ff_area = 0;
  long own_cells = 0, own_ff = 0;
  std::map<std::string, long> subs;
  double area = 0;  // with submodules
  long cells = 0, ff = 0, instances = 0;
  bool totalled = false;
};

// Yosys's `stat -json` output. Yosys 0.23 writes the submodule counts of a hierarchy deeper than one level
// as plain text lines ("   name   6") into the JSON's design section: every line with no JSON punctuation
// is dropped.
nlohmann::json read_stat_json(const fs::path& file) {
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

// Area, cells and flip-flops of every module from Yosys's `stat -json` and the liberty's cell areas,
// totalled over submodules, with the instance count of each module in the design under `top`.
std::map<std::string, Mod> read_areas(const fs::path& stat_file, const Liberty& lib, const std::string& top) {
  nlohmann::json stat = read_stat_json(stat_file);
  std::map<std::string, Mod> mods;
  std::set<std::string> unmapped;
  for (auto& [raw, m] : stat["modules"].items()) {
    Mod md;
    md.name = strip_backslash(raw);
    md.kind = module_kind(md.name, top);
    for (auto& [cell, n] : m["num_cells_by_type"].items()) {
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
    mods[md.name] = md;
  }
  if (!unmapped.empty()) {
    std::string u;
    for (const auto& c : unmapped) u += " " + c;
    throw InputError("synth: cells left unmapped to " + lib.path + ":" + u + " (does the liberty have the needed flip-flops?)");
  }
  if (!mods.count(top)) throw ToolError("synth: top module " + top + " missing from Yosys statistics");
  // Totals with submodules, and how many instances of each module the array holds.
  std::function<void(Mod&)> total = [&](Mod& m) {
    if (m.totalled) return;
    m.totalled = true;
    m.area = m.own_area;
    m.cells = m.own_cells;
    m.ff = m.own_ff;
    for (auto& [s, k] : m.subs) {
      if (!mods.count(s)) throw InputError("synth: module " + s + " has no statistics");
      total(mods[s]);
      m.area += mods[s].area * static_cast<double>(k);
      m.cells += mods[s].cells * k;
      m.ff += mods[s].ff * k;
    }
  };
  for (auto& [n, m] : mods) total(m);
  std::function<void(const std::string&, long)> count = [&](const std::string& n, long k) {
    mods[n].instances += k;
    for (auto& [s, j] : mods[n].subs) count(s, k * j);
  };
  count(top, 1);
  return mods;
}

nlohmann::json run_synth(const Config& cfg, const Liberty& lib, const Options& o, const fs::path& work, const Progress& progress) {
  const auto t_start = std::chrono::steady_clock::now();
  const double period_ns = o.period_ns > 0 ? o.period_ns : cfg.clock_period_ns;
  const double period_lib = period_ns / lib.time_unit_ns;
  const std::string top = cfg.name;

  // 1. RTL.
  const rtl::Generated g = rtl::generate_rtl(cfg);
  fs::create_directories(work / "rtl");
  std::vector<std::string> modules_v;  // the module names, one Verilog file each (leaves first, top last)
  for (const auto& f : g.files) {
    write_file_atomic(work / "rtl" / f.name, f.content);
    if (f.name.size() > 2 && f.name.substr(f.name.size() - 2) == ".v") modules_v.push_back(f.name.substr(0, f.name.size() - 2));
  }
  progress(fmt::format("{}: RTL generated ({}x{}, {} threads, {} flip-flops expected)", top, cfg.rows, cfg.cols, cfg.threads,
                       g.facts.flip_flops));

  // 2. Yosys.
  std::string constr_arg;
  if (!lib.buffer.empty() || !lib.inverter.empty()) {
    // Each module output drives about four gate inputs; module inputs come from the smallest buffer.
    const double load = 4 * lib.nand2_input_cap > 0 ? 4 * lib.nand2_input_cap : 0.01 / lib.cap_unit_pf;
    write_file_atomic(work / "abc.constr", fill(template_text("abc.constr.in"), {{"DRIVING_CELL", lib.buffer.empty() ? lib.inverter : lib.buffer},
                                                                        {"LOAD", fmt::format("{:.6g}", load)}}));
    constr_arg = "-constr abc.constr";
  }
  // Synthesis units: hierarchical synthesis maps every module in its own Yosys process, with the modules
  // it instantiates read as black boxes, so a module's netlist depends on its own RTL only (in one process
  // for the whole design, ABC's result for the same PE moved by 5 % with the array around it). Flattened
  // synthesis (the cross-check) is one unit. Each unit's logic is mapped `runs` times: run 1 with Yosys's
  // default ABC script, runs 2.. with the same script (abc_run.script.in, which needs the -constr file)
  // after `permute -S <run - 1>`; the run with the smallest area is kept, per unit.
  const int runs = constr_arg.empty() ? 1 : std::max(1, o.abc_runs);
  const std::string period_ps = fmt::format("{:.0f}", period_ns * 1000);
  for (int i = 2; i <= runs; ++i)
    write_file_atomic(work / fmt::format("abc_run{}.script", i), fill(template_text("abc_run.script.in"), {{"SEED", std::to_string(i - 1)}, {"PERIOD_PS", period_ps}}));
  struct Unit {
    std::string top, dir;
    double seconds = 0;
    std::vector<double> run_areas;
    int best = 0;
    int runs = 1;
  };
  std::vector<Unit> units;
  if (o.flatten) {
    units.push_back(Unit{top, "yosys/" + top, 0, {}, 0, runs});
  } else {
    // Leaf modules (the PE, a skew stage, a drain column) hold the logic and get every mapping run; the
    // modules that instantiate others (the skew lines, the top) are mostly wiring: one run.
    const std::set<std::string> wrappers = {g.facts.top, g.facts.act_skew, g.facts.wgt_skew};
    for (const auto& m : modules_v) units.push_back(Unit{m, "yosys/" + m, 0, {}, 0, wrappers.count(m) ? 1 : runs});
  }
  for (const Unit& u : units) {
    fs::create_directories(work / u.dir);
    std::string reads;
    for (const auto& m : modules_v)
      reads += (o.flatten || m == u.top ? "read_verilog -defer ../../rtl/" : "read_verilog -lib ../../rtl/") + m + ".v\n";
    const std::string constr = constr_arg.empty() ? "" : "-constr ../../abc.constr";
    std::string map_runs;
    for (int i = 1; i <= u.runs; ++i)
      map_runs += fill(template_text("synth_run.ys.in"), {{"RUN", std::to_string(i)},
                                              {"TOP", u.top},
                                              {"LIBERTY", ys_path(lib.path)},
                                              {"PERIOD_PS", period_ps},
                                              {"CONSTR", constr},
                                              {"SCRIPT", i > 1 ? fmt::format("-script ../../abc_run{}.script", i) : ""},
                                              {"STAT_JSON", fmt::format("stat_run{}.json", i)},
                                              {"NETLIST", fmt::format("run{}.netlist.v", i)}});
    write_file_atomic(work / u.dir / "synth.ys", fill(template_text("synth.ys.in"), {{"READ_VERILOG", reads},
                                                                          {"TOP", u.top},
                                                                          {"FLATTEN", o.flatten ? "-flatten" : ""},
                                                                          {"LIBERTY", ys_path(lib.path)},
                                                                          {"ABC_RUNS", std::to_string(u.runs)},
                                                                          {"MAP_RUNS", map_runs}}));
  }
  progress(fmt::format("{}: yosys: {} synthesis of {} unit{} mapped to {} ({} ABC run{} each) ...", top,
                       o.flatten ? "flattened" : "hierarchical", units.size(), units.size() == 1 ? "" : "s", lib.library, runs,
                       runs == 1 ? "" : "s"));
  // The units run in parallel, as many at a time as there are cores.
  const auto t_y0 = std::chrono::steady_clock::now();
  {
    std::atomic<size_t> next{0};
    std::mutex mu;
    std::exception_ptr first_error;  // kept whole, so a tool failure stays a ToolError
    const unsigned workers = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), static_cast<unsigned>(units.size())));
    std::vector<std::thread> pool;
    for (unsigned w = 0; w < workers; ++w)
      pool.emplace_back([&] {
        for (size_t i = next++; i < units.size(); i = next++) {
          Unit& u = units[i];
          try {
            u.seconds = run_tool("yosys -q -l yosys.log -s synth.ys", work / u.dir, work / u.dir / "yosys.stdout", "yosys (" + u.top + ")");
          } catch (...) {
            std::lock_guard<std::mutex> lock(mu);
            if (!first_error) first_error = std::current_exception();
          }
        }
      });
    for (auto& t : pool) t.join();
    if (first_error) std::rethrow_exception(first_error);
  }
  const double t_yosys = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_y0).count();

  // 3. Area from the cell counts and the liberty: per unit the run with the smallest own area, then the
  // units' statistics and netlists put together.
  nlohmann::json stat_all = {{"modules", nlohmann::json::object()}};
  std::string netlist;
  for (Unit& u : units) {
    std::vector<nlohmann::json> run_stats;
    for (int i = 1; i <= u.runs; ++i) {
      nlohmann::json st = read_stat_json(work / u.dir / fmt::format("stat_run{}.json", i));
      double a = 0;
      for (auto& [raw, m] : st["modules"].items())
        for (auto& [cell, n] : m["num_cells_by_type"].items())
          if (lib.area.count(strip_backslash(cell))) a += lib.area.at(strip_backslash(cell)) * n.get<double>();
      u.run_areas.push_back(a);
      if (i == 1 || a < u.run_areas[u.best]) u.best = i - 1;
      run_stats.push_back(std::move(st));
    }
    for (auto& [raw, m] : run_stats[u.best]["modules"].items()) stat_all["modules"][raw] = m;
    netlist += read_file(work / u.dir / fmt::format("run{}.netlist.v", u.best + 1));
    std::string list;
    for (size_t i = 0; i < u.run_areas.size(); ++i) list += fmt::format("{}{:.0f}", i ? ", " : "", u.run_areas[i]);
    progress(fmt::format("{}: {} mapped in {:.1f} s{}", top, u.top, u.seconds,
                         u.runs > 1 ? fmt::format(" (area per run {} um^2; kept run {})", list, u.best + 1) : ""));
  }
  write_file_atomic(work / "stat.json", stat_all.dump(1));
  write_file_atomic(work / (top + ".netlist.v"), netlist);
  std::map<std::string, Mod> mods = read_areas(work / "stat.json", lib, top);
  progress(fmt::format("{}: yosys done in {:.1f} s", top, t_yosys));
  const Mod& tm = mods[top];
  nlohmann::json abc_runs = {{"runs", runs}, {"units", nlohmann::json::array()}};
  for (const Unit& u : units) abc_runs["units"].push_back({{"module", u.top}, {"areas_um2", u.run_areas}, {"kept", u.best + 1}, {"seconds", u.seconds}});

  nlohmann::json kinds = nlohmann::json::object();
  nlohmann::json modules = nlohmann::json::array();
  for (const auto& [n, m] : mods) {
    const double inst = static_cast<double>(m.instances);
    modules.push_back({{"name", n},
                       {"kind", m.kind},
                       {"instances", m.instances},
                       {"area_um2", m.own_area},
                       {"ff_area_um2", m.ff_area},
                       {"comb_area_um2", m.own_area - m.ff_area},
                       {"cells", m.own_cells},
                       {"flip_flops", m.own_ff}});
    nlohmann::json& k = kinds[m.kind];
    if (k.is_null()) k = {{"area_um2", 0.0}, {"ff_area_um2", 0.0}, {"cells", 0}, {"flip_flops", 0}};
    k["area_um2"] = k["area_um2"].get<double>() + m.own_area * inst;
    k["ff_area_um2"] = k["ff_area_um2"].get<double>() + m.ff_area * inst;
    k["cells"] = k["cells"].get<long>() + m.own_cells * m.instances;
    k["flip_flops"] = k["flip_flops"].get<long>() + m.own_ff * m.instances;
  }
  for (auto& [name, k] : kinds.items()) {
    k["share"] = tm.area > 0 ? k["area_um2"].get<double>() / tm.area : 0.0;
    k["nand2_eq"] = k["area_um2"].get<double>() / lib.nand2_area;
  }
  const std::string pe_name = top + "_pe";
  nlohmann::json pe = nullptr;
  if (mods.count(pe_name)) {
    const Mod& p = mods[pe_name];
    pe = {{"module", pe_name},     {"area_um2", p.area},          {"nand2_eq", p.area / lib.nand2_area},
          {"cells", p.cells},      {"flip_flops", p.ff},          {"ff_area_um2", p.ff_area},
          {"comb_area_um2", p.area - p.ff_area}};
  }
  progress(fmt::format("{}: area {:.0f} um^2 ({:.0f} NAND2-eq), {} cells, {} flip-flops", top, tm.area, tm.area / lib.nand2_area,
                       tm.cells, tm.ff));

  // 4. OpenSTA: the PE alone and the whole array.
  double t_sta = 0;
  auto sta = [&](const std::string& design, const std::string& tag) {
    const std::string tcl = fill(template_text("sta.tcl.in"), {{"LIBERTY", lib.path},
                                                   {"NETLIST", top + ".netlist.v"},
                                                   {"DESIGN", design},
                                                   {"PERIOD", fmt::format("{:.6g}", period_lib)}});
    write_file_atomic(work / ("sta_" + tag + ".tcl"), tcl);
    progress(fmt::format("{}: sta: worst path of {} ...", top, design));
    t_sta += run_tool("sta -no_init -exit sta_" + tag + ".tcl", work, work / ("sta_" + tag + ".log"), "sta (" + tag + ")");
    const std::string log = read_file(work / ("sta_" + tag + ".log"));
    if (log.find("Error") != std::string::npos) throw ToolError("sta (" + tag + ") reported errors:\n" + tail_lines(work / ("sta_" + tag + ".log"), 15));
    Timing t = parse_sta(log, period_lib, lib.time_unit_ns);
    if (!t.ok) throw ToolError("sta (" + tag + "): no timing path found in " + (work / ("sta_" + tag + ".log")).string());
    progress(fmt::format("{}: {}: critical path {:.3f} ns, fmax {:.1f} MHz", top, tag, t.min_period_ns, t.fmax_mhz));
    return timing_json(t);
  };
  // Modular array timing: one OpenSTA run per part, each report split into sections.
  auto sta_parts = [&](const std::string& design, const std::string& netlist, const std::string& tag, const std::string& reports) {
    const std::string tcl = fill(template_text("sta_parts.tcl.in"), {{"LIBERTY", lib.path},
                                                        {"NETLIST", netlist},
                                                        {"DESIGN", design},
                                                        {"PERIOD", fmt::format("{:.6g}", period_lib)},
                                                        {"REPORTS", reports}});
    write_file_atomic(work / ("sta_" + tag + ".tcl"), tcl);
    progress(fmt::format("{}: sta: {} ...", top, tag));
    t_sta += run_tool("sta -no_init -exit sta_" + tag + ".tcl", work, work / ("sta_" + tag + ".log"), "sta (" + tag + ")");
    const std::string log = read_file(work / ("sta_" + tag + ".log"));
    if (log.find("Error") != std::string::npos) throw ToolError("sta (" + tag + ") reported errors:\n" + tail_lines(work / ("sta_" + tag + ".log"), 15));
    return sections(log);
  };
  // Returns null (and says why) when the array does not meet the conditions; the caller then times it whole.
  auto sta_modular = [&]() -> nlohmann::json {
    const std::string drain_name = top + "_drain_col";
    std::set<std::string> shelled;
    for (const std::string& n : {pe_name, drain_name})
      if (mods.count(n) && mods[n].subs.empty()) shelled.insert(n);
    if (lib.dff.empty() || shelled.empty()) {
      progress(fmt::format("{}: modular timing not possible (no plain D flip-flop in the liberty or no PE module): whole array", top));
      return nullptr;
    }
    nlohmann::json parts = nlohmann::json::object();
    double worst = 0, worst_in = 0;  // longest path seen; longest input-to-register path of a shelled module
    std::string from, to;
    bool registered = true;
    std::string why;
    for (const std::string& m : shelled) {
      // Outputs drive a neighbour's inputs: the load ABC was told (four NAND2 inputs), not nothing.
      const std::string load = lib.nand2_input_cap > 0 ? fmt::format("set_load {:.6g} [all_outputs]\n", 4 * lib.nand2_input_cap) : "";
      const auto sec = sta_parts(m, top + ".netlist.v", "part_" + m.substr(top.size() + 1),
                                 load +
                                 "puts \"SYSMT-SECTION in\"\n"
                                 "report_checks -path_delay max -digits 4 -from $sysmt_inputs\n"
                                 "puts \"SYSMT-SECTION out\"\n"
                                 "report_checks -path_delay max -digits 4 -to [all_outputs]\n"
                                 "puts \"SYSMT-SECTION through\"\n"
                                 "report_checks -path_delay max -digits 4 -from $sysmt_inputs -to [all_outputs]\n");
      const Timing all = parse_sta(sec.count("all") ? sec.at("all") : "", period_lib, lib.time_unit_ns);
      const Timing tin = parse_sta(sec.count("in") ? sec.at("in") : "", period_lib, lib.time_unit_ns);
      const Timing tout = parse_sta(sec.count("out") ? sec.at("out") : "", period_lib, lib.time_unit_ns);
      const Timing thr = parse_sta(sec.count("through") ? sec.at("through") : "", period_lib, lib.time_unit_ns);
      if (!all.ok) throw ToolError("sta (" + m + "): no timing path found");
      const int out_cells = tout.ok ? path_instances(sec.at("out")) : 0;
      if (thr.ok) {
        registered = false;
        why += fmt::format(" {} has a combinational path from input {} to output {};", m, thr.startpoint, thr.endpoint);
      }
      if (tout.ok && out_cells != 1) {
        registered = false;
        why += fmt::format(" {}: output {} is not driven by a flip-flop alone ({} cells);", m, tout.endpoint, out_cells);
      }
      parts[m] = {{"critical_path_ns", all.min_period_ns},
                  {"startpoint", all.startpoint},
                  {"endpoint", all.endpoint},
                  {"input_to_register_ns", tin.ok ? tin.min_period_ns : 0.0},
                  {"input_to_register_setup_ns", tin.ok ? setup_time(sec.at("in")) * lib.time_unit_ns : 0.0},
                  {"register_to_output_ns", tout.ok ? tout.arrival * lib.time_unit_ns : 0.0},
                  {"output_registered", !tout.ok || out_cells == 1},
                  {"input_to_output_path", thr.ok}};
      if (all.min_period_ns > worst) {
        worst = all.min_period_ns;
        from = m + ": " + all.startpoint;
        to = all.endpoint;
      }
      if (tin.ok) worst_in = std::max(worst_in, tin.min_period_ns);
    }
    if (!registered) {
      progress(fmt::format("{}: modular timing not valid:{} timing the whole array", top, why));
      return nullptr;
    }
    // The rest of the array with the shelled modules as flip-flops at their ports.
    std::set<std::string> names;
    for (const std::string& m : shelled) names.insert(m);
    write_file_atomic(work / (top + ".frame.v"), shell_netlist(read_file(work / (top + ".netlist.v")), names, lib));
    const auto sec = sta_parts(top, top + ".frame.v", "frame",
                               fmt::format("puts \"SYSMT-SECTION shells\"\n"
                                           "report_checks -path_delay max -digits 4 -to [get_pins -hierarchical shi_*/{}]\n",
                                           lib.dff_d));
    const Timing fall = parse_sta(sec.count("all") ? sec.at("all") : "", period_lib, lib.time_unit_ns);
    const Timing fsh = parse_sta(sec.count("shells") ? sec.at("shells") : "", period_lib, lib.time_unit_ns);
    if (!fall.ok) throw ToolError("sta (frame): no timing path found");
    // A path into a shelled module = the frame's path to the shell flip-flop minus that flip-flop's setup,
    // plus the module's own input-to-register path (conservative: the worst of each, whatever the pair).
    const double shell_setup = fsh.ok ? setup_time(sec.at("shells")) * lib.time_unit_ns : 0.0;
    const double cross = fsh.ok ? fsh.min_period_ns - shell_setup + worst_in : 0.0;
    parts["frame"] = {{"critical_path_ns", fall.min_period_ns},
                      {"startpoint", fall.startpoint},
                      {"endpoint", fall.endpoint},
                      {"to_shell_ns", fsh.ok ? fsh.min_period_ns : 0.0},
                      {"to_shell_endpoint", fsh.endpoint},
                      {"shell_setup_ns", shell_setup}};
    if (fall.min_period_ns > worst) {
      worst = fall.min_period_ns;
      from = "frame: " + fall.startpoint;
      to = fall.endpoint;
    }
    if (cross > worst) {
      worst = cross;
      from = "frame: " + fsh.startpoint;
      to = "(into a shelled module's input-to-register path) " + fsh.endpoint;
    }
    const double slack_ns = period_ns - worst;
    progress(fmt::format("{}: array (modular): critical path {:.3f} ns, fmax {:.1f} MHz", top, worst, worst > 0 ? 1000.0 / worst : 0.0));
    return {{"critical_path_ns", worst},
            {"fmax_mhz", worst > 0 ? 1000.0 / worst : 0.0},
            {"slack_ns", slack_ns},
            {"startpoint", from},
            {"endpoint", to},
            {"path_lines", 0},
            {"method", "modular"},
            {"boundary_registered", true},
            {"into_shelled_ns", cross},
            {"parts", parts}};
  };
  nlohmann::json timing = nullptr;
  if (o.timing) {
    timing = nlohmann::json::object();
    if (!o.flatten && mods.count(pe_name)) timing["pe"] = sta(pe_name, "pe");
    const bool modular =
        !o.flatten && (o.sta_mode == "modular" || (o.sta_mode == "auto" && cfg.rows * cfg.cols > kModularAbovePes));
    if (modular) timing["array"] = sta_modular();
    if (timing["array"].is_null()) {
      timing["array"] = sta(top, "array");
      timing["array"]["method"] = "whole";
    }
  }

  // 5. Gate-level simulation netlist.
  if (o.gate_sim) {
    fs::create_directories(work / "gate-sim");
    write_file_atomic(work / "gate_sim.ys", fill(template_text("gate_sim.ys.in"), {{"LIBERTY", ys_path(lib.path)},
                                                                      {"NETLIST", top + ".netlist.v"},
                                                                      {"TOP", top},
                                                                      {"SIM_NETLIST", "gate-sim/" + top + ".v"}}));
    run_tool("yosys -q -l gate_sim.log -s gate_sim.ys", work, work / "gate_sim.stdout", "yosys (gate-level netlist)");
    progress(fmt::format("{}: gate-level simulation netlist in gate-sim/{}.v", top, top));
  }

  const double t_total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  nlohmann::json r = {
      {"tool", "sysmt synth"},
      {"version", SYSMT_VERSION},
      {"config", cfg.name},
      {"config_file", fs::path(cfg.source).filename().string()},
      {"config_hash", cfg.hash()},
      {"rows", cfg.rows},
      {"cols", cfg.cols},
      {"threads", cfg.threads},
      {"acc_bits", cfg.acc_bits},
      {"rounding", to_string(cfg.rounding)},
      {"zero_skip", to_string(cfg.zero_skip)},
      {"flatten", o.flatten},
      {"sta_mode", o.sta_mode},
      {"liberty", {{"file", lib.path}, {"library", lib.library}, {"corner", lib.corner}, {"time_unit_ns", lib.time_unit_ns},
                   {"nand2_cell", lib.nand2}, {"nand2_area_um2", lib.nand2_area}, {"abc_driving_cell", lib.buffer.empty() ? lib.inverter : lib.buffer}}},
      {"clock_period_ns", period_ns},
      {"area_um2", tm.area},
      {"nand2_eq", tm.area / lib.nand2_area},
      {"cells", tm.cells},
      {"flip_flops", tm.ff},
      {"flip_flops_expected", g.facts.flip_flops},
      {"kinds", kinds},
      {"modules", modules},
      {"pe", pe},
      {"timing", timing},
      {"tools", {{"yosys", yosys_version()}, {"sta", o.timing ? sta_version() : std::string()}}},
      {"run_time_s", {{"yosys", t_yosys}, {"sta", t_sta}, {"total", t_total}}},
      {"abc_runs", abc_runs},
      {"netlist", top + ".netlist.v"}};
  write_file_atomic(work / (top + ".synth.json"), r.dump(2) + "\n");
  write_file_atomic(work / (top + ".synth.md"), report_markdown(r));
  return r;
}

std::string report_markdown(const nlohmann::json& r) {
  std::string md;
  const auto& L = r["liberty"];
  md += fmt::format("# Synthesis of {}\n\n", r["config"].get<std::string>());
  md += fmt::format("{}x{} array, {} threads per PE, {}-bit accumulators ({} rounding, zero_skip {}); config {} (hash {}).\n\n",
                    r["rows"].get<int>(), r["cols"].get<int>(), r["threads"].get<int>(), r["acc_bits"].get<int>(),
                    r["rounding"].get<std::string>(), r["zero_skip"].get<std::string>(), r["config_file"].get<std::string>(),
                    r["config_hash"].get<std::string>());
  md += fmt::format("Library `{}` ({}), corner {}; NAND2-equivalent = area / {} ({} um^2). Clock period {} ns. {} synthesis.\n\n",
                    L["library"].get<std::string>(), L["file"].get<std::string>(), L["corner"].get<std::string>(),
                    L["nand2_cell"].get<std::string>(), L["nand2_area_um2"].get<double>(), r["clock_period_ns"].get<double>(),
                    r["flatten"].get<bool>() ? "Flattened" : "Hierarchical");
  md += "| | area um^2 | NAND2-eq | cells | flip-flops |\n|---|---:|---:|---:|---:|\n";
  md += fmt::format("| **array** | {:.0f} | {:.0f} | {} | {} (expected {}) |\n", r["area_um2"].get<double>(), r["nand2_eq"].get<double>(),
                    r["cells"].get<long>(), r["flip_flops"].get<long>(), r["flip_flops_expected"].get<long>());
  if (!r["pe"].is_null())
    md += fmt::format("| one PE | {:.0f} | {:.0f} | {} | {} |\n", r["pe"]["area_um2"].get<double>(), r["pe"]["nand2_eq"].get<double>(),
                      r["pe"]["cells"].get<long>(), r["pe"]["flip_flops"].get<long>());
  md += "\n## Area by module kind\n\n| kind | area um^2 | share | flip-flop area um^2 | cells | flip-flops |\n|---|---:|---:|---:|---:|---:|\n";
  for (const char* k : {"pe", "skew", "drain+control", "other"}) {
    if (!r["kinds"].contains(k)) continue;
    const auto& x = r["kinds"][k];
    md += fmt::format("| {} | {:.0f} | {:.1f}% | {:.0f} | {} | {} |\n", k, x["area_um2"].get<double>(), 100 * x["share"].get<double>(),
                      x["ff_area_um2"].get<double>(), x["cells"].get<long>(), x["flip_flops"].get<long>());
  }
  md += "\n`drain+control` is the drain-column modules (row selection and output register) and the top module's own logic (row_done, input handshake and "
        "tile spacing counter).\n\n| module | kind | instances | area um^2 each | of which flip-flops | cells each |\n"
        "|---|---|---:|---:|---:|---:|\n";
  for (const auto& m : r["modules"])
    md += fmt::format("| {} | {} | {} | {:.0f} | {:.0f} | {} |\n", m["name"].get<std::string>(), m["kind"].get<std::string>(),
                      m["instances"].get<long>(), m["area_um2"].get<double>(), m["ff_area_um2"].get<double>(), m["cells"].get<long>());
  if (!r["timing"].is_null()) {
    md += "\n## Timing (OpenSTA, ideal clock, inputs and outputs at the clock edge, rst_n a false path)\n\n"
          "| design | critical path ns | fmax MHz | slack at the period ns | from | to |\n|---|---:|---:|---:|---|---|\n";
    for (const char* k : {"pe", "array"}) {
      if (!r["timing"].contains(k)) continue;
      const auto& t = r["timing"][k];
      md += fmt::format("| {} | {:.3f} | {:.1f} | {:.3f} | `{}` | `{}` |\n", k, t["critical_path_ns"].get<double>(), t["fmax_mhz"].get<double>(),
                        t["slack_ns"].get<double>(), t["startpoint"].get<std::string>(), t["endpoint"].get<std::string>());
    }
    const auto& a = r["timing"]["array"];
    if (a.contains("method") && a["method"] == "modular") {
      md += "\nArray timed **modularly** (docs/synthesis.md): every port of the PE and drain-column modules is registered "
            "(checked), so the array path is the worst of these parts:\n\n| part | critical path ns | from | to |\n|---|---:|---|---|\n";
      for (const auto& [n, p] : a["parts"].items())
        md += fmt::format("| {} | {:.3f} | `{}` | `{}` |\n", n, p["critical_path_ns"].get<double>(), p["startpoint"].get<std::string>(),
                          p["endpoint"].get<std::string>());
      md += fmt::format("| frame into a module's input logic | {:.3f} | | |\n", a["into_shelled_ns"].get<double>());
    } else if (a.contains("method")) {
      md += "\nArray timed whole (flattened by OpenSTA).\n";
    }
  }
  if (r.contains("abc_runs") && r["abc_runs"]["runs"].get<int>() > 1) {
    md += fmt::format("\nEach module was synthesised in its own Yosys process; modules that instantiate none were mapped by ABC {} times (Yosys's default "
                      "script, then the same script after seeded permutations of ABC's inputs); the smallest is reported:\n\n"
                      "| module | area um^2 per run | kept |\n|---|---|---:|\n",
                      r["abc_runs"]["runs"].get<int>());
    for (const auto& u : r["abc_runs"]["units"]) {
      std::string list;
      for (const auto& a : u["areas_um2"]) list += fmt::format("{}{:.0f}", list.empty() ? "" : ", ", a.get<double>());
      md += fmt::format("| {} | {} | {} |\n", u["module"].get<std::string>(), list, u["kept"].get<int>());
    }
  }
  md += fmt::format("\nTools: {}; {}. Run time: yosys {:.1f} s, sta {:.1f} s, total {:.1f} s.\n", r["tools"]["yosys"].get<std::string>(),
                    r["tools"]["sta"].get<std::string>(), r["run_time_s"]["yosys"].get<double>(), r["run_time_s"]["sta"].get<double>(),
                    r["run_time_s"]["total"].get<double>());
  return md;
}

}  // namespace sysmt::synth
