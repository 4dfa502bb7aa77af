// Convolution as a GEMM (im2col) for the workload evaluation, plus the direct convolution that checks
// it. Tensors are channel-minor (HWC); the lowering fixes the order in which K reaches the array.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/cycle/cycle_model.hpp"
#include "sim/golden/nbsmt.hpp"

namespace sysmt {

// One 2-D convolution layer (no groups, no dilation). A fully connected layer is a 1x1 convolution on a
// 1x1 input with Cin inputs and Cout outputs.
struct ConvShape {
  int H = 1, W = 1;    // input height and width
  int KH = 1, KW = 1;  // kernel height and width
  int Cin = 1, Cout = 1;
  int stride = 1, pad = 0;  // the same in both dimensions; zero padding

  int out_h() const { return (H + 2 * pad - KH) / stride + 1; }
  int out_w() const { return (W + 2 * pad - KW) / stride + 1; }
  // The lowered GEMM: M = output pixels (oy * OW + ox), K = KH * KW * Cin, N = Cout.
  GemmShape gemm() const { return GemmShape{out_h() * out_w(), KH * KW * Cin, Cout}; }
  std::uint64_t macs() const {
    const GemmShape g = gemm();
    return static_cast<std::uint64_t>(g.M) * static_cast<std::uint64_t>(g.K) * static_cast<std::uint64_t>(g.N);
  }
  // Empty when the shape is valid, else what is wrong ("kernel 5x5 larger than padded input 3x3").
  std::string problem() const;
};

// Activation tensor, H x W x C, channel fastest: index (y * W + x) * C + c. Values 0..255.
struct Tensor3 {
  int H = 0, W = 0, C = 0;
  std::vector<int> data;
  Tensor3() = default;
  Tensor3(int h, int w, int c, int fill = 0) : H(h), W(w), C(c), data(static_cast<size_t>(h) * w * c, fill) {}
  int& at(int y, int x, int c) { return data[(static_cast<size_t>(y) * W + x) * C + c]; }
  int at(int y, int x, int c) const { return data[(static_cast<size_t>(y) * W + x) * C + c]; }
};

// K index of input channel ci at kernel tap (ky, kx): tap-major, channel-minor, so consecutive k are
// neighbouring input channels at one tap (the layout of HWC tensors and of most int8 accelerators).
inline int conv_k(const ConvShape& s, int ky, int kx, int ci) { return (ky * s.KW + kx) * s.Cin + ci; }

// im2col: X (rows.size() x K), row i holds the receptive field of output pixel rows[i] (oy * OW + ox);
// taps that fall in the padding are 0. Pass every pixel 0..M-1 for the full lowering.
IntMatrix im2col(const ConvShape& s, const Tensor3& in, const std::vector<int>& rows);
IntMatrix im2col(const ConvShape& s, const Tensor3& in);

// Weights as the GEMM's W (K x N): w[k][co] with k = conv_k(s, ky, kx, ci).
// Direct convolution with weights given in that same K x N layout (the lowering's reference):
// out[(oy * OW + ox)][co], exact, as int64.
AccMatrix conv_direct(const ConvShape& s, const Tensor3& in, const IntMatrix& w_kn);

}  // namespace sysmt
