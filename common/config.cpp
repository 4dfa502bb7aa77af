// Strict YAML reader for the SySMT schema: unknown, duplicate, mistyped and out-of-range keys are errors
// that name file, line, column and key. The schema is one table, which also feeds the documentation.
#include "common/config.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/hash.hpp"

namespace sysmt {

const char* to_string(Rounding r) {
  switch (r) {
    case Rounding::Truncate:
      return "truncate";
    case Rounding::HalfUp:
      return "half_up";
    case Rounding::HalfEven:
      return "half_even";
  }
  return "?";
}

const char* to_string(ZeroSkip z) { return z == ZeroSkip::Both ? "both" : "act"; }
const char* to_string(Gating g) { return g == Gating::Clock ? "clock" : "none"; }

namespace {

struct Where {
  std::string file;
  YAML::Mark mark;
};

[[noreturn]] void fail(const Where& w, const std::string& key, const std::string& what) {
  std::ostringstream os;
  os << w.file;
  if (w.mark.line >= 0) os << ':' << (w.mark.line + 1) << ':' << (w.mark.column + 1);
  os << ": ";
  if (!key.empty()) os << "key '" << key << "': ";
  os << what;
  throw InputError(visible(os.str()));  // control bytes of the input shown escaped, never raw
}

using Setter = std::function<void(Config&, const YAML::Node&, const Where&, const std::string& key)>;

struct Entry {
  KeyDoc doc;
  bool required;
  Setter set;
};

std::string scalar_of(const YAML::Node& n, const Where& w, const std::string& key, const char* type) {
  if (!n.IsScalar())
    fail(w, key, std::string("expected ") + type + ", found a " + (n.IsMap() ? "map" : n.IsSequence() ? "list" : "null value"));
  return n.Scalar();
}

// A number must be written as one: a plain scalar (`4`) or one tagged as a number (`!!int 4`), not a
// quoted or string-tagged one (`"4"`, `!!str 4`), which YAML defines as a string.
std::string number_of(const YAML::Node& n, const Where& w, const std::string& key, const char* type, const char* tag) {
  std::string s = scalar_of(n, w, key, type);
  const std::string& t = n.Tag();
  if (t != "?" && t != tag)
    fail(w, key,
         std::string("expected ") + type + ", found the string '" + s + "' (" + (t == "!" ? "quoted" : "tagged " + t) +
             "); write the number without quotes or tags");
  return s;
}

Setter int_key(int Config::*field, long lo, long hi, std::vector<long> allowed = {}) {
  return [=](Config& c, const YAML::Node& n, const Where& w, const std::string& key) {
    std::string s = number_of(n, w, key, "an integer", "tag:yaml.org,2002:int");
    long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) fail(w, key, "expected an integer, found '" + s + "'");
    if (!allowed.empty()) {
      bool ok = false;
      std::string list;
      for (long a : allowed) {
        ok |= a == v;
        list += (list.empty() ? "" : ", ") + std::to_string(a);
      }
      if (!ok) fail(w, key, "value " + s + " is not one of " + list);
    } else if (v < lo || v > hi) {
      fail(w, key, "value " + s + " is out of range " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    c.*field = static_cast<int>(v);
  };
}

template <typename E>
Setter enum_key(E Config::*field, std::vector<std::pair<std::string, E>> values) {
  return [=](Config& c, const YAML::Node& n, const Where& w, const std::string& key) {
    std::string s = scalar_of(n, w, key, "a string");
    std::string list;
    for (auto& [name, val] : values) {
      if (name == s) {
        c.*field = val;
        return;
      }
      list += (list.empty() ? "" : ", ") + name;
    }
    fail(w, key, "'" + s + "' is not one of " + list);
  };
}

// Reserved words of Verilog-2005 (IEEE 1364-2005 Annex B) and SystemVerilog-2017 (IEEE 1800-2017
// Annex B, which includes all of Verilog's): none may name a module.
const std::set<std::string>& verilog_keywords() {
  static const std::set<std::string> k = {
      // IEEE 1364-2005
      "always", "and", "assign", "automatic", "begin", "buf", "bufif0", "bufif1", "case", "casex", "casez", "cell", "cmos", "config",
      "deassign", "default", "defparam", "design", "disable", "edge", "else", "end", "endcase", "endconfig", "endfunction", "endgenerate",
      "endmodule", "endprimitive", "endspecify", "endtable", "endtask", "event", "for", "force", "forever", "fork", "function", "generate",
      "genvar", "highz0", "highz1", "if", "ifnone", "incdir", "include", "initial", "inout", "input", "instance", "integer", "join",
      "large", "liblist", "library", "localparam", "macromodule", "medium", "module", "nand", "negedge", "nmos", "nor", "noshowcancelled",
      "not", "notif0", "notif1", "or", "output", "parameter", "pmos", "posedge", "primitive", "pull0", "pull1", "pulldown", "pullup",
      "pulsestyle_ondetect", "pulsestyle_onevent", "rcmos", "real", "realtime", "reg", "release", "repeat", "rnmos", "rpmos", "rtran",
      "rtranif0", "rtranif1", "scalared", "showcancelled", "signed", "small", "specify", "specparam", "strong0", "strong1", "supply0",
      "supply1", "table", "task", "time", "tran", "tranif0", "tranif1", "tri", "tri0", "tri1", "triand", "trior", "trireg", "unsigned",
      "use", "uwire", "vectored", "wait", "wand", "weak0", "weak1", "while", "wire", "wor", "xnor", "xor",
      // IEEE 1800-2017, in addition
      "accept_on", "alias", "always_comb", "always_ff", "always_latch", "assert", "assume", "before", "bind", "bins", "binsof", "bit",
      "break", "byte", "chandle", "checker", "class", "clocking", "const", "constraint", "context", "continue", "cover", "covergroup",
      "coverpoint", "cross", "dist", "do", "endchecker", "endclass", "endclocking", "endgroup", "endinterface", "endpackage", "endprogram",
      "endproperty", "endsequence", "enum", "eventually", "expect", "export", "extends", "extern", "final", "first_match", "foreach",
      "forkjoin", "global", "iff", "ignore_bins", "illegal_bins", "implements", "implies", "import", "inside", "int", "interconnect",
      "interface", "intersect", "join_any", "join_none", "let", "local", "logic", "longint", "matches", "modport", "nettype", "new",
      "nexttime", "null", "package", "packed", "priority", "program", "property", "protected", "pure", "rand", "randc", "randcase",
      "randsequence", "ref", "reject_on", "restrict", "return", "s_always", "s_eventually", "s_nexttime", "s_until", "s_until_with",
      "sequence", "shortint", "shortreal", "soft", "solve", "static", "string", "strong", "struct", "super", "sync_accept_on",
      "sync_reject_on", "tagged", "this", "throughout", "timeprecision", "timeunit", "type", "typedef", "union", "unique", "unique0",
      "until", "until_with", "untyped", "var", "virtual", "void", "wait_order", "weak", "wildcard", "with", "within"};
  return k;
}

bool is_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char ch : s)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_')) return false;
  return true;
}

const std::vector<Entry>& entries() {
  static const std::vector<Entry> table = {
      {{"name", "string", "(required)", "Verilog identifier, at most 40 characters",
        "top module name; also the prefix of every generated module"},
       true,
       [](Config& c, const YAML::Node& n, const Where& w, const std::string& key) {
         std::string s = scalar_of(n, w, key, "a string");
         if (!is_identifier(s) || s.size() > 40)
           fail(w, key, "'" + s + "' is not a Verilog identifier (letters, digits, _; not starting with a digit; at most 40 characters)");
         if (verilog_keywords().count(s))
           fail(w, key,
                "'" + s +
                    "' is not a Verilog identifier: a reserved word of Verilog or SystemVerilog (IEEE 1364-2005, 1800-2017); choose "
                    "another name");
         c.name = s;
       }},
      {{"array.rows", "integer", "(required)", "1..64", "PE rows: output rows of one tile (M direction)"},
       true,
       int_key(&Config::rows, 1, 64)},
      {{"array.cols", "integer", "(required)", "1..64", "PE columns: output columns of one tile (N direction)"},
       true,
       int_key(&Config::cols, 1, 64)},
      {{"threads", "integer", "(required)", "1, 2, 4",
        "hardware threads per PE sharing one 8b x 8b multiplier; 1 is the conventional baseline"},
       true,
       int_key(&Config::threads, 1, 4, {1, 2, 4})},
      {{"acc_bits", "integer", "32", "16..64", "accumulator width; two's complement, wraps on overflow"},
       false,
       int_key(&Config::acc_bits, 16, 64)},
      {{"array.pipeline", "string or integer", "auto", "auto, 0, 1, 2",
        "PE pipeline stages after the operand registers: 0 = single-cycle MAC; 1 = the accumulator's high part "
        "takes the low part's carry one edge later (shorter critical path, latency + 1); 2 = 1 plus a product "
        "register before the accumulator (latency + 2); auto = 1 for threads 2 and 4, 0 for threads 1"},
       false,
       [](Config& c, const YAML::Node& n, const Where& w, const std::string& key) {
         std::string s = scalar_of(n, w, key, "auto, 0, 1 or 2");
         if (s != "auto") s = number_of(n, w, key, "auto, 0, 1 or 2", "tag:yaml.org,2002:int");
         if (s == "auto")
           c.pipeline = -1;
         else if (s == "0")
           c.pipeline = 0;
         else if (s == "1")
           c.pipeline = 1;
         else if (s == "2")
           c.pipeline = 2;
         else
           fail(w, key, "'" + s + "' is not one of auto, 0, 1, 2");
       }},
      {{"array.gating", "string", "none", "none, clock",
        "clock: each PE's accumulator and shadow register get their own gated clock (an enable flip-flop on the falling "
        "edge and an AND gate), enabled only on edges where they change: the shadow when a tile's sum is complete, the "
        "accumulator when a thread is active, a carry is pending or a tile restarts. Same function, bit for bit; saves "
        "clock-pin energy (docs/energy.md)"},
       false,
       enum_key<Gating>(&Config::gating, {{"none", Gating::None}, {"clock", Gating::Clock}})},
      {{"nbsmt.rounding", "string", "half_up", "truncate, half_up, half_even",
        "how a reduced operand's high nibble is rounded from its low nibble"},
       false,
       enum_key<Rounding>(&Config::rounding,
                          {{"truncate", Rounding::Truncate}, {"half_up", Rounding::HalfUp}, {"half_even", Rounding::HalfEven}})},
      {{"nbsmt.zero_skip", "string", "both", "both, act", "a thread is active when a != 0 and w != 0 (both) or when a != 0 (act)"},
       false,
       enum_key<ZeroSkip>(&Config::zero_skip, {{"both", ZeroSkip::Both}, {"act", ZeroSkip::Act}})},
      {{"synth.clock_period_ns", "number", "10.0", "0.1..1000", "target clock period for timing reports (ns)"},
       false,
       [](Config& c, const YAML::Node& n, const Where& w, const std::string& key) {
         std::string s = number_of(n, w, key, "a number", "tag:yaml.org,2002:float");
         double v = 0;
         try {
           size_t used = 0;
           v = std::stod(s, &used);
           if (used != s.size()) throw std::invalid_argument(s);
         } catch (const std::exception&) {
           fail(w, key, "expected a number, found '" + s + "'");
         }
         if (!(v >= 0.1 && v <= 1000.0)) fail(w, key, "value " + s + " is out of range 0.1..1000");
         c.clock_period_ns = v;
       }},
  };
  return table;
}

// Walks a map node, flattening nested maps into dotted keys; rejects duplicates and non-map values where
// a section is expected.
void collect(const YAML::Node& map, const std::string& prefix, const Where& base,
             std::map<std::string, std::pair<YAML::Node, YAML::Mark>>& out) {
  static const std::set<std::string> sections = {"array", "nbsmt", "synth"};
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    Where w{base.file, it->first.Mark()};
    if (!it->first.IsScalar()) fail(w, prefix, "keys must be plain names");
    std::string key = prefix.empty() ? it->first.Scalar() : prefix + "." + it->first.Scalar();
    if (!seen.insert(key).second) fail(w, key, "duplicate key");
    if (prefix.empty() && sections.count(key)) {
      if (!it->second.IsMap()) fail(Where{base.file, it->second.Mark()}, key, "expected a map of settings");
      collect(it->second, key, base, out);
      continue;
    }
    bool known = false;
    for (const Entry& e : entries()) known |= e.doc.key == key;
    if (!known) {
      std::string hint;
      for (const Entry& e : entries())
        if (e.doc.key.substr(e.doc.key.rfind('.') + 1) == it->first.Scalar()) hint = " (did you mean '" + e.doc.key + "'?)";
      fail(w, key, "unknown key" + hint);
    }
    out[key] = {it->second, it->second.Mark()};
  }
}

