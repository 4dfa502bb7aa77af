// State the generated array must hold, from the config and docs/architecture.md ("State"), not from the
// generator: the RTL quality test (tb/gen) checks the generator's flip-flops against it and the synthesis
// test (tb/synth) the netlist's.
#pragma once

#include <algorithm>

#include "common/config.hpp"

namespace sysmt::test {

// Per PE the operand registers (2 x 8T), the last flag, the accumulator and the shadow, plus the NB-SMT
// state (T = 2: a non-zero flag per thread and operand, or per thread with zero_skip act; T = 4: the
// registered operands of the four 4x4 sub-multipliers, their 2-bit shift codes and the mode bit) and with P = 1 the delayed last flag and,
// when the accumulator is wider than the product sum (16, 17, 18 bits for T = 1, 2, 4), the carry and sign of the low part; with P = 2 also
// the product register (min(product, acc) bits) and its last flag; the input skew (row r: r stages of 8T activation bits + last flag;
// column c: c stages of 8T weight bits); the in_ready countdown (ceil(log2 D) bits when D = max(rows, cols) > 1); the drain (row_done per
// row, with P >= 1 P more bits per row, out_valid, out_last, out_data).
inline long long state_bits(const Config& c) {
  const long long R = c.rows, C = c.cols, T = c.threads, A = c.acc_bits, D = std::max(R, C);
  const long long P = c.pipeline_stages(), product = T == 1 ? 16 : T == 2 ? 17 : 18;
  long long wait_bits = 0;
  while ((1LL << wait_bits) < D) ++wait_bits;
  long long pe = 8 * T + 8 * T + 1 + A + A;
  if (T == 2) pe += c.zero_skip == ZeroSkip::Both ? 4 : 2;
  if (T == 4) pe += 4 * 4 + 4 * 4 + 4 * 2 + 1;  // four sub-multipliers' x, y (4 bits each), shift codes (2 bits each), the mode bit
  if (P >= 1) pe += 1 + (A > product ? 2 : 0);
  if (P == 2) pe += std::min(product, A) + 1;  // the product register (the bits the accumulator keeps) and its last flag
  // T = 4 with P = 2 keeps the product as two vectors, and a 3-bit carry k for the high part instead of
  // a carry and a sign bit (accumulators of 19 and 20 bits keep the plain product register).
  if (T == 4 && P == 2 && (A <= product || A >= product + 3)) pe += std::min(product, A) + (A > product ? 1 : 0);
  // Gated clocks: one enable flip-flop for the accumulator's clock and one for the shadow's; T = 4 with
  // P = 2 also registers whether the product register's operands had an active thread.
  if (c.gating == Gating::Clock) pe += 2 + (T == 4 && P == 2 ? 1 : 0);
  return R * C * pe + R * (R - 1) / 2 * (8 * T + 1) + C * (C - 1) / 2 * (8 * T) + wait_bits + R * (1 + P) + 2 + C * A;
}

}  // namespace sysmt::test
