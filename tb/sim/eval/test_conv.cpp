// im2col lowering (sim/conv) against an independent direct convolution with PyTorch-layout (OIHW)
// weights, over kernels 1..5, strides 1..3, every legal padding, odd sizes, 1 channel and many; plus
// one lowering written out by hand to pin the tap-major, channel-minor K order.
#include <gtest/gtest.h>

#include <random>

#include "sim/eval/conv.hpp"

namespace sysmt {
namespace {

// Reference written from the definition of a convolution, not from conv.hpp's index helpers:
// out[co][oy][ox] = sum over ci, ky, kx of in[ci][iy][ix] * w[co][ci][ky][kx], with zero padding.
struct Ref {
  int H, W, KH, KW, Cin, Cout, S, P;
  std::vector<int> in_chw, w_oihw;
  long long out(int co, int oy, int ox) const {
    long long acc = 0;
    for (int ci = 0; ci < Cin; ++ci)
      for (int ky = 0; ky < KH; ++ky)
        for (int kx = 0; kx < KW; ++kx) {
          int iy = oy * S + ky - P, ix = ox * S + kx - P;
          if (iy < 0 || ix < 0 || iy >= H || ix >= W) continue;
          acc += static_cast<long long>(in_chw[(ci * H + iy) * W + ix]) * w_oihw[((co * Cin + ci) * KH + ky) * KW + kx];
        }
    return acc;
  }
};

TEST(Conv, Im2colGemmEqualsDirectConvolution) {
  std::mt19937 rng(12345);
  int cases = 0;
  for (int K = 1; K <= 5; ++K)
    for (int S = 1; S <= 3; ++S)
      for (int P = 0; 2 * P <= K; ++P)
        for (int variant = 0; variant < 3; ++variant) {
          Ref r;
          r.KH = K;
          r.KW = variant == 2 && K > 1 ? K - 1 : K;  // some non-square kernels
          if (2 * P > r.KW) continue;
          r.H = K + static_cast<int>(rng() % 6);
          r.W = K + static_cast<int>(rng() % 7);
          r.Cin = variant == 0 ? 1 : 1 + static_cast<int>(rng() % 5);
          r.Cout = 1 + static_cast<int>(rng() % 4);
          r.S = S;
          r.P = P;
          r.in_chw.resize(static_cast<size_t>(r.Cin) * r.H * r.W);
          r.w_oihw.resize(static_cast<size_t>(r.Cout) * r.Cin * r.KH * r.KW);
          for (int& v : r.in_chw) v = static_cast<int>(rng() % 256);
          for (int& v : r.w_oihw) v = static_cast<int>(rng() % 256) - 128;

          ConvShape s{r.H, r.W, r.KH, r.KW, r.Cin, r.Cout, r.S, r.P};
          ASSERT_EQ(s.problem(), "");
          const int OH = (r.H + 2 * P - r.KH) / S + 1, OW = (r.W + 2 * P - r.KW) / S + 1;
          ASSERT_EQ(s.out_h(), OH);
          ASSERT_EQ(s.out_w(), OW);
          Tensor3 in(r.H, r.W, r.Cin);
          for (int c = 0; c < r.Cin; ++c)
            for (int y = 0; y < r.H; ++y)
              for (int x = 0; x < r.W; ++x) in.at(y, x, c) = r.in_chw[(c * r.H + y) * r.W + x];
          // W (K x N) with k = (ky * KW + kx) * Cin + ci, written here from the documented order.
          IntMatrix w(r.KH * r.KW * r.Cin, r.Cout);
          for (int co = 0; co < r.Cout; ++co)
            for (int ci = 0; ci < r.Cin; ++ci)
              for (int ky = 0; ky < r.KH; ++ky)
                for (int kx = 0; kx < r.KW; ++kx)
                  w.at((ky * r.KW + kx) * r.Cin + ci, co) = r.w_oihw[((co * r.Cin + ci) * r.KH + ky) * r.KW + kx];
          const IntMatrix x = im2col(s, in);
          ASSERT_EQ(x.rows, OH * OW);
          ASSERT_EQ(x.cols, r.KH * r.KW * r.Cin);
          const AccMatrix y = gemm_exact(x, w, 64);
          const AccMatrix d = conv_direct(s, in, w);
          for (int oy = 0; oy < OH; ++oy)
            for (int ox = 0; ox < OW; ++ox)
              for (int co = 0; co < r.Cout; ++co) {
                ASSERT_EQ(y.at(oy * OW + ox, co), r.out(co, oy, ox)) << "K" << r.KH << "x" << r.KW << " S" << S << " P" << P << " H" << r.H
                                                                     << " W" << r.W << " at " << oy << "," << ox << "," << co;
                ASSERT_EQ(d.at(oy * OW + ox, co), r.out(co, oy, ox));
              }
          // A sampled lowering is the same rows of the full one.
          std::vector<int> rows = {OH * OW - 1, 0};
          const IntMatrix xs = im2col(s, in, rows);
          for (int k = 0; k < x.cols; ++k) {
            ASSERT_EQ(xs.at(0, k), x.at(OH * OW - 1, k));
            ASSERT_EQ(xs.at(1, k), x.at(0, k));
          }
          ++cases;
        }
  EXPECT_GT(cases, 80);
}

TEST(Conv, KOrderIsTapMajorChannelMinorByHand) {
  // 2x2 input, 2 channels, 2x2 kernel, pad 1, stride 1 -> 3x3 outputs. Input value = 10 * (pixel + 1) + channel.
  ConvShape s{2, 2, 2, 2, 2, 1, 1, 1};
  Tensor3 in(2, 2, 2);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 2; ++x)
      for (int c = 0; c < 2; ++c) in.at(y, x, c) = 10 * (y * 2 + x + 1) + c;
  const IntMatrix xm = im2col(s, in);
  ASSERT_EQ(xm.rows, 9);
  ASSERT_EQ(xm.cols, 8);
  // Output (0,0) sees taps (ky,kx) = (0,0) (-1,-1) pad, (0,1) (-1,0) pad, (1,0) (0,-1) pad, (1,1) pixel (0,0).
  const std::vector<int> row0 = {0, 0, 0, 0, 0, 0, 10, 11};
  // Output (1,1) (m = 4) sees pixels (0,0), (0,1), (1,0), (1,1) at taps 0..3.
  const std::vector<int> row4 = {10, 11, 20, 21, 30, 31, 40, 41};
  // Output (2,1) (m = 7) sees (1,0) at tap 0, (1,1) at tap 1, padding below.
  const std::vector<int> row7 = {30, 31, 40, 41, 0, 0, 0, 0};
  for (int k = 0; k < 8; ++k) {
    EXPECT_EQ(xm.at(0, k), row0[k]) << k;
    EXPECT_EQ(xm.at(4, k), row4[k]) << k;
    EXPECT_EQ(xm.at(7, k), row7[k]) << k;
  }
  EXPECT_EQ(conv_k(s, 1, 0, 1), 5);
}

TEST(Conv, ShapeProblems) {
  EXPECT_NE(ConvShape({3, 3, 5, 5, 1, 1, 1, 0}).problem(), "");  // kernel larger than the input
  EXPECT_EQ(ConvShape({3, 3, 5, 5, 1, 1, 1, 1}).problem(), "");  // padding makes it fit
  EXPECT_NE(ConvShape({8, 8, 3, 3, 1, 1, 1, 2}).problem(), "");  // pad more than half the kernel
  EXPECT_NE(ConvShape({8, 8, 3, 3, 1, 1, 0, 1}).problem(), "");  // stride 0
  EXPECT_NE(ConvShape({8, 8, 3, 3, 0, 1, 1, 1}).problem(), "");  // no channels
  // Fully connected as 1x1 on 1x1: M = 1.
  ConvShape fc{1, 1, 1, 1, 512, 1000, 1, 0};
  EXPECT_EQ(fc.problem(), "");
  EXPECT_EQ(fc.gemm().M, 1);
  EXPECT_EQ(fc.gemm().K, 512);
  EXPECT_EQ(fc.gemm().N, 1000);
}

}  // namespace
}  // namespace sysmt
