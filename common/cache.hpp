// Cache entries that heal: an entry is a folder whose content counts only when its stamp, written last,
// exists and every file it lists is there with the size and content hash it had when the entry was made.
// A crash, an interrupt or a user deleting or truncating a file leaves an entry that check_cache_entry
// reports as damaged, and the caller rebuilds it (docs/reliability.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sysmt {

struct StampedFile {
  std::string path;  // relative to the entry folder
  std::uint64_t size = 0;
  std::string hash;  // FNV-1a of the content, 16 hex digits
};

struct CacheStamp {
  std::string key;      // what the entry was built from (the caller's content key)
  std::string version;  // sysmt version that wrote it
  std::vector<StampedFile> files;
};

void to_json(nlohmann::json& j, const StampedFile& f);
void from_json(const nlohmann::json& j, StampedFile& f);
void to_json(nlohmann::json& j, const CacheStamp& s);
void from_json(const nlohmann::json& j, CacheStamp& s);

// The stamp's file name inside an entry.
inline constexpr const char* kCacheStampName = "sysmt-cache-stamp.json";

// "" when `dir` is a complete entry for `key`, else why it is not ("missing", "no stamp (an interrupted
// or crashed build)", "obj/Vdut was truncated" ...). "missing" when the folder does not exist.
std::string check_cache_entry(const std::filesystem::path& dir, const std::string& key);

// Writes the stamp of entry `dir` for `key` (by sysmt `version`), listing `files` (relative paths) with
// their sizes and hashes. Call last, when every listed file is complete.
void write_cache_stamp(const std::filesystem::path& dir, const std::string& key, const std::string& version,
                       const std::vector<std::string>& files);

}  // namespace sysmt
