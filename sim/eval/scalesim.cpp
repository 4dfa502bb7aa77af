// Strict reader of SCALE-Sim convolution topologies (sim/eval/scalesim.hpp). Layer shapes come out as
// SCALE-Sim counts them: output = ceil((IFMAP - filter) / stride) + 1, no padding.
#include "sim/eval/scalesim.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <vector>

#include "common/error.hpp"
#include "common/hash.hpp"

namespace sysmt {

namespace {

struct Cell {
  std::string text;  // trimmed
  int col = 1;       // 1-based column of the cell's first character
};

std::vector<Cell> split_csv_line(const std::string& line) {
  std::vector<Cell> cells;
  size_t start = 0;
  for (;;) {
    const size_t comma = line.find(',', start);
    const std::string raw = line.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const size_t b = raw.find_first_not_of(" \t"), e = raw.find_last_not_of(" \t");
    Cell c;
    c.col = static_cast<int>(start + (b == std::string::npos ? 0 : b)) + 1;
    c.text = b == std::string::npos ? std::string() : raw.substr(b, e - b + 1);
    cells.push_back(c);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return cells;
}

std::string squash(const std::string& s) {
  std::string o;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) o += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

bool valid_name(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> v;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    v.push_back(line);
    pos = eol + 1;
  }
  return v;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t") == std::string::npos; }

}  // namespace

bool looks_like_scalesim(const std::string& text) {
  for (const std::string& line : lines_of(text)) {
    if (blank(line)) continue;
    const auto cells = split_csv_line(line);
    return cells.size() > 1 && squash(cells[0].text) == squash(kScaleSimColumns[0]);
  }
  return false;
}

Workload parse_scalesim(const std::string& text, const std::string& source) {
  Workload wl;
  wl.source = source;
  wl.name = std::filesystem::path(source).stem().string();
  wl.hash = hex64(fnv1a64(text));
  const std::vector<std::string> lines = lines_of(text);
  auto fail = [&](size_t line, int col, const std::string& msg) {
    return InputError(fmt::format("{}:{}:{}: {}", source, line + 1, col, msg));
  };
  size_t i = 0;
  while (i < lines.size() && blank(lines[i])) ++i;
  if (i == lines.size()) throw InputError(source + ": empty file (expected a SCALE-Sim topology header: Layer name, IFMAP Height, ...)");
  const std::vector<Cell> header = split_csv_line(lines[i]);
  if (header.size() >= 4 && squash(header[1].text) == "m" && squash(header[2].text) == "n" && squash(header[3].text) == "k")
    throw fail(i, header[1].col,
               "a SCALE-Sim GEMM topology (M, N, K): only convolution topologies are read; write each GEMM as a "
               "1x1 convolution (IFMAP 1 x M, filter 1 x 1, channels K, filters N)");
  for (int c = 0; c < 8; ++c) {
    if (c >= static_cast<int>(header.size()))
      throw fail(i, static_cast<int>(lines[i].size()) + 1, fmt::format("header: missing column {} '{}'", c + 1, kScaleSimColumns[c]));
    if (squash(header[c].text) != squash(kScaleSimColumns[c]))
      throw fail(i, header[c].col, fmt::format("header column {}: expected '{}', found '{}'", c + 1, kScaleSimColumns[c], header[c].text));
  }
  // Named columns after the eighth (SCALE-Sim's own notes such as Eh, Ew) may hold anything; a trailing
  // empty header cell (the files end lines with a comma) names nothing.
  size_t named = header.size();
  while (named > 8 && header[named - 1].text.empty()) --named;

  std::map<std::string, size_t> seen;
  for (++i; i < lines.size(); ++i) {
    if (blank(lines[i])) continue;
    const std::vector<Cell> cells = split_csv_line(lines[i]);
    if (std::all_of(cells.begin(), cells.end(), [](const Cell& c) { return c.text.empty(); })) continue;  // ",,,,,,,"
    for (size_t c = std::max<size_t>(named, 8); c < cells.size(); ++c)
      if (!cells[c].text.empty())
        throw fail(i, cells[c].col, fmt::format("cell {} '{}' is past the header's columns", c + 1, cells[c].text));
    if (cells.size() < 8)
      throw fail(i, static_cast<int>(lines[i].size()) + 1,
                 fmt::format("expected 8 cells ({}, ...), found {}", kScaleSimColumns[0], cells.size()));
    Layer l;
    l.name = cells[0].text;
    l.where = fmt::format("{}:{}", source, i + 1);
    if (!valid_name(l.name))
      throw fail(i, cells[0].col,
                 fmt::format("column '{}': '{}' is not a layer name (1 to 64 of A-Z a-z 0-9 _ . -)", kScaleSimColumns[0], l.name));
    // SCALE-Sim runs a layer whose name contains "DP" as a depthwise convolution (one 1-channel layer per
    // channel); our layers are dense convolutions, so such a row would silently mean something else.
    if (l.name.find("DP") != std::string::npos)
      throw fail(i, cells[0].col,
                 fmt::format("layer '{}': SCALE-Sim reads a name containing 'DP' as a depthwise convolution, which "
                             "SySMT workloads do not model; rename the layer if it is a dense convolution",
                             l.name));
    if (auto it = seen.find(l.name); it != seen.end())
      throw fail(i, cells[0].col, fmt::format("layer '{}' is already defined on line {}", l.name, it->second + 1));
    seen[l.name] = i;
    int v[8] = {};
    for (int c = 1; c < 8; ++c) {
      const Cell& cell = cells[c];
      const std::string& s = cell.text;
      const long hi = c <= 2 ? 65536 : c <= 4 ? 1024 : c <= 6 ? (1 << 20) : 1024;
      if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
        throw fail(i, cell.col, fmt::format("column '{}': expected a positive integer, found '{}'", kScaleSimColumns[c], s));
      const long x = std::stol(s);
      if (x < 1 || x > hi) throw fail(i, cell.col, fmt::format("column '{}': {} is out of range 1..{}", kScaleSimColumns[c], x, hi));
      v[c] = static_cast<int>(x);
    }
    if (v[3] > v[1] || v[4] > v[2])
      throw fail(i, cells[3].col, fmt::format("layer '{}': filter {}x{} larger than the IFMAP {}x{}", l.name, v[3], v[4], v[1], v[2]));
    // SCALE-Sim rounds the output count up: when the stride does not divide IFMAP - filter, its last window
    // reaches past the input. Our convolution rounds down, so the input is extended by that overhang
    // (synthetic data there) to give SCALE-Sim's output size and MAC count.
    auto overhang = [&](int in, int k) { return (in - k) % v[7] == 0 ? 0 : v[7] - (in - k) % v[7]; };
    l.shape = ConvShape{v[1] + overhang(v[1], v[3]), v[2] + overhang(v[2], v[4]), v[3], v[4], v[5], v[6], v[7], 0};
    if (std::string p = l.shape.problem(); !p.empty()) throw fail(i, cells[1].col, fmt::format("layer '{}': {}", l.name, p));
    wl.layers.push_back(std::move(l));
  }
  if (wl.layers.empty()) throw InputError(source + ": a SCALE-Sim header but no layers");
  return wl;
}

}  // namespace sysmt
