// OutputSet and the atomic file writes built on it.
#include "common/output.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/process.hpp"

namespace sysmt {

namespace fs = std::filesystem;

namespace {

fs::path temp_sibling(const fs::path& target) {
  return target.parent_path() / ("." + target.filename().string() + ".tmp" + std::to_string(::getpid()));
}

// The path a file output really writes: the target itself, or the regular file a symbolic link names
// (written through, so the link stays), with its folder's links resolved so that two spellings of one
// file compare equal. InputError for folders, special files, dangling links and missing folders.
fs::path resolve_file_target(const fs::path& given) {
  const std::string shown = visible(given.string());
  if (given.empty()) throw InputError("an output file name is empty");
  std::error_code ec;
  fs::path target = fs::absolute(given, ec).lexically_normal();
  if (target.filename().empty()) throw InputError(shown + ": is a folder name, expected a file name");
  if (fs::is_symlink(fs::symlink_status(target, ec))) {
    const fs::path real = fs::canonical(target, ec);
    if (ec) throw InputError(shown + ": is a symbolic link to nothing (" + ec.message() + "); refusing to write through it");
    target = real;
  }
  const fs::file_status st = fs::status(target, ec);
  if (fs::exists(st)) {
    if (fs::is_directory(st)) throw InputError(shown + ": is a folder, expected a file name");
    if (!fs::is_regular_file(st)) throw InputError(shown + ": is a special file (FIFO, device or socket); refusing to replace it");
  }
  const fs::path dir = target.parent_path();
  if (!fs::is_directory(dir, ec)) throw InputError(shown + ": cannot write: folder '" + visible(dir.string()) + "' does not exist");
  if (::access(dir.c_str(), W_OK) != 0)
    throw InputError(shown + ": cannot write in folder '" + visible(dir.string()) + "': " + std::strerror(errno));
  const fs::path real_dir = fs::canonical(dir, ec);
  return ec ? target : real_dir / target.filename();
}

}  // namespace

std::function<bool(const fs::path&)> has_marker(const std::string& marker) {
  return [marker](const fs::path& dir) {
    std::error_code ec;
    return fs::is_regular_file(fs::symlink_status(dir / marker, ec));
  };
}

OutputSet::~OutputSet() {
  if (committed_) return;
  for (const Entry& e : entries_) {
    std::error_code ec;
    fs::remove_all(e.temp, ec);
    unregister_temporary(e.temp);
  }
}

fs::path OutputSet::file(const fs::path& given) {
  const fs::path target = resolve_file_target(given);
  for (const Entry& e : entries_)
    if (e.target == target) throw InputError(visible(given.string()) + ": named twice as an output; each output needs its own file");
  Entry e{target, temp_sibling(target), false};
  register_temporary(e.temp);
  entries_.push_back(e);
  std::error_code ec;
  fs::remove(e.temp, ec);  // a leftover of a killed run with the same process id
  return e.temp;
}

fs::path OutputSet::folder(const fs::path& given, const std::function<bool(const fs::path&)>& ours) {
  const std::string shown = visible(given.string());
  if (given.empty()) throw InputError("an output folder name is empty");
  std::error_code ec;
  fs::path t = fs::absolute(given, ec).lexically_normal();
  if (t.filename().empty()) t = t.parent_path();
  const fs::file_status st = fs::symlink_status(t, ec);
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) throw InputError(shown + ": exists and is not a folder; refusing to replace it");
    if (!fs::is_empty(t, ec) && !(ours && ours(t)))
      throw InputError(shown + ": folder exists and was not written by sysmt; name a new folder or remove it");
  }
  for (const Entry& e : entries_)
    if (e.target == t) throw InputError(shown + ": named twice as an output");
  fs::create_directories(t.parent_path(), ec);
  if (ec) throw InputError(shown + ": cannot create folder '" + visible(t.parent_path().string()) + "': " + ec.message());
  if (::access(t.parent_path().c_str(), W_OK) != 0)
    throw InputError(shown + ": cannot write in folder '" + visible(t.parent_path().string()) + "': " + std::strerror(errno));
  Entry e{t, temp_sibling(t), true};
  register_temporary(e.temp);
  entries_.push_back(e);
  fs::remove_all(e.temp, ec);
  fs::create_directory(e.temp, ec);
  if (ec) throw InputError(shown + ": cannot create folder '" + visible(e.temp.string()) + "': " + ec.message());
  return e.temp;
}

fs::path OutputSet::folder(const fs::path& given, const std::string& marker) {
  const fs::path temp = folder(given, has_marker(marker));
  write_file(temp / marker, "Written by sysmt; the next run with this folder as output replaces it.\n");
  return temp;
}

void OutputSet::discard(const fs::path& temp) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->temp != temp) continue;
    std::error_code ec;
    fs::remove_all(it->temp, ec);
    unregister_temporary(it->temp);
    entries_.erase(it);
    return;
  }
}

const fs::path& OutputSet::target_of(const fs::path& temp) const {
  for (const Entry& e : entries_)
    if (e.temp == temp) return e.target;
  return temp;
}

void OutputSet::commit() {
  for (const Entry& e : entries_) {
    std::error_code ec;
    if (e.is_folder && fs::exists(fs::symlink_status(e.target, ec))) {
      const fs::path old = e.temp.string() + ".old";
      register_temporary(old);
      fs::remove_all(old, ec);
      fs::rename(e.target, old, ec);
      if (!ec) fs::rename(e.temp, e.target, ec);
      std::error_code ignore;
      if (ec) fs::rename(old, e.target, ignore);
      fs::remove_all(old, ignore);
      unregister_temporary(old);
    } else {
      if (!e.is_folder) {
        std::error_code ignore;
        const fs::file_status old = fs::status(e.target, ignore);
        if (fs::is_regular_file(old)) fs::permissions(e.temp, old.permissions(), ignore);
      }
      fs::rename(e.temp, e.target, ec);
    }
    if (ec) throw InputError(visible(e.target.string()) + ": cannot put the output in place: " + ec.message());
    unregister_temporary(e.temp);
  }
  committed_ = true;
}

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw InputError(visible(path.string()) + ": cannot write: " + std::strerror(errno));
  out << content;
  out.flush();
  if (!out) throw InputError(visible(path.string()) + ": write failed (disk full?)");
}

void write_file_atomic(const fs::path& path, const std::string& content) {
  OutputSet out;
  write_file(out.file(path), content);
  out.commit();
}

}  // namespace sysmt
