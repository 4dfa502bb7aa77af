// Memory limits and strict number parsing.
#include "common/limits.hpp"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdio>

#include "common/error.hpp"
#include "common/files.hpp"

namespace sysmt {

namespace {

std::atomic<std::uint64_t> g_limit{0};  // 0 = default

}  // namespace

std::uint64_t physical_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return 4ull << 30;  // unknown: assume a small machine
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
}

std::uint64_t memory_limit() {
  const std::uint64_t l = g_limit.load();
  return l ? l : physical_memory() / 4 * 3;
}

void set_memory_limit(std::uint64_t bytes) { g_limit = bytes; }

std::uint64_t sat_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r;
  return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

std::uint64_t sat_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r;
  return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

std::uint64_t parse_u64(const std::string& text, const std::string& option, std::uint64_t max) {
  auto bad = [&](const std::string& why) { return InputError(option + ": " + why + ", found '" + visible(text) + "'"); };
  if (text.empty()) throw bad("expected a whole number");
  std::uint64_t v = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') throw bad(text[0] == '-' ? "expected a number of 0 or more" : "expected a whole number (digits only)");
    if (__builtin_mul_overflow(v, 10u, &v) || __builtin_add_overflow(v, static_cast<unsigned>(ch - '0'), &v))
      throw bad("the number is too large (at most " + std::to_string(max) + ")");
  }
  if (v > max) throw bad("the number is too large (at most " + std::to_string(max) + ")");
  return v;
}

std::uint64_t parse_memory_size(const std::string& text, const std::string& option) {
  std::string s = text;
  if (!s.empty() && s.back() == '%') {
    const std::uint64_t pct = parse_u64(s.substr(0, s.size() - 1), option + " (percent of physical memory)", 100);
    if (pct == 0) throw InputError(option + ": must be more than 0 %, found '" + visible(text) + "'");
    return physical_memory() / 100 * pct;
  }
  auto ends = [&](const std::string& suf) {
    if (s.size() > suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0) {
      s.resize(s.size() - suf.size());
      return true;
    }
    return false;
  };
  if (!ends("iB")) ends("B");
  unsigned shift = 0;
  if (!s.empty()) {
    switch (std::toupper(static_cast<unsigned char>(s.back()))) {
      case 'K':
        shift = 10;
        break;
      case 'M':
        shift = 20;
        break;
      case 'G':
        shift = 30;
        break;
      case 'T':
        shift = 40;
        break;
      default:
        break;
    }
    if (shift) s.pop_back();
  }
  const std::uint64_t v = parse_u64(s, option + " (bytes, or a size such as 512M, 8G, or 50%)", UINT64_MAX >> shift);
  if (v == 0) throw InputError(option + ": must be more than 0, found '" + visible(text) + "'");
  return v << shift;
}

std::string human_bytes(std::uint64_t b) {
  char buf[64];
  if (b == UINT64_MAX) return "more than 16 EiB";
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 6) v /= 1024, ++u;
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

void check_memory(std::uint64_t bytes, const std::string& what) {
  const std::uint64_t limit = memory_limit();
  if (bytes > limit)
    throw InputError(what + " needs about " + human_bytes(bytes) + " of memory, over the limit of " + human_bytes(limit) +
                     (g_limit.load() ? " (--max-memory)" : " (75 % of physical memory; --max-memory to change)"));
}

}  // namespace sysmt
