// Reporting of the workload evaluation (docs/evaluation.md "Output files"): the typed report's JSON form
// (to_json / from_json, the only code that knows evaluate.json's keys), the Markdown, the gnuplot scripts,
// and writing them all as one set of outputs. Also run_evaluate: what `sysmt evaluate` does.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/eval/evaluate.hpp"

namespace sysmt {

// evaluate.json. An infinite SQNR or relative error is null. from_json throws nlohmann::json::exception on
// a missing key or a wrong type; fields that are not in the file (seconds, last_accept_edge) are 0.
void to_json(nlohmann::json& j, const PerfResult& p);
void from_json(const nlohmann::json& j, PerfResult& p);
void to_json(nlohmann::json& j, const NumericResult& n);
void from_json(const nlohmann::json& j, NumericResult& n);
void to_json(nlohmann::json& j, const LayerEval& le);
void from_json(const nlohmann::json& j, LayerEval& le);
void to_json(nlohmann::json& j, const NetworkPerf& p);
void from_json(const nlohmann::json& j, NetworkPerf& p);
void to_json(nlohmann::json& j, const NetworkNumeric& n);
void from_json(const nlohmann::json& j, NetworkNumeric& n);
void to_json(nlohmann::json& j, const EvaluateReport& ev);
void from_json(const nlohmann::json& j, EvaluateReport& ev);

// Reads an evaluate.json; InputError naming the file when it is not valid JSON or not an evaluate report.
EvaluateReport read_evaluate_report(const std::filesystem::path& file);

std::string to_markdown(const EvaluateReport& ev);
// The gnuplot scripts (self-contained: data inline). They write `png_out` and `svg_out`, which default to
// speedup.png / speedup.svg (sqnr.png / sqnr.svg) in the current folder.
std::string speedup_gnuplot(const EvaluateReport& ev);
std::string sqnr_gnuplot(const EvaluateReport& ev);

struct WrittenFiles {
  std::vector<std::filesystem::path> files;
  bool plots = false;
  std::string plot_message;  // why plots are missing, when they are
};
// Writes DIR/evaluate.md, evaluate.json, speedup.gp, sqnr.gp, and (when gnuplot runs) speedup.png/.svg
// and sqnr.png/.svg, all committed together (common/output.hpp). Creates DIR.
WrittenFiles write_evaluation(const EvaluateReport& ev, const std::filesystem::path& dir);

// What `sysmt evaluate` does: load and check every input, evaluate, then write. Bad input throws
// InputError before anything is written. Progress lines go to stderr unless quiet.
struct EvaluateRun {
  EvaluateReport eval;
  WrittenFiles written;
};
std::filesystem::path default_evaluate_dir(const Config& cfg);  // reports/evaluate-<config name>
EvaluateRun run_evaluate(const std::string& config_path, const std::string& workload_path, const EvalOptions& opt,
                         const std::filesystem::path& out_dir, bool quiet = false);

}  // namespace sysmt
