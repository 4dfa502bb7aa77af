// Reading input files; printable bytes; the installed-data lookup.
#include "common/files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "common/limits.hpp"

namespace sysmt {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  const std::string shown = visible(path.string());
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (fs::is_directory(st)) throw InputError(shown + ": is a folder, not a file");
  if (fs::exists(st) && !fs::is_regular_file(st))
    throw InputError(shown + ": is not a regular file (a FIFO, device or socket); give a file");
  if (fs::exists(st)) {
    const std::uintmax_t size = fs::file_size(path, ec);
    // The text, plus what a parser keeps of it (at most a few times its size).
    if (!ec) check_memory(4 * static_cast<std::uint64_t>(size), "reading " + shown + " (" + human_bytes(size) + ")");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(shown + ": cannot open: " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw InputError(shown + ": read error");
  return ss.str();
}

std::string strip_bom(const std::string& text) { return text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? text.substr(3) : text; }

std::string visible(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [&](unsigned char c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02X", c);
    out += buf;
  };
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) {
      switch (c) {
        case 0:
          out += "\\0";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          hex(c);
      }
      ++i;
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    // A UTF-8 sequence: its length from the lead byte, every continuation byte 10xxxxxx.
    const size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size() && c != 0xC0 && c != 0xC1 && c <= 0xF4;
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (!ok) {
      hex(c);
      ++i;
      continue;
    }
    const std::string seq = s.substr(i, len);
    if (seq == "\xEF\xBB\xBF")
      out += "\\uFEFF";
    else if (len == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0)
      hex(c), hex(static_cast<unsigned char>(s[i + 1]));  // C1 controls
    else
      out += seq;
    i += len;
  }
  return out;
}

fs::path data_dir() {
  if (const char* e = std::getenv("SYSMT_DATA_DIR"); e && *e) return e;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path("share/sysmt") : exe.parent_path().parent_path() / "share" / "sysmt";
}

fs::path cache_dir(const std::string& kind) {
  if (const char* e = std::getenv("SYSMT_CACHE"); e && *e) return fs::path(e) / kind;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "sysmt" / kind;
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "sysmt" / kind;
  return fs::temp_directory_path() / ("sysmt-" + kind);
}

fs::path data_file(const fs::path& rel) {
  const fs::path p = data_dir() / rel;
  std::error_code ec;
  if (!fs::exists(p, ec))
    throw ToolError("sysmt's data file " + p.string() + " is missing: the installation is incomplete (reinstall with " +
                    "`cmake --install`, or set SYSMT_DATA_DIR to a share/sysmt folder)");
  return p;
}

}  // namespace sysmt
