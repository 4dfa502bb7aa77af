// The liberty reader: a tokenizer and a tree of groups (enough for cells, pins, functions and header
// attributes), a function evaluator, and the search for the cells the flow needs by their function.
#include "synth/liberty.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "common/error.hpp"
#include "common/files.hpp"

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
    while (i_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[i_])) &&
           std::string("(){}:;,\"").find(s_[i_]) == std::string::npos &&
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
    while (i_ < e_.size() &&
           (std::isalnum(static_cast<unsigned char>(e_[i_])) || e_[i_] == '_' || e_[i_] == '[' || e_[i_] == ']' || e_[i_] == '.'))
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

const Group* library_group(const Group& root, const std::string& path) {
  const Group* L = nullptr;
  for (const Group& g : root.children)
    if (g.type == "library") L = &g;
  if (!L) throw InputError("liberty " + path + ": no library group (is it a liberty file?)");
  return L;
}

std::string attr_of(const Group& g, const char* k) {
  const auto it = g.attrs.find(k);
  return it == g.attrs.end() ? std::string() : it->second;
}

// Library name, time and capacitance units, operating corner.
void read_header(const Group& L, const std::string& text, Liberty& lib) {
  lib.library = L.args.empty() ? "" : L.args[0];
  lib.time_unit_ns = unit_value(attr_of(L, "time_unit"), {{"ns", 1.0}, {"ps", 1e-3}, {"us", 1e3}}, 1.0);
  lib.cap_unit_pf = 1.0;
  if (L.attrs.count("capacitive_load_unit")) {
    // complex attribute (1, pf): only the first argument was kept; look the unit up in the text.
    static const std::regex re(R"re(capacitive_load_unit\s*\(\s*([0-9.]+)\s*,\s*"?(\w+)"?\s*\))re");
    std::smatch m;
    if (std::regex_search(text, m, re))
      lib.cap_unit_pf = std::atof(m[1].str().c_str()) * unit_value("1" + m[2].str(), {{"pf", 1.0}, {"ff", 1e-3}, {"nf", 1e3}}, 1.0);
  }
  const std::string oc = attr_of(L, "default_operating_conditions");
  lib.corner = fmt::format("{}{}process {}, {} V, {} C", oc, oc.empty() ? "" : ": ", attr_of(L, "nom_process"), attr_of(L, "nom_voltage"),
                           attr_of(L, "nom_temperature"));
}

// The smallest cell found so far for each function the flow needs.
struct Best {
  double nand = 1e300, buf = 1e300, inv = 1e300, dff = 1e300;
};

// An `ff` group of `cell`: marks a rising-edge D flip-flop, and keeps the cell as the shells' flip-flop
// when it is plain (next_state and clocked_on are input pins, no clear or preset, an output is IQ) and
// the smallest so far.
void read_ff(const Group& cell, const Group& ff, Liberty& lib, Best& best) {
  const auto ns = ff.attrs.find("next_state");
  const auto ck = ff.attrs.find("clocked_on");
  if (ns == ff.attrs.end() || ck == ff.attrs.end()) return;
  if (ck->second.find('!') == std::string::npos && ck->second.find('\'') == std::string::npos) lib.has_plain_dff = true;
  const double a = std::atof(attr_of(cell, "area").c_str());
  if (ff.attrs.count("clear") || ff.attrs.count("preset") || ff.args.empty() || !is_plain_name(ns->second) || !is_plain_name(ck->second) ||
      !(a < best.dff))
    return;
  std::string q;
  bool d_in = false, ck_in = false;
  for (const Group& p : cell.children) {
    if (p.type != "pin" || p.args.empty()) continue;
    const std::string dir = attr_of(p, "direction");
    if (dir == "input" && p.args[0] == ns->second) d_in = true;
    if (dir == "input" && p.args[0] == ck->second) ck_in = true;
    if (dir == "output" && p.attrs.count("function") && trim(p.attrs.at("function")) == ff.args[0] && q.empty()) q = p.args[0];
  }
  if (!d_in || !ck_in || q.empty()) return;
  best.dff = a;
  lib.dff = cell.args[0];
  lib.dff_area = a;
  lib.dff_d = trim(ns->second);
  lib.dff_clk = trim(ck->second);
  lib.dff_q = q;
}

// A combinational cell: kept when it is the smallest NAND2, buffer or inverter so far.
void read_combinational(const Group& cell, Liberty& lib, Best& best) {
  if (attr_of(cell, "dont_use") == "true") return;
  std::vector<std::string> in;
  double cap = 0;
  const std::vector<bool> tt = truth_table(cell, in, cap);
  const std::string& name = cell.args[0];
  const double ar = lib.area[name];
  if (tt == std::vector<bool>{true, true, true, false} && ar > 0 && ar < best.nand) {
    best.nand = ar;
    lib.nand2 = name;
    lib.nand2_area = ar;
    lib.nand2_input_cap = cap;
  } else if (tt == std::vector<bool>{false, true} && ar > 0 && ar < best.buf) {
    best.buf = ar;
    lib.buffer = name;
  } else if (tt == std::vector<bool>{true, false} && ar > 0 && ar < best.inv) {
    best.inv = ar;
    lib.inverter = name;
  }
}

// A cell's timing arcs: each output pin's timing groups' related pins.
void read_arcs(const Group& c, CellArcs& arcs) {
  for (const Group& p : c.children) {
    if (p.type != "pin" || !p.attrs.count("direction")) continue;
    const std::string dir = p.attrs.at("direction");
    if (dir != "output" && dir != "inout") continue;
    for (const Group& t : p.children) {
      if (t.type != "timing" || !t.attrs.count("related_pin")) continue;
      std::istringstream related(t.attrs.at("related_pin"));
      for (std::string from; related >> from;)
        for (const std::string& to : p.args) {
          auto& v = arcs[c.args[0]];
          if (std::find(v.begin(), v.end(), std::pair{from, to}) == v.end()) v.emplace_back(from, to);
        }
    }
  }
}

void read_cell(const Group& c, Liberty& lib, Best& best) {
  const std::string& name = c.args[0];
  lib.area[name] = std::atof(attr_of(c, "area").c_str());
  bool seq = false;
  for (const Group& g : c.children) {
    if (g.type == "ff" || g.type == "ff_bank" || g.type == "latch" || g.type == "latch_bank" || g.type == "statetable") seq = true;
    if (g.type == "ff") read_ff(c, g, lib, best);
  }
  if (seq)
    lib.sequential.insert(name);
  else
    read_combinational(c, lib, best);
}

}  // namespace

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
  const Group& L = *library_group(root, path);
  read_header(L, text, lib);
  Best best;
  for (const Group& c : L.children)
    if (c.type == "cell" && !c.args.empty()) {
      read_cell(c, lib, best);
      read_arcs(c, lib.arcs);
    }
  if (lib.area.empty()) throw InputError("liberty " + path + ": no cells");
  if (lib.nand2.empty()) throw InputError("liberty " + path + ": no 2-input NAND cell (needed for the NAND2-equivalent area)");
  if (!lib.has_plain_dff) throw InputError("liberty " + path + ": no rising-edge D flip-flop (needed by dfflibmap)");
  return lib;
}

CellArcs timing_arcs(const std::string& text) {
  Group root;
  LibLexer lx(text);
  parse_body(lx, root, 0);
  CellArcs arcs;
  for (const Group& c : library_group(root, "text")->children)
    if (c.type == "cell" && !c.args.empty()) read_arcs(c, arcs);
  return arcs;
}

}  // namespace sysmt::synth
