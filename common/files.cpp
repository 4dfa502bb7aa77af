// Reading input files; the installed-data lookup.
#include "common/files.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/error.hpp"

namespace sysmt {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw InputError(path.string() + ": is a folder, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string() + ": cannot open: " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
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
