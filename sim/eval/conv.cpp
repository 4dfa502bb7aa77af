// im2col lowering and the direct convolution reference (see conv.hpp for the layouts).
#include "sim/eval/conv.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace sysmt {

std::string ConvShape::problem() const {
  if (H < 1 || W < 1) return fmt::format("input {}x{} must be at least 1x1", H, W);
  if (KH < 1 || KW < 1) return fmt::format("kernel {}x{} must be at least 1x1", KH, KW);
  if (Cin < 1 || Cout < 1) return fmt::format("channels {} -> {} must be at least 1", Cin, Cout);
  if (stride < 1) return fmt::format("stride {} must be at least 1", stride);
  if (pad < 0) return fmt::format("padding {} must not be negative", pad);
  if (2 * pad > KH || 2 * pad > KW)
    return fmt::format("padding {} is more than half the kernel {}x{} (border outputs would see only padding)", pad, KH, KW);
  if (KH > H + 2 * pad || KW > W + 2 * pad)
    return fmt::format("kernel {}x{} larger than the padded input {}x{}", KH, KW, H + 2 * pad, W + 2 * pad);
  // Every GEMM dimension and the element count of X must fit an int.
  const double K = static_cast<double>(KH) * KW * Cin, M = static_cast<double>(out_h()) * out_w();
  if (K > 1e8 || M > 1e8 || static_cast<double>(Cout) * K > 2e9 || static_cast<double>(H) * W * Cin > 2e9)
    return "layer too large for the evaluation (K, M or a tensor exceeds 2^31 elements)";
  return {};
}

IntMatrix im2col(const ConvShape& s, const Tensor3& in, const std::vector<int>& rows) {
  if (in.H != s.H || in.W != s.W || in.C != s.Cin) throw std::invalid_argument("im2col: tensor does not match the shape");
  const int OW = s.out_w(), M = s.out_h() * OW, K = s.KH * s.KW * s.Cin;
  IntMatrix x(static_cast<int>(rows.size()), K, 0);
  for (size_t i = 0; i < rows.size(); ++i) {
    const int m = rows[i];
    if (m < 0 || m >= M) throw std::invalid_argument("im2col: output pixel out of range");
    const int oy = m / OW, ox = m % OW;
    int* xr = &x.data[i * static_cast<size_t>(K)];
    for (int ky = 0; ky < s.KH; ++ky) {
      const int iy = oy * s.stride - s.pad + ky;
      if (iy < 0 || iy >= s.H) continue;
      for (int kx = 0; kx < s.KW; ++kx) {
        const int ix = ox * s.stride - s.pad + kx;
        if (ix < 0 || ix >= s.W) continue;
        const int* src = &in.data[(static_cast<size_t>(iy) * s.W + ix) * s.Cin];
        int* dst = xr + conv_k(s, ky, kx, 0);
        for (int ci = 0; ci < s.Cin; ++ci) dst[ci] = src[ci];
      }
    }
  }
  return x;
}

IntMatrix im2col(const ConvShape& s, const Tensor3& in) {
  std::vector<int> rows(static_cast<size_t>(s.out_h()) * s.out_w());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int>(i);
  return im2col(s, in, rows);
}

AccMatrix conv_direct(const ConvShape& s, const Tensor3& in, const IntMatrix& w_kn) {
  if (w_kn.rows != s.KH * s.KW * s.Cin || w_kn.cols != s.Cout) throw std::invalid_argument("conv_direct: weights do not match the shape");
  const int OH = s.out_h(), OW = s.out_w();
  AccMatrix out(OH * OW, s.Cout, 0);
  for (int oy = 0; oy < OH; ++oy)
    for (int ox = 0; ox < OW; ++ox)
      for (int co = 0; co < s.Cout; ++co) {
        std::int64_t acc = 0;
        for (int ky = 0; ky < s.KH; ++ky)
          for (int kx = 0; kx < s.KW; ++kx) {
            const int iy = oy * s.stride - s.pad + ky, ix = ox * s.stride - s.pad + kx;
            if (iy < 0 || iy >= s.H || ix < 0 || ix >= s.W) continue;
            for (int ci = 0; ci < s.Cin; ++ci) acc += std::int64_t{in.at(iy, ix, ci)} * w_kn.at((ky * s.KW + kx) * s.Cin + ci, co);
          }
        out.at(oy * OW + ox, co) = acc;
      }
  return out;
}

}  // namespace sysmt
