// Optional report fields in JSON: written as null when absent, read back as empty when null or missing
// (nlohmann 3.11 has no std::optional support of its own). Used by the sweep's report views and table.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

namespace sysmt::sweep {

template <class T>
void put(nlohmann::json& j, const char* k, const std::optional<T>& v) {
  j[k] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

template <class T>
void get(const nlohmann::json& j, const char* k, std::optional<T>& v) {
  if (j.contains(k) && !j.at(k).is_null())
    v = j.at(k).get<T>();
  else
    v.reset();
}

}  // namespace sysmt::sweep
