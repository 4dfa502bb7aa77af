// JSON and text renderings of the golden model's statistics and error metrics, shared by every report.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "sim/golden/nbsmt.hpp"

namespace sysmt {

nlohmann::json to_json(const GemmStats& s);
nlohmann::json to_json(const ErrorMetrics& e);
// The same as nlohmann ADL pairs, so that typed reports holding these read and write them. from_json reads
// what to_json writes (null SQNR and relative error: infinite); nlohmann::json::exception when a key is
// missing or has the wrong type.
void to_json(nlohmann::json& j, const GemmStats& s);
void from_json(const nlohmann::json& j, GemmStats& s);
void to_json(nlohmann::json& j, const ErrorMetrics& e);
void from_json(const nlohmann::json& j, ErrorMetrics& e);
// A few aligned lines for a terminal.
std::string stats_text(const GemmStats& s, const ErrorMetrics& e);

}  // namespace sysmt
