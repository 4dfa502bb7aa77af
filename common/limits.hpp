// Memory limits and strict number parsing for the command line. Work whose size comes from the user (a
// GEMM, an evaluated layer, an array, an input file) is estimated before anything is allocated and
// refused with exit 2 and the estimate when it is over the limit: by default 75 % of physical memory,
// changed with --max-memory (docs/reliability.md).
#pragma once

#include <cstdint>
#include <string>

namespace sysmt {

std::uint64_t physical_memory();
// The limit in bytes (default 75 % of physical memory).
std::uint64_t memory_limit();
void set_memory_limit(std::uint64_t bytes);
// Parses a --max-memory value: bytes ("1000000"), with a binary unit ("512K", "512M", "8G", "1T", with or
// without "iB"/"B"), or a share of physical memory ("50%"). InputError naming `option` otherwise.
std::uint64_t parse_memory_size(const std::string& text, const std::string& option);
// "1.5 GiB" and the like.
std::string human_bytes(std::uint64_t bytes);

// InputError "`what` needs about N GiB of memory, over the limit of M GiB ..." when `bytes` > limit.
void check_memory(std::uint64_t bytes, const std::string& what);

// Saturating arithmetic for estimates (no wrap-around).
std::uint64_t sat_mul(std::uint64_t a, std::uint64_t b);
std::uint64_t sat_add(std::uint64_t a, std::uint64_t b);

// A strict unsigned decimal (digits only, no sign, no spaces, no wrap): InputError naming `option`
// when it is not one or is above `max`.
std::uint64_t parse_u64(const std::string& text, const std::string& option, std::uint64_t max = UINT64_MAX);

}  // namespace sysmt
