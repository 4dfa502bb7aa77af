// Stamped cache entries.
#include "common/cache.hpp"

#include <fstream>

#include "common/error.hpp"
#include "common/hash.hpp"
#include "common/output.hpp"

namespace sysmt {

namespace fs = std::filesystem;

void to_json(nlohmann::json& j, const StampedFile& f) { j = {{"path", f.path}, {"size", f.size}, {"hash", f.hash}}; }
void from_json(const nlohmann::json& j, StampedFile& f) {
  j.at("path").get_to(f.path);
  j.at("size").get_to(f.size);
  j.at("hash").get_to(f.hash);
}
void to_json(nlohmann::json& j, const CacheStamp& s) { j = {{"key", s.key}, {"version", s.version}, {"files", s.files}}; }
void from_json(const nlohmann::json& j, CacheStamp& s) {
  j.at("key").get_to(s.key);
  j.at("version").get_to(s.version);
  j.at("files").get_to(s.files);
}

namespace {

// Content hash of a file, streamed (a model binary is several MB); false when it cannot be read.
bool hash_file(const fs::path& p, std::string& hash) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::uint64_t h = 0xcbf29ce484222325ull;
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof buf);
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      h ^= static_cast<unsigned char>(buf[i]);
      h *= 0x100000001b3ull;
    }
  }
  if (in.bad()) return false;
  hash = hex64(h);
  return true;
}

}  // namespace

std::string check_cache_entry(const fs::path& dir, const std::string& key) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return "missing";
  if (!fs::is_directory(dir, ec)) return "not a folder";
  const fs::path stamp_path = dir / kCacheStampName;
  if (!fs::is_regular_file(stamp_path, ec)) return "no stamp (an interrupted or crashed build)";
  CacheStamp stamp;
  try {
    std::ifstream in(stamp_path, std::ios::binary);
    stamp = nlohmann::json::parse(in).get<CacheStamp>();
  } catch (const std::exception&) {
    return "its stamp is unreadable";
  }
  if (stamp.key != key) return "its stamp is for another build (key " + stamp.key + ")";
  if (stamp.files.empty()) return "its stamp lists no files";
  for (const StampedFile& f : stamp.files) {
    const fs::path p = dir / f.path;
    if (!fs::is_regular_file(p, ec)) return f.path + " is missing";
    const std::uintmax_t size = fs::file_size(p, ec);
    if (ec || size != f.size)
      return f.path + " changed size (" + std::to_string(size) + " bytes, " + std::to_string(f.size) + " when built)";
    std::string h;
    if (!hash_file(p, h)) return f.path + " cannot be read";
    if (h != f.hash) return f.path + " changed content since it was built";
  }
  return "";
}

void write_cache_stamp(const fs::path& dir, const std::string& key, const std::string& version, const std::vector<std::string>& files) {
  CacheStamp s{key, version, {}};
  for (const std::string& rel : files) {
    std::error_code ec;
    StampedFile f{rel, fs::file_size(dir / rel, ec), ""};
    if (ec || !hash_file(dir / rel, f.hash)) throw ToolError("cache: cannot read " + (dir / rel).string() + " to stamp it");
    s.files.push_back(f);
  }
  write_file_atomic(dir / kCacheStampName, nlohmann::json(s).dump(2) + "\n");
}

}  // namespace sysmt
