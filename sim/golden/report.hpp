// JSON and text renderings of the golden model's statistics and error metrics, shared by every report.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "sim/golden/nbsmt.hpp"

namespace sysmt {

nlohmann::json to_json(const GemmStats& s);
nlohmann::json to_json(const ErrorMetrics& e);
// A few aligned lines for a terminal.
std::string stats_text(const GemmStats& s, const ErrorMetrics& e);

}  // namespace sysmt
