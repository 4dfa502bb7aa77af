// A hand-made five-layer integer network (conv, rescale, 1x1 conv, add, gap, FC) on one 2x2 image, with
// every intermediate value worked out by hand in the tests that use it.
#pragma once

#include "sim/nn/idx.hpp"
#include "sim/nn/qnet.hpp"

namespace sysmt::nn::test {

inline QTensor tensor(const std::string& n, int H, int W, int C, TensorKind k) {
  QTensor t;
  t.name = n;
  t.H = H;
  t.W = W;
  t.C = C;
  t.kind = k;
  t.scale = 0.25;
  return t;
}

inline QLayer conv(const std::string& name, const std::string& in, const std::string& out, ConvShape s, IntMatrix w,
                   std::vector<std::int32_t> bias, std::int32_t mult, int shift) {
  QLayer l;
  l.kind = OpKind::Conv;
  l.name = name;
  l.in = in;
  l.out = out;
  l.shape = s;
  l.w = std::move(w);
  l.bias = std::move(bias);
  l.mult.assign(l.bias.size(), mult);
  l.shift.assign(l.bias.size(), shift);
  return l;
}

inline IntMatrix mat(int r, int c, std::vector<int> v) {
  IntMatrix m(r, c);
  m.data = std::move(v);
  return m;
}

constexpr std::int32_t kHalf = 1 << 30;  // with shift 31: x 0.5; with shift 30: x 1

inline QNet tiny_net() {
  QNet n;
  n.name = "tiny";
  n.input = "input";
  n.output = "logits";
  n.tensors = {tensor("input", 2, 2, 1, TensorKind::Uint8), tensor("c", 1, 1, 2, TensorKind::Uint8),
               tensor("r", 1, 1, 2, TensorKind::Int32),     tensor("p", 1, 1, 2, TensorKind::Int32),
               tensor("a", 1, 1, 2, TensorKind::Uint8),     tensor("g", 1, 1, 2, TensorKind::Uint8),
               tensor("logits", 1, 1, 3, TensorKind::Int32)};
  // c: 2x2 kernel, column 0 = (1, 2, 3, 4), column 1 = all -1; x 0.5.
  n.layers.push_back(
      conv("c", "input", "c", ConvShape{2, 2, 2, 2, 1, 2, 1, 0}, mat(4, 2, {1, -1, 2, -1, 3, -1, 4, -1}), {10, 5}, kHalf, 31));
  QLayer r;
  r.kind = OpKind::Rescale;
  r.name = "r";
  r.in = "c";
  r.out = "r";
  r.mult = {1610612736};  // 0.75 * 2^31
  r.shift = {31};
  n.layers.push_back(r);
  n.layers.push_back(conv("p", "c", "p", ConvShape{1, 1, 1, 1, 2, 2, 1, 0}, mat(2, 2, {2, -3, 5, 7}), {-300, 0}, kHalf, 30));
  QLayer a;
  a.kind = OpKind::Add;
  a.name = "a";
  a.in = "p";
  a.in2 = "r";
  a.out = "a";
  n.layers.push_back(a);
  QLayer g;
  g.kind = OpKind::Gap;
  g.name = "g";
  g.in = "a";
  g.out = "g";
  g.mult = {kHalf};
  g.shift = {31};
  n.layers.push_back(g);
  n.layers.push_back(conv("fc", "g", "logits", ConvShape{1, 1, 1, 1, 2, 3, 1, 0}, mat(2, 3, {1, -1, 2, 0, 0, 0}), {0, 100, -1}, kHalf, 30));
  return n;
}

// The image (10, 20, 30, 40) in HWC order.
inline Dataset tiny_data() {
  Dataset d;
  d.count = 1;
  d.rows = 2;
  d.cols = 2;
  d.images = {10, 20, 30, 40};
  d.labels = {2};
  return d;
}

}  // namespace sysmt::nn::test
