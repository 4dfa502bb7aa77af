// The strict workload-file parser: tokens, the 9 positional fields, key=value options, user tensors.
#include "sim/eval/workload_file.hpp"

#include "sim/eval/scalesim.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/hash.hpp"
#include "sim/golden/matrix_io.hpp"

namespace sysmt {

namespace fs = std::filesystem;

namespace {

struct Token {
  std::string text;
  int col = 1;  // 1-based
};

constexpr const char* kFieldNames[9] = {"name", "H", "W", "KH", "KW", "Cin", "Cout", "stride", "pad"};
constexpr const char* kLineFormat = "NAME H W KH KW CIN COUT STRIDE PAD [act_zero=F] [act_scale=S] [x=FILE] [w=FILE]";

// One non-blank line being parsed: where it is, for messages.
struct Line {
  std::string where;  // "FILE:LINE"
  int length = 0;     // characters before any comment
  // The input's bytes are shown escaped (control bytes, byte order marks), never raw.
  InputError fail(int col, const std::string& msg) const { return InputError(visible(fmt::format("{}:{}: {}", where, col, msg))); }
};

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

// The fields of one line, split at spaces and tabs, after the comment and a trailing CR are removed.
std::vector<Token> tokens_of(std::string& line) {
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
  return toks;
}

// The 9 positional fields (which come first, before any key=value option): name and shape.
Layer parse_fields(const std::vector<Token>& toks, const Line& ln, std::map<std::string, std::string>& seen) {
  size_t npos = 0;
  while (npos < toks.size() && toks[npos].text.find('=') == std::string::npos) ++npos;
  if (npos < 9)
    throw ln.fail(npos < toks.size() ? toks[npos].col : ln.length + 1,
                  fmt::format("expected 9 fields ({}), found {} before {}", kLineFormat, npos,
                              npos < toks.size() ? "option '" + toks[npos].text + "'" : "the end of the line"));
  if (npos > 9)
    throw ln.fail(toks[9].col,
                  fmt::format("unexpected field 10 '{}': a line has 9 fields ({}); options are key=value", toks[9].text, kLineFormat));
  Layer l;
  l.where = ln.where;
  l.name = toks[0].text;
  if (!valid_name(l.name))
    throw ln.fail(toks[0].col, fmt::format("field 'name': '{}' is not a layer name (1 to 64 of A-Z a-z 0-9 _ . -)", l.name));
  if (auto it = seen.find(l.name); it != seen.end())
    throw ln.fail(toks[0].col, fmt::format("field 'name': layer '{}' is already defined at {}", l.name, it->second));
  seen[l.name] = ln.where;
  int v[9] = {};
  for (int f = 1; f < 9; ++f) {
    const Token& t = toks[f];
    long long x = 0;
    if (!parse_int(t.text, x)) throw ln.fail(t.col, fmt::format("field '{}': expected an integer, found '{}'", kFieldNames[f], t.text));
    const long long lo = f == 8 ? 0 : 1, hi = f == 8 ? 1024 : (f <= 2 ? 65536 : f <= 4 ? 1024 : f <= 6 ? 1 << 20 : 1024);
    if (x < lo)
      throw ln.fail(
          t.col, fmt::format("field '{}': {} must be {}, found {}", kFieldNames[f], kFieldNames[f], lo == 0 ? "0 or more" : "positive", x));
    if (x > hi) throw ln.fail(t.col, fmt::format("field '{}': {} is out of range ({}..{})", kFieldNames[f], x, lo, hi));
    v[f] = static_cast<int>(x);
  }
  l.shape = ConvShape{v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]};
  if (std::string p = l.shape.problem(); !p.empty()) throw ln.fail(toks[1].col, fmt::format("layer '{}': {}", l.name, p));
  return l;
}

// One key=value option after the positional fields.
void parse_option(const Token& t, Layer& l, const fs::path& base_dir, const Line& ln) {
  const size_t eq = t.text.find('=');
  const std::string key = t.text.substr(0, eq), val = t.text.substr(eq + 1);
  auto dup = [&](bool present) {
    if (present) throw ln.fail(t.col, fmt::format("option '{}' given twice", key));
  };
  double d = 0;
  if (key == "act_zero") {
    dup(l.act_zero.has_value());
    if (!parse_double(val, d) || d < 0 || d > 1)
      throw ln.fail(t.col, fmt::format("option 'act_zero': expected a fraction 0..1, found '{}'", val));
    l.act_zero = d;
  } else if (key == "act_scale") {
    dup(l.act_scale.has_value());
    if (!parse_double(val, d) || d <= 0 || d > 1e4)
      throw ln.fail(t.col, fmt::format("option 'act_scale': expected a number of LSBs in (0, 10000], found '{}'", val));
    l.act_scale = d;
  } else if (key == "x" || key == "w") {
    dup(!(key == "x" ? l.x_file : l.w_file).empty());
    if (val.empty()) throw ln.fail(t.col, fmt::format("option '{}': empty file name", key));
    fs::path p(val);
    if (p.is_relative()) p = base_dir / p;
    (key == "x" ? l.x_file : l.w_file) = p.lexically_normal().string();
  } else {
    throw ln.fail(t.col, fmt::format("unknown option '{}' (known: act_zero, act_scale, x, w)", key));
  }
}

// Reads the layer's x= and w= tensors and checks their shapes against the layer's.
void load_user_tensors(Layer& l) {
  const ConvShape& s = l.shape;
  if (!l.x_file.empty()) {
    IntMatrix m = read_matrix_csv(l.x_file, 0, 255, "activation");
    if (m.rows != s.H * s.W || m.cols != s.Cin)
      throw InputError(
          fmt::format("{}: layer '{}' (x= at {}) needs the input activations as H*W = {} rows (row y*W+x) "
                      "x Cin = {} columns, found {} x {}",
                      l.x_file, l.name, l.where, s.H * s.W, s.Cin, m.rows, m.cols));
    Tensor3 x(s.H, s.W, s.Cin);
    x.data = std::move(m.data);
    l.x = std::move(x);
  }
  if (!l.w_file.empty()) {
    IntMatrix m = read_matrix_csv(l.w_file, -128, 127, "weight");
    const int K = s.KH * s.KW * s.Cin;
    if (m.rows != K || m.cols != s.Cout)
      throw InputError(
          fmt::format("{}: layer '{}' (w= at {}) needs the weights as KH*KW*Cin = {} rows (row "
                      "(ky*KW+kx)*Cin+ci) x Cout = {} columns, found {} x {}",
                      l.w_file, l.name, l.where, K, s.Cout, m.rows, m.cols));
    l.w = std::move(m);
  }
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
    const std::vector<Token> toks = tokens_of(line);
    if (toks.empty()) continue;
    const Line ln{fmt::format("{}:{}", source, lineno), static_cast<int>(line.size())};
    Layer l = parse_fields(toks, ln, seen);
    for (size_t i = 9; i < toks.size(); ++i) parse_option(toks[i], l, base_dir, ln);
    load_user_tensors(l);
    wl.layers.push_back(std::move(l));
  }
  if (wl.layers.empty()) throw InputError(source + ": no layers (expected lines of the form " + kLineFormat + ")");
  return wl;
}

Workload load_workload(const std::string& path) {
  const std::string text = strip_bom(read_file(path));  // a leading byte order mark is skipped, as in every reader
  // SCALE-Sim topologies (sim/eval/scalesim.hpp), by extension or by their header.
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".csv" || looks_like_scalesim(text)) return parse_scalesim(text, path);
  return parse_workload(text, path, fs::path(path).parent_path());
}

std::vector<GemmShape> gemm_shapes(const Workload& wl) {
  std::vector<GemmShape> v;
  for (const Layer& l : wl.layers) v.push_back(l.shape.gemm());
  return v;
}

}  // namespace sysmt
