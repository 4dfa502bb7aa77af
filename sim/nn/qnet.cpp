#include "sim/nn/qnet.hpp"

#include <cmath>
#include <sstream>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/output.hpp"

namespace sysmt::nn {

Requant quantize_multiplier(double real) {
  if (!(real > std::ldexp(1.0, -31) && real < std::ldexp(1.0, 30)))
    throw std::invalid_argument(fmt::format("requantization factor {} out of range", real));
  int e = 0;
  const double f = std::frexp(real, &e);  // real = f * 2^e, f in [0.5, 1)
  std::int64_t m = std::llround(f * std::ldexp(1.0, 31));
  int shift = 31 - e;
  if (m == (std::int64_t{1} << 31)) {  // f rounded up to 1
    m >>= 1;
    --shift;
  }
  // Keep shift in 1..62: for factors this small or large the multiplier loses low bits instead.
  while (shift > 62) {
    m = (m + 1) >> 1;
    --shift;
  }
  if (shift < 1) throw std::invalid_argument(fmt::format("requantization factor {} too large", real));
  return Requant{static_cast<std::int32_t>(m), shift};
}

const char* to_string(OpKind k) {
  switch (k) {
    case OpKind::Conv:
      return "conv";
    case OpKind::Rescale:
      return "rescale";
    case OpKind::Add:
      return "add";
    case OpKind::Gap:
      return "gap";
  }
  return "?";
}

int QNet::tensor_index(const std::string& n) const {
  for (std::size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].name == n) return static_cast<int>(i);
  return -1;
}

const QTensor& QNet::tensor(const std::string& n) const {
  const int i = tensor_index(n);
  if (i < 0) throw std::out_of_range("no tensor " + n);
  return tensors[static_cast<std::size_t>(i)];
}

std::vector<int> QNet::gemm_layers() const {
  std::vector<int> v;
  for (std::size_t i = 0; i < layers.size(); ++i)
    if (layers[i].gemm()) v.push_back(static_cast<int>(i));
  return v;
}

