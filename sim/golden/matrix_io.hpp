// CSV matrices of decimal integers, no header: the exchange format of `sysmt gemm` and the testbenches.
#pragma once

#include <string>

#include "sim/golden/nbsmt.hpp"

namespace sysmt {

// Reads a matrix whose every value lies in lo..hi; `what` names the operand in messages ("activation").
// Errors (unreadable file, non-integer, out of range, ragged rows, empty) throw InputError naming the
// file, line and column.
IntMatrix read_matrix_csv(const std::string& path, int lo, int hi, const std::string& what);
IntMatrix parse_matrix_csv(const std::string& text, const std::string& source, int lo, int hi, const std::string& what);

template <typename T>
std::string format_matrix_csv(const Matrix<T>& m) {
  std::string out;
  for (int r = 0; r < m.rows; ++r) {
    for (int c = 0; c < m.cols; ++c) {
      if (c) out += ',';
      out += std::to_string(m.at(r, c));
    }
    out += '\n';
  }
  return out;
}

}  // namespace sysmt