// Counts the documents of a YAML stream without building them, and where the second one starts.
struct DocumentCounter : YAML::EventHandler {
  int documents = 0;
  YAML::Mark second = YAML::Mark::null_mark();
  void OnDocumentStart(const YAML::Mark& m) override {
    if (++documents == 2) second = m;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

const std::vector<KeyDoc>& config_schema() {
  static const std::vector<KeyDoc> docs = [] {
    std::vector<KeyDoc> d;
    for (const Entry& e : entries()) d.push_back(e.doc);
    return d;
  }();
  return docs;
}

Config parse_config(const std::string& text, const std::string& source) {
  YAML::Node root;
  const std::string body = strip_bom(text);
  try {
    // One document: YAML::Load would silently ignore a second one (after `---`) and stray text after a
    // flow map (`{...}, x`), so the documents are counted first. (Not with YAML::LoadAll: yaml-cpp 0.7
    // loops forever on `{a: 1}, x`; found by tb/fuzz/fuzz_config.)
    std::istringstream in(body);
    YAML::Parser parser(in);
    DocumentCounter counter;
    while (counter.documents < 2 && parser.HandleNextDocument(counter)) {
    }
    if (counter.documents > 1)
      fail(Where{source, counter.second}, "", "a second YAML document, or text after the first one; a config file holds one document");
    root = YAML::Load(body);
  } catch (const YAML::Exception& e) {
    fail(Where{source, e.mark}, "", "YAML syntax error: " + e.msg);
  }
  return parse_config_node(root, source);
}

void set_config_key(Config& c, const std::string& key, const YAML::Node& value, const std::string& source) {
  const Where w{source, value.Mark()};
  for (const Entry& e : entries())
    if (e.doc.key == key) return e.set(c, value, w, key);
  std::string hint;
  const std::string leaf = key.substr(key.rfind('.') + 1);
  for (const Entry& e : entries())
    if (e.doc.key.substr(e.doc.key.rfind('.') + 1) == leaf) hint = " (did you mean '" + e.doc.key + "'?)";
  fail(w, key, "unknown config key" + hint);
}

Config parse_config_node(const YAML::Node& root, const std::string& source) {
  Where top{source, YAML::Mark::null_mark()};
  if (!root.IsMap()) fail(Where{source, root.Mark()}, "", "expected a map of settings at the top level");
  std::map<std::string, std::pair<YAML::Node, YAML::Mark>> found;
  collect(root, "", top, found);
  Config c;
  c.source = source;
  for (const Entry& e : entries()) {
    auto it = found.find(e.doc.key);
    if (it == found.end()) {
      if (e.required) fail(Where{source, root.Mark()}, e.doc.key, "missing required key (" + e.doc.meaning + ")");
      continue;
    }
    e.set(c, it->second.first, Where{source, it->second.second}, e.doc.key);
  }
  return c;
}

Config load_config(const std::string& path) { return parse_config(read_file(path), path); }

std::string Config::canonical() const {
  std::ostringstream os;
  os << "name: " << name << "\narray:\n  rows: " << rows << "\n  cols: " << cols << "\n  pipeline: " << pipeline_stages()
     << "\n  gating: " << to_string(gating) << "\nthreads: " << threads << "\nacc_bits: " << acc_bits
     << "\nnbsmt:\n  rounding: " << to_string(rounding) << "\n  zero_skip: " << to_string(zero_skip)
     << "\nsynth:\n  clock_period_ns: " << clock_period_ns << "\n";
  return os.str();
}

std::string Config::hash() const { return hex64(fnv1a64(canonical())); }

}  // namespace sysmt

namespace sysmt {

bool operator==(const Config& a, const Config& b) {
  return a.name == b.name && a.rows == b.rows && a.cols == b.cols && a.threads == b.threads && a.acc_bits == b.acc_bits &&
         a.pipeline == b.pipeline && a.gating == b.gating && a.rounding == b.rounding && a.zero_skip == b.zero_skip &&
         a.clock_period_ns == b.clock_period_ns;
}

bool operator!=(const Config& a, const Config& b) { return !(a == b); }

namespace {

// The shortest text that reads back as exactly `v`.
std::string shortest(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace

std::string emit_config(const Config& c, const std::string& header) {
  YAML::Emitter e;
  e.SetIndent(2);
  e << YAML::BeginMap;
  e << YAML::Key << "name" << YAML::Value << c.name;
  e << YAML::Key << "array" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "rows" << YAML::Value << c.rows;
  e << YAML::Key << "cols" << YAML::Value << c.cols;
  e << YAML::Key << "pipeline" << YAML::Value << (c.pipeline < 0 ? std::string("auto") : std::to_string(c.pipeline));
  e << YAML::Key << "gating" << YAML::Value << to_string(c.gating);
  e << YAML::EndMap;
  e << YAML::Key << "threads" << YAML::Value << c.threads;
  e << YAML::Key << "acc_bits" << YAML::Value << c.acc_bits;
  e << YAML::Key << "nbsmt" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "rounding" << YAML::Value << to_string(c.rounding);
  e << YAML::Key << "zero_skip" << YAML::Value << to_string(c.zero_skip);
  e << YAML::EndMap;
  e << YAML::Key << "synth" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "clock_period_ns" << YAML::Value << shortest(c.clock_period_ns);
  e << YAML::EndMap;
  e << YAML::EndMap;
  std::string text;
  for (size_t pos = 0; pos < header.size();) {  // each line of the header as a comment line
    const size_t eol = std::min(header.find('\n', pos), header.size());
    text += "# " + header.substr(pos, eol - pos) + "\n";
    pos = eol + 1;
  }
  return text + e.c_str() + "\n";
}

std::string config_name(int threads, int rows, int cols, const std::string& variant) {
  return "sysmt_" + std::to_string(threads) + "t_" + std::to_string(rows) + "x" + std::to_string(cols) +
         (variant.empty() ? "" : "_" + variant);
}

Config named_config(int threads, int rows, int cols) {
  Config c;
  c.name = config_name(threads, rows, cols);
  c.rows = rows;
  c.cols = cols;
  c.threads = threads;
  return c;
}

}  // namespace sysmt
