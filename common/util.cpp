// Shared plumbing: atomic output, file reading, hashing.
#include "common/util.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace sysmt {

namespace fs = std::filesystem;

void write_file_atomic(const fs::path& path, const std::string& content) {
  fs::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir))
    throw InputError(path.string() + ": cannot write: folder '" + dir.string() + "' does not exist");
  fs::path tmp = dir / ("." + path.filename().string() + ".tmp" + std::to_string(::getpid()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(path.string() + ": cannot write: " + std::strerror(errno));
    out << content;
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw InputError(path.string() + ": write failed");
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw InputError(path.string() + ": cannot write: " + ec.message());
  }
}

std::string read_file(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw InputError(path.string() + ": is a folder, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string() + ": cannot open: " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::uint64_t fnv1a64(const std::string& data) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char ch : s) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

std::string tail_lines(const fs::path& f, size_t lines) {
  std::string text;
  try {
    text = read_file(f);
  } catch (const InputError&) {
    return "";
  }
  size_t pos = text.size();
  for (size_t n = 0; n <= lines && pos > 0;) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
    ++n;
  }
  return text.substr(pos + 1);
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

fs::path data_dir() {
  if (const char* e = std::getenv("SYSMT_DATA_DIR"); e && *e) return e;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path("share/sysmt") : exe.parent_path().parent_path() / "share" / "sysmt";
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