void QNet::validate(const std::string& where) const {
  auto fail = [&](const std::string& what) { throw InputError(fmt::format("{}: {}", where, what)); };
  std::vector<bool> defined(tensors.size(), false);
  auto need = [&](const std::string& layer, const std::string& t, TensorKind kind) -> const QTensor& {
    const int i = tensor_index(t);
    if (i < 0) fail(fmt::format("layer {}: input tensor '{}' is not declared", layer, t));
    if (!defined[static_cast<std::size_t>(i)]) fail(fmt::format("layer {}: input tensor '{}' is used before a layer writes it", layer, t));
    const QTensor& q = tensors[static_cast<std::size_t>(i)];
    if (q.kind != kind) fail(fmt::format("layer {}: input tensor '{}' has the wrong kind", layer, t));
    return q;
  };
  auto produce = [&](const std::string& layer, const std::string& t, TensorKind kind) -> const QTensor& {
    const int i = tensor_index(t);
    if (i < 0) fail(fmt::format("layer {}: output tensor '{}' is not declared", layer, t));
    if (defined[static_cast<std::size_t>(i)]) fail(fmt::format("layer {}: tensor '{}' is written twice", layer, t));
    defined[static_cast<std::size_t>(i)] = true;
    const QTensor& q = tensors[static_cast<std::size_t>(i)];
    if (q.kind != kind && layer != "") fail(fmt::format("layer {}: output tensor '{}' has the wrong kind", layer, t));
    return q;
  };
  if (tensor_index(input) < 0) fail(fmt::format("input tensor '{}' is not declared", input));
  produce("", input, TensorKind::Uint8);
  if (tensor(input).kind != TensorKind::Uint8) fail("the input tensor must be uint8");
  for (const QLayer& l : layers) {
    auto nreq = [&](std::size_t n) {
      if (l.mult.size() != n || l.shift.size() != n)
        fail(fmt::format("layer {}: {} multipliers and {} shifts, expected {}", l.name, l.mult.size(), l.shift.size(), n));
      for (std::size_t i = 0; i < n; ++i) {
        if (l.mult[i] < 0) fail(fmt::format("layer {}: negative multiplier", l.name));
        if (l.shift[i] < 1 || l.shift[i] > 62) fail(fmt::format("layer {}: shift {} not in 1..62", l.name, l.shift[i]));
      }
    };
    switch (l.kind) {
      case OpKind::Conv: {
        const QTensor& in = need(l.name, l.in, TensorKind::Uint8);
        const int oi = tensor_index(l.out);
        if (oi < 0) fail(fmt::format("layer {}: output tensor '{}' is not declared", l.name, l.out));
        const QTensor& out = produce(l.name, l.out, tensors[static_cast<std::size_t>(oi)].kind);
        const ConvShape& s = l.shape;
        if (!s.problem().empty()) fail(fmt::format("layer {}: {}", l.name, s.problem()));
        if (in.H != s.H || in.W != s.W || in.C != s.Cin)
          fail(fmt::format("layer {}: input {} is {}x{}x{}, the layer expects {}x{}x{}", l.name, in.name, in.H, in.W, in.C, s.H, s.W,
                           s.Cin));
        if (out.H != s.out_h() || out.W != s.out_w() || out.C != s.Cout)
          fail(fmt::format("layer {}: output {} is {}x{}x{}, the layer makes {}x{}x{}", l.name, out.name, out.H, out.W, out.C, s.out_h(),
                           s.out_w(), s.Cout));
        const int K = s.KH * s.KW * s.Cin;
        if (l.w.rows != K || l.w.cols != s.Cout) fail(fmt::format("layer {}: weights are not {} x {}", l.name, K, s.Cout));
        for (int v : l.w.data)
          if (v < -127 || v > 127) fail(fmt::format("layer {}: weight {} not in -127..127", l.name, v));
        if (l.bias.size() != static_cast<std::size_t>(s.Cout))
          fail(fmt::format("layer {}: {} biases, expected {}", l.name, l.bias.size(), s.Cout));
        nreq(static_cast<std::size_t>(s.Cout));
        break;
      }
      case OpKind::Rescale: {
        const QTensor& in = need(l.name, l.in, TensorKind::Uint8);
        const QTensor& out = produce(l.name, l.out, TensorKind::Int32);
        if (in.H != out.H || in.W != out.W || in.C != out.C) fail(fmt::format("layer {}: input and output shapes differ", l.name));
        nreq(1);
        break;
      }
      case OpKind::Add: {
        const QTensor& a = need(l.name, l.in, TensorKind::Int32);
        const QTensor& b = need(l.name, l.in2, TensorKind::Int32);
        const QTensor& out = produce(l.name, l.out, TensorKind::Uint8);
        if (a.size() != out.size() || b.size() != out.size() || a.C != out.C || b.C != out.C)
          fail(fmt::format("layer {}: input and output shapes differ", l.name));
        break;
      }
      case OpKind::Gap: {
        const QTensor& in = need(l.name, l.in, TensorKind::Uint8);
        const QTensor& out = produce(l.name, l.out, TensorKind::Uint8);
        if (out.H != 1 || out.W != 1 || out.C != in.C) fail(fmt::format("layer {}: output must be 1x1x{}", l.name, in.C));
        nreq(1);
        break;
      }
    }
  }
  const int oi = tensor_index(output);
  if (oi < 0 || !defined[static_cast<std::size_t>(oi)]) fail(fmt::format("output tensor '{}' is not written by any layer", output));
  if (tensors[static_cast<std::size_t>(oi)].kind != TensorKind::Int32) fail("the output tensor must be int32 (logits)");
}

namespace {

template <typename T>
std::string join(const std::vector<T>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += ' ';
    s += std::to_string(v[i]);
  }
  return s;
}

}  // namespace

std::string encode_qnet(const QNet& n) {
  std::string s = "sysmt-qnet 1\n";
  s += "# Integer network for SySMT (docs/accuracy.md, \"Export format\"). Zero points are all 0.\n";
  s += fmt::format("name {}\n", n.name);
  for (const auto& [k, v] : n.info) s += fmt::format("info {} {}\n", k, v);
  s += fmt::format("input {}\noutput {}\n", n.input, n.output);
  for (const QTensor& t : n.tensors)
    s += fmt::format("tensor {} {} {} {} {} {:.17g} 0\n", t.name, t.H, t.W, t.C, t.kind == TensorKind::Uint8 ? "uint8" : "int32", t.scale);
  for (const QLayer& l : n.layers) {
    switch (l.kind) {
      case OpKind::Conv: {
        const ConvShape& c = l.shape;
        s += fmt::format("conv {} {} {} {} {} {} {} {} {} 0\n", l.name, l.in, l.out, c.KH, c.KW, c.Cin, c.Cout, c.stride, c.pad);
        for (int k = 0; k < l.w.rows; ++k) {
          s += "w";
          for (int j = 0; j < l.w.cols; ++j) s += fmt::format(" {}", l.w.at(k, j));
          s += '\n';
        }
        s += "bias " + join(l.bias) + "\n";
        break;
      }
      case OpKind::Rescale:
        s += fmt::format("rescale {} {} {}\n", l.name, l.in, l.out);
        break;
      case OpKind::Add:
        s += fmt::format("add {} {} {} {}\n", l.name, l.in, l.in2, l.out);
        break;
      case OpKind::Gap:
        s += fmt::format("gap {} {} {}\n", l.name, l.in, l.out);
        break;
    }
    if (l.kind != OpKind::Add) s += "mult " + join(l.mult) + "\nshift " + join(l.shift) + "\n";
  }
  s += "end\n";
  return s;
}

