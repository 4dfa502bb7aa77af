// The one place that names the generated modules. Every module of an array is the array's name (the
// top) or the top's name with one of these suffixes; the generator, the manifest and the synthesis flow
// (which picks the PE and drain modules out of the synthesised hierarchy) all ask here.
#pragma once

#include <string>

namespace sysmt::rtl::names {

inline std::string pe(const std::string& top) { return top + "_pe"; }
inline std::string drain_col(const std::string& top) { return top + "_drain_col"; }
inline std::string act_skew(const std::string& top) { return top + "_act_skew"; }
inline std::string act_skew_stage(const std::string& top) { return act_skew(top) + "_stage"; }
inline std::string wgt_skew(const std::string& top) { return top + "_wgt_skew"; }
inline std::string wgt_skew_stage(const std::string& top) { return wgt_skew(top) + "_stage"; }

// What a module of the array `top` is, for the synthesis report's area breakdown: "pe", "skew",
// "drain+control" (the top and the drain columns) or "other" (not a module this generator makes).
inline std::string kind(const std::string& module, const std::string& top) {
  if (module == top || module == drain_col(top)) return "drain+control";
  if (module == pe(top)) return "pe";
  if (module == act_skew(top) || module == act_skew_stage(top) || module == wgt_skew(top) || module == wgt_skew_stage(top)) return "skew";
  return "other";
}

}  // namespace sysmt::rtl::names
