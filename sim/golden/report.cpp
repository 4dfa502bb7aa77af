// Renders GemmStats and ErrorMetrics; infinite SQNR (no error at all) is JSON null.
#include "sim/golden/report.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace sysmt {

nlohmann::json to_json(const GemmStats& s) {
  nlohmann::json hist = nlohmann::json::array();
  for (int i = 0; i <= s.threads; ++i) hist.push_back(s.active_hist[i]);
  return {{"threads", s.threads},
          {"pe_cycles", s.pe_cycles},
          {"active_threads_histogram", hist},
          {"exact_cycles", s.exact_cycles},
          {"shared_lossless_cycles", s.shared_lossless},
          {"shared_lossy_cycles", s.shared_lossy},
          {"half_mode_cycles_4bx8b", s.half_mode_cycles},
          {"quarter_mode_cycles_4bx4b", s.quarter_mode_cycles},
          {"reduced_operands", s.reduced_operands},
          {"saturated_reductions", s.saturated_reductions},
          {"rounding_ties", s.rounding_ties}};
}

nlohmann::json to_json(const ErrorMetrics& e) {
  nlohmann::json sq = std::isinf(e.sqnr_db) ? nlohmann::json(nullptr) : nlohmann::json(e.sqnr_db);
  nlohmann::json rf = std::isinf(e.rel_frobenius) ? nlohmann::json(nullptr) : nlohmann::json(e.rel_frobenius);
  return {{"max_abs_error", e.max_abs},
          {"mean_abs_error", e.mean_abs},
          {"relative_frobenius_error", rf},
          {"sqnr_db", sq},
          {"sqnr_note", "null means no error at all (infinite SQNR)"},
          {"fraction_outputs_differ", e.frac_differ}};
}

void to_json(nlohmann::json& j, const GemmStats& s) { j = to_json(s); }
void to_json(nlohmann::json& j, const ErrorMetrics& e) { j = to_json(e); }

void from_json(const nlohmann::json& j, GemmStats& s) {
  s = GemmStats{};
  j.at("threads").get_to(s.threads);
  j.at("pe_cycles").get_to(s.pe_cycles);
  const nlohmann::json& hist = j.at("active_threads_histogram");
  if (!hist.is_array() || hist.size() > s.active_hist.size())
    throw nlohmann::json::type_error::create(302, "active_threads_histogram: expected at most 5 counts", &hist);
  for (size_t i = 0; i < hist.size(); ++i) hist[i].get_to(s.active_hist[i]);
  j.at("exact_cycles").get_to(s.exact_cycles);
  j.at("shared_lossless_cycles").get_to(s.shared_lossless);
  j.at("shared_lossy_cycles").get_to(s.shared_lossy);
  j.at("half_mode_cycles_4bx8b").get_to(s.half_mode_cycles);
  j.at("quarter_mode_cycles_4bx4b").get_to(s.quarter_mode_cycles);
  j.at("reduced_operands").get_to(s.reduced_operands);
  j.at("saturated_reductions").get_to(s.saturated_reductions);
  j.at("rounding_ties").get_to(s.rounding_ties);
}

void from_json(const nlohmann::json& j, ErrorMetrics& e) {
  auto or_inf = [](const nlohmann::json& v) { return v.is_null() ? std::numeric_limits<double>::infinity() : v.get<double>(); };
  e = ErrorMetrics{};
  j.at("max_abs_error").get_to(e.max_abs);
  j.at("mean_abs_error").get_to(e.mean_abs);
  e.rel_frobenius = or_inf(j.at("relative_frobenius_error"));
  e.sqnr_db = or_inf(j.at("sqnr_db"));
  j.at("fraction_outputs_differ").get_to(e.frac_differ);
}

std::string stats_text(const GemmStats& s, const ErrorMetrics& e) {
  const double pc = s.pe_cycles ? static_cast<double>(s.pe_cycles) : 1.0;
  auto pct = [&](std::uint64_t v) { return 100.0 * static_cast<double>(v) / pc; };
  std::string out = fmt::format("PE cycles            {}\n", s.pe_cycles);
  out += "active threads       ";
  for (int i = 0; i <= s.threads; ++i) out += fmt::format("{}:{:.1f}%  ", i, pct(s.active_hist[i]));
  out += "\n";
  out += fmt::format("exact                {:.1f}%\n", pct(s.exact_cycles));
  out += fmt::format("shared, lossless     {:.1f}%\n", pct(s.shared_lossless));
  out += fmt::format("shared, lossy        {:.1f}%\n", pct(s.shared_lossy));
  if (s.threads == 4) out += fmt::format("4b x 4b mode         {:.1f}%\n", pct(s.quarter_mode_cycles));
  out += fmt::format("saturated reductions {}\n", s.saturated_reductions);
  out += fmt::format("error: max abs {}  mean abs {:.3f}  rel Frobenius {:.3e}  SQNR {}  outputs differ {:.1f}%\n", e.max_abs, e.mean_abs,
                     e.rel_frobenius, std::isinf(e.sqnr_db) ? std::string("inf (exact)") : fmt::format("{:.2f} dB", e.sqnr_db),
                     100.0 * e.frac_differ);
  return out;
}

}  // namespace sysmt
