// The integer network (docs/accuracy.md, "Integer network" and "Export format"): a list of integer
// operations on named tensors, every tensor HWC with zero point 0, exactly what a program needs to
// reproduce every prediction bit for bit.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/eval/conv.hpp"
#include "sim/golden/nbsmt.hpp"

namespace sysmt::nn {

// Requantization in integers: floor((acc * mult + 2^(shift - 1)) / 2^shift), in 64-bit arithmetic
// (round half up). |acc| < 2^31 and 0 <= mult < 2^31 keep the product inside int64.
inline std::int64_t requantize(std::int64_t acc, std::int32_t mult, int shift) {
  const std::int64_t p = acc * static_cast<std::int64_t>(mult) + (std::int64_t{1} << (shift - 1));
  return p >> shift;  // arithmetic shift: floor (C++20 defines it; GCC and Clang do so in C++17)
}
inline std::int64_t clamp_u8(std::int64_t v) { return v < 0 ? 0 : v > 255 ? 255 : v; }

struct Requant {
  std::int32_t mult = 1 << 30;
  int shift = 30;
};
// The multiplier of a positive real factor: mult in [2^30, 2^31), shift in 1..62, mult * 2^-shift as
// close to `real` as 31 bits allow. Throws std::invalid_argument when real is not in (2^-31, 2^30).
Requant quantize_multiplier(double real);

enum class TensorKind { Uint8, Int32 };
struct QTensor {
  std::string name;
  int H = 1, W = 1, C = 1;
  TensorKind kind = TensorKind::Uint8;
  double scale = 1;  // real value = scale * integer (zero point 0); documentation only, never used by the integer ops
  std::size_t size() const { return static_cast<std::size_t>(H) * W * C; }
};

// conv:    out[m][n] = R(sum_k x[m][k] * w[k][n] + bias[n], mult[n], shift[n]), clamped to 0..255 when the
//          output is uint8 (that clamp is the ReLU). X is the im2col of the input (conv.hpp: k = (ky*KW+kx)*Cin+ci).
// rescale: out[i] = R(in[i], mult[0], shift[0]) (int32 output; the identity shortcut of a residual block)
// add:     out[i] = clamp(in[i] + in2[i], 0, 255) (two int32 tensors already at the output's scale; uint8 out)
// gap:     out[c] = clamp(R(sum over pixels of in[.][c], mult[0], shift[0]), 0, 255) (global average pool)
enum class OpKind { Conv, Rescale, Add, Gap };
const char* to_string(OpKind k);

struct QLayer {
  OpKind kind = OpKind::Conv;
  std::string name, in, in2, out;
  ConvShape shape;                 // conv only
  IntMatrix w;                     // conv only: K x N, -127..127
  std::vector<std::int32_t> bias;  // conv only: N
  std::vector<std::int32_t> mult;  // conv: N; rescale and gap: 1
  std::vector<int> shift;          // same size as mult
  bool gemm() const { return kind == OpKind::Conv; }
};

struct QNet {
  std::string name;
  std::string input = "input", output;  // input: uint8 image; output: the int32 logits (argmax, lowest index wins ties)
  std::vector<QTensor> tensors;
  std::vector<QLayer> layers;
  // Informational lines carried through the file (training figures, calibration), "key value".
  std::vector<std::pair<std::string, std::string>> info;

  const QTensor& tensor(const std::string& name) const;
  int tensor_index(const std::string& name) const;  // -1 when absent
  std::vector<int> gemm_layers() const;             // indices of the conv layers, in order
  // Checks shapes and references; throws InputError prefixed by `where`.
  void validate(const std::string& where) const;
};

std::string encode_qnet(const QNet& n);
QNet parse_qnet(const std::string& text, const std::string& source);
QNet load_qnet(const std::filesystem::path& path);
void write_qnet(const std::filesystem::path& path, const QNet& n);

}  // namespace sysmt::nn
