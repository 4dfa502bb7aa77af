// libFuzzer target: the matrix CSV reader. Any input must either give a rectangular matrix of in-range
// values or raise InputError (exit 2); anything else is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/error.hpp"
#include "sim/golden/matrix_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const sysmt::IntMatrix m = sysmt::parse_matrix_csv(text, "fuzz.csv", -128, 255, "value");
    if (m.rows < 1 || m.cols < 1 || m.data.size() != static_cast<std::size_t>(m.rows) * static_cast<std::size_t>(m.cols)) std::abort();
    for (int v : m.data)
      if (v < -128 || v > 255) std::abort();
    // Written back and read again, it is the same matrix.
    const sysmt::IntMatrix again = sysmt::parse_matrix_csv(sysmt::format_matrix_csv(m), "again.csv", -128, 255, "value");
    if (again.rows != m.rows || again.cols != m.cols || again.data != m.data) std::abort();
  } catch (const sysmt::InputError& e) {
    for (const char* p = e.what(); *p; ++p)
      if (static_cast<unsigned char>(*p) < 0x20) std::abort();
  }
  return 0;
}
