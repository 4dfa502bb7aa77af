// Strict CSV reader: every cell an integer in range, every row the same length.
#include "sim/golden/matrix_io.hpp"

#include <charconv>

#include "common/error.hpp"
#include "common/files.hpp"

namespace sysmt {

IntMatrix parse_matrix_csv(const std::string& text_in, const std::string& source_in, int lo, int hi, const std::string& what) {
  const std::string text = strip_bom(text_in);  // a leading byte order mark is skipped, as in every reader
  const std::string source = visible(source_in);
  IntMatrix m;
  std::vector<int> values;
  size_t pos = 0;
  int line_no = 0, first_line = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) {
      // Blank lines may only trail the data.
      if (text.find_first_not_of(" \t\r\n", pos) != std::string::npos && m.rows > 0)
        throw InputError(source + ":" + std::to_string(line_no) + ": blank line inside the matrix");
      continue;
    }
    int cols = 0;
    size_t cpos = 0;
    while (true) {
      size_t comma = line.find(',', cpos);
      std::string cell = line.substr(cpos, comma == std::string::npos ? std::string::npos : comma - cpos);
      size_t b = cell.find_first_not_of(" \t"), e = cell.find_last_not_of(" \t");
      std::string tok = b == std::string::npos ? "" : cell.substr(b, e - b + 1);
      // One optional sign, then digits: "+1" is 1, "+-1" and "--1" are not numbers.
      if (tok.size() > 1 && tok[0] == '+' && tok[1] != '-' && tok[1] != '+') tok.erase(0, 1);
      std::string where = source + ":" + std::to_string(line_no) + ": column " + std::to_string(cols + 1) + ": ";
      long v = 0;
      auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
      if (tok.empty() || p != tok.data() + tok.size() || (ec != std::errc() && ec != std::errc::result_out_of_range))
        throw InputError(where + "'" + visible(cell) + "' is not a decimal integer");
      if (ec == std::errc::result_out_of_range || v < lo || v > hi)
        throw InputError(where + what + " " + visible(tok) + " is out of range " + std::to_string(lo) + ".." + std::to_string(hi));
      values.push_back(static_cast<int>(v));
      ++cols;
      if (comma == std::string::npos) break;
      cpos = comma + 1;
    }
    if (m.rows == 0) {
      m.cols = cols;
      first_line = line_no;
    } else if (cols != m.cols) {
      throw InputError(source + ":" + std::to_string(line_no) + ": ragged row: " + std::to_string(cols) + " values where line " +
                       std::to_string(first_line) + " has " + std::to_string(m.cols));
    }
    ++m.rows;
  }
  if (m.rows == 0) throw InputError(source + ": empty matrix (no rows)");
  m.data = std::move(values);
  return m;
}

IntMatrix read_matrix_csv(const std::string& path, int lo, int hi, const std::string& what) {
  return parse_matrix_csv(read_file(path), path, lo, hi, what);
}

}  // namespace sysmt
