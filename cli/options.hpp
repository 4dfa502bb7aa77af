// Options several subcommands share, parsed strictly: --max-memory (the memory limit of
// common/limits.hpp) and --seed (an unsigned 64-bit decimal: no sign, no wrap-around).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "common/config.hpp"
#include "common/limits.hpp"

namespace sysmt::cli {

// Memory estimates of an array's jobs, from measured peaks (docs/reliability.md, "Limits"): generating
// its RTL, and building and running its Verilator model (the C++ compiler dominates).
inline std::uint64_t array_memory(const Config& c) {
  const std::uint64_t pe_threads = static_cast<std::uint64_t>(c.rows) * c.cols * c.threads;
  return sat_add(32ull << 20, sat_mul(pe_threads, 1ull << 10));
}
inline std::uint64_t verilator_memory(const Config& c) {
  const std::uint64_t pe_threads = static_cast<std::uint64_t>(c.rows) * c.cols * c.threads;
  return sat_add(700ull << 20, sat_mul(pe_threads, 16ull << 10));
}

inline void add_max_memory_option(CLI::App* sub) {
  sub->add_option_function<std::string>(
         "--max-memory", [](const std::string& v) { set_memory_limit(parse_memory_size(v, "--max-memory")); },
         "Refuse work estimated to need more memory than this (bytes, 512M, 8G, or a share such as 50%; default 75%)")
      ->type_name("SIZE");
}

inline void add_seed_option(CLI::App* sub, std::uint64_t& seed, const std::string& help) {
  sub->add_option_function<std::string>(
         "--seed", [&seed](const std::string& v) { seed = parse_u64(v, "--seed"); }, help)
      ->type_name("UINT64")
      ->default_str(std::to_string(seed));
}

}  // namespace sysmt::cli
