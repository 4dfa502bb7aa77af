// Content hashes: stable across platforms, used to key caches and to stamp generated files with the
// config they came from.
#pragma once

#include <cstdint>
#include <string>

namespace sysmt {

// 64-bit FNV-1a.
std::uint64_t fnv1a64(const std::string& data);
// 16 lower-case hex digits.
std::string hex64(std::uint64_t v);

}  // namespace sysmt
