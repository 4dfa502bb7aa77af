// Golden bit-exact model of NB-SMT arithmetic (shared/spec/nbsmt.md sections 2 to 4). It is the judge
// of the generated RTL, the SystemC models and every figure the project reports; it is written from the
// spec alone.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/config.hpp"

namespace sysmt {

// The arithmetic settings of one array, taken from its Config.
struct Arith {
  int threads = 1;
  Rounding rounding = Rounding::HalfUp;
  ZeroSkip zero_skip = ZeroSkip::Both;
  int acc_bits = 32;

  static Arith from(const Config& c) { return Arith{c.threads, c.rounding, c.zero_skip, c.acc_bits}; }
};

// round(hi, lo) of spec section 3.
int round_nibble(int hi, int lo, Rounding r);
// Ra: unsigned 8-bit activation to one 4-bit nibble at shift 0 or 4.
int reduce_act(int a, Rounding r);
// Rw: signed 8-bit weight to one signed 4-bit nibble at shift 0 or 4.
int reduce_wgt(int w, Rounding r);
// True when the reduction clamps (hi' reached 16 for Ra or 8 for Rw).
bool act_saturates(int a, Rounding r);
bool wgt_saturates(int w, Rounding r);
// True when the reduction rounds a tie (the dropped low nibble is exactly 8, so half_up and half_even
// may differ).
bool act_tie(int a);
bool wgt_tie(int w);

// Two's complement wrap of v to `bits` bits (1..64), sign-extended back to int64.
std::int64_t wrap_to(std::int64_t v, int bits);

// How a PE cycle uses the shared multiplier.
enum class PeMode {
  Exact,    // T = 1 or at most one active thread: the full 8b x 8b product(s)
  Half,     // 2 active threads (T = 2, or T = 4 with n = 2): Ra(a) * w, 4b x 8b each
  Quarter,  // T = 4 with n >= 3: Ra(a) * Rw(w), 4b x 4b each
};
const char* to_string(PeMode m);

bool thread_active(int a, int w, ZeroSkip zs);
PeMode pe_mode(int threads, int n_active);

// One PE cycle: T operand pairs in, the integer the accumulator adds out (before wrap).
struct PeCycle {
  std::int64_t sum = 0;
  int active = 0;
  PeMode mode = PeMode::Exact;
};
PeCycle pe_cycle(const Arith& ar, const int* a, const int* w);

// Dense row-major integer matrix.
template <typename T>
struct Matrix {
  int rows = 0, cols = 0;
  std::vector<T> data;
  Matrix() = default;
  Matrix(int r, int c, T fill = T{}) : rows(r), cols(c), data(static_cast<size_t>(r) * c, fill) {}
  T& at(int r, int c) { return data[static_cast<size_t>(r) * cols + c]; }
  const T& at(int r, int c) const { return data[static_cast<size_t>(r) * cols + c]; }
  bool operator==(const Matrix& o) const { return rows == o.rows && cols == o.cols && data == o.data; }
  bool operator!=(const Matrix& o) const { return !(*this == o); }
};
using IntMatrix = Matrix<int>;
using AccMatrix = Matrix<std::int64_t>;

// Which k feeds thread t of K-group g (spec section 4). Returns -1 for positions past K (zero padding).
enum class Mapping { Interleaved, Blocked };
const char* to_string(Mapping m);
int num_groups(int K, int threads);
int k_of(Mapping m, int g, int t, int threads, int K);

// Statistics over all PE cycles of a GEMM: one PE cycle is one (m, n, K-group) of the real (unpadded)
// output, so there are M * N * G of them.
struct GemmStats {
  int threads = 1;
  std::uint64_t pe_cycles = 0;
  std::array<std::uint64_t, 5> active_hist{};  // cycles with 0..T active threads
  std::uint64_t exact_cycles = 0;              // at most one active thread, or T = 1
  std::uint64_t shared_lossless = 0;           // >= 2 active, every reduced operand already representable
  std::uint64_t shared_lossy = 0;              // >= 2 active, some operand lost precision
  std::uint64_t half_mode_cycles = 0;          // 4b x 8b sharing (exactly 2 active)
  std::uint64_t quarter_mode_cycles = 0;       // 4b x 4b sharing (T = 4, >= 3 active)
  std::uint64_t reduced_operands = 0;          // operands passed through Ra or Rw in shared cycles
  std::uint64_t saturated_reductions = 0;      // of those, the ones clamped at 15 (Ra) or 7 (Rw)
  std::uint64_t rounding_ties = 0;             // of those, the ones whose dropped nibble was exactly 8
};

// Error of the NB-SMT result against the exact integer GEMM (both wrapped at acc_bits).
struct ErrorMetrics {
  std::int64_t max_abs = 0;
  double mean_abs = 0;
  double rel_frobenius = 0;  // ||Y - Yx||_F / ||Yx||_F (0 when Yx is all zero and Y equals it)
  double sqnr_db = 0;        // 10 log10(sum Yx^2 / sum (Y - Yx)^2); +infinity when there is no error
  double frac_differ = 0;    // fraction of outputs that differ
};

struct GemmResult {
  AccMatrix y;
  GemmStats stats;
};

// X: M x K activations (0..255); W: K x N weights (-128..127). Inputs out of range are a programming
// error here (the CSV reader validates user files).
AccMatrix gemm_nbsmt(const Arith& ar, const IntMatrix& x, const IntMatrix& w, Mapping m);
GemmStats gemm_stats(const Arith& ar, const IntMatrix& x, const IntMatrix& w, Mapping m);
GemmResult gemm(const Arith& ar, const IntMatrix& x, const IntMatrix& w, Mapping m);
// Exact integer GEMM wrapped at acc_bits: the conventional OS-SA result.
AccMatrix gemm_exact(const IntMatrix& x, const IntMatrix& w, int acc_bits);
ErrorMetrics compare(const AccMatrix& y, const AccMatrix& exact);

}  // namespace sysmt