namespace {

struct LineReader {
  std::string source;
  std::vector<std::string> lines;
  std::size_t next = 0;  // index of the next line to read
  int lineno = 0;        // 1-based number of the current line
  std::vector<std::string> toks;

  [[noreturn]] void fail(const std::string& what) const { throw InputError(fmt::format("{}:{}: {}", source, lineno, what)); }
  // Next non-blank, non-comment line, split on spaces; false at end of file.
  bool read() {
    while (next < lines.size()) {
      lineno = static_cast<int>(++next);
      const std::string& l = lines[next - 1];
      if (l.empty() || l[0] == '#') continue;
      std::istringstream is(l);
      toks.clear();
      for (std::string t; is >> t;) toks.push_back(t);
      if (!toks.empty()) return true;
    }
    return false;
  }
  void expect(const std::string& key, std::size_t count) {
    if (!read()) throw InputError(fmt::format("{}:{}: file ends where '{}' is expected", source, lineno, key));
    if (toks[0] != key) fail(fmt::format("expected '{}', found '{}'", key, toks[0]));
    if (count != static_cast<std::size_t>(-1) && toks.size() != count + 1)
      fail(fmt::format("'{}' needs {} values, has {}", key, count, toks.size() - 1));
  }
  long long integer(std::size_t i, long long lo, long long hi, const char* what) const {
    const std::string& t = toks[i];
    std::size_t pos = 0;
    long long v = 0;
    try {
      v = std::stoll(t, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos != t.size() || t.empty()) fail(fmt::format("{} '{}' is not an integer", what, t));
    if (v < lo || v > hi) fail(fmt::format("{} {} not in {}..{}", what, v, lo, hi));
    return v;
  }
  double real(std::size_t i, const char* what) const {
    const std::string& t = toks[i];
    std::size_t pos = 0;
    double v = 0;
    try {
      v = std::stod(t, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos != t.size() || !(v > 0) || !std::isfinite(v)) fail(fmt::format("{} '{}' is not a positive number", what, t));
    return v;
  }
};

}  // namespace

QNet parse_qnet(const std::string& text, const std::string& source) {
  LineReader r;
  r.source = source;
  {
    std::istringstream is(text);
    for (std::string l; std::getline(is, l);) {
      if (!l.empty() && l.back() == '\r') l.pop_back();
      r.lines.push_back(l);
    }
  }
  QNet n;
  r.expect("sysmt-qnet", 1);
  if (r.toks[1] != "1") r.fail(fmt::format("format version '{}' (this build reads 1)", r.toks[1]));
  r.expect("name", 1);
  n.name = r.toks[1];
  bool ended = false;
  bool have_in = false, have_out = false;
  while (r.read()) {
    const std::string& key = r.toks[0];
    auto args = [&](std::size_t c) {
      if (r.toks.size() != c + 1) r.fail(fmt::format("'{}' needs {} values, has {}", key, c, r.toks.size() - 1));
    };
    auto read_requant = [&](QLayer& l, std::size_t count) {
      r.expect("mult", count);
      for (std::size_t i = 0; i < count; ++i) l.mult.push_back(static_cast<std::int32_t>(r.integer(i + 1, 0, 2147483647LL, "multiplier")));
      r.expect("shift", count);
      for (std::size_t i = 0; i < count; ++i) l.shift.push_back(static_cast<int>(r.integer(i + 1, 1, 62, "shift")));
    };
    if (key == "end") {
      args(0);
      ended = true;
      break;
    } else if (key == "info") {
      if (r.toks.size() < 3) r.fail("'info' needs a key and a value");
      std::string v = r.toks[2];
      for (std::size_t i = 3; i < r.toks.size(); ++i) v += " " + r.toks[i];
      n.info.emplace_back(r.toks[1], v);
    } else if (key == "input") {
      args(1);
      n.input = r.toks[1];
      have_in = true;
    } else if (key == "output") {
      args(1);
      n.output = r.toks[1];
      have_out = true;
    } else if (key == "tensor") {
      args(7);
      QTensor t;
      t.name = r.toks[1];
      if (n.tensor_index(t.name) >= 0) r.fail(fmt::format("tensor '{}' declared twice", t.name));
      t.H = static_cast<int>(r.integer(2, 1, 4096, "height"));
      t.W = static_cast<int>(r.integer(3, 1, 4096, "width"));
      t.C = static_cast<int>(r.integer(4, 1, 4096, "channels"));
      if (r.toks[5] == "uint8")
        t.kind = TensorKind::Uint8;
      else if (r.toks[5] == "int32")
        t.kind = TensorKind::Int32;
      else
        r.fail(fmt::format("tensor kind '{}' (expected uint8 or int32)", r.toks[5]));
      t.scale = r.real(6, "scale");
      if (r.toks[7] != "0") r.fail(fmt::format("zero point '{}': NB-SMT needs zero point 0 (a zero activation is skipped)", r.toks[7]));
      n.tensors.push_back(t);
    } else if (key == "conv") {
      args(10);
      QLayer l;
      l.kind = OpKind::Conv;
      l.name = r.toks[1];
      l.in = r.toks[2];
      l.out = r.toks[3];
      const int ti = n.tensor_index(l.in);
      if (ti < 0) r.fail(fmt::format("conv {}: input tensor '{}' is not declared above", l.name, l.in));
      ConvShape& c = l.shape;
      c.H = n.tensors[static_cast<std::size_t>(ti)].H;
      c.W = n.tensors[static_cast<std::size_t>(ti)].W;
      c.KH = static_cast<int>(r.integer(4, 1, 15, "kernel height"));
      c.KW = static_cast<int>(r.integer(5, 1, 15, "kernel width"));
      c.Cin = static_cast<int>(r.integer(6, 1, 4096, "input channels"));
      c.Cout = static_cast<int>(r.integer(7, 1, 4096, "output channels"));
      c.stride = static_cast<int>(r.integer(8, 1, 15, "stride"));
      c.pad = static_cast<int>(r.integer(9, 0, 15, "padding"));
      if (r.toks[10] != "0") r.fail(fmt::format("weight zero point '{}': weights are symmetric, zero point 0", r.toks[10]));
      const int K = c.KH * c.KW * c.Cin;
      l.w = IntMatrix(K, c.Cout);
      for (int k = 0; k < K; ++k) {
        r.expect("w", static_cast<std::size_t>(c.Cout));
        for (int j = 0; j < c.Cout; ++j) l.w.at(k, j) = static_cast<int>(r.integer(static_cast<std::size_t>(j) + 1, -127, 127, "weight"));
      }
      r.expect("bias", static_cast<std::size_t>(c.Cout));
      for (int j = 0; j < c.Cout; ++j)
        l.bias.push_back(static_cast<std::int32_t>(r.integer(static_cast<std::size_t>(j) + 1, -2147483648LL, 2147483647LL, "bias")));
      read_requant(l, static_cast<std::size_t>(c.Cout));
      n.layers.push_back(std::move(l));
    } else if (key == "rescale" || key == "gap") {
      args(3);
      QLayer l;
      l.kind = key == "gap" ? OpKind::Gap : OpKind::Rescale;
      l.name = r.toks[1];
      l.in = r.toks[2];
      l.out = r.toks[3];
      read_requant(l, 1);
      n.layers.push_back(std::move(l));
    } else if (key == "add") {
      args(4);
      QLayer l;
      l.kind = OpKind::Add;
      l.name = r.toks[1];
      l.in = r.toks[2];
      l.in2 = r.toks[3];
      l.out = r.toks[4];
      n.layers.push_back(std::move(l));
    } else {
      r.fail(fmt::format("unknown record '{}' (expected info, input, output, tensor, conv, rescale, add, gap or end)", key));
    }
  }
  if (!ended) throw InputError(fmt::format("{}: file ends without 'end' (truncated?)", source));
  if (r.read()) r.fail("text after 'end'");
  if (!have_in || !have_out) throw InputError(fmt::format("{}: 'input' and 'output' lines are required", source));
  n.validate(source);
  return n;
}

QNet load_qnet(const std::filesystem::path& path) { return parse_qnet(read_file(path), path.string()); }

void write_qnet(const std::filesystem::path& path, const QNet& n) { write_file_atomic(path, encode_qnet(n)); }

}  // namespace sysmt::nn
