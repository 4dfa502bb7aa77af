// Reading and filling the synthesis script templates.
#include "synth/templates.hpp"

#include <filesystem>

#include "common/files.hpp"

namespace sysmt::synth {

std::string template_text(const std::string& name) { return read_file(data_file(std::filesystem::path("synth") / name)); }

std::string fill(std::string text, const std::map<std::string, std::string>& vars) {
  for (const auto& [k, v] : vars) {
    const std::string key = "{{" + k + "}}";
    for (size_t p = text.find(key); p != std::string::npos; p = text.find(key, p + v.size())) text.replace(p, key.size(), v);
  }
  return text;
}

std::string fill_template(const std::string& name, const std::map<std::string, std::string>& vars) {
  return fill(template_text(name), vars);
}

std::string ys_path(const std::string& p) { return p.find_first_of(" \t") == std::string::npos ? p : "\"" + p + "\""; }

}  // namespace sysmt::synth
