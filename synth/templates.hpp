// The synthesis scripts' templates (synth/templates/*.in), read at run time from <share>/sysmt/synth as
// staged or installed, and filled from the config: {{NAME}} -> value.
#pragma once

#include <map>
#include <string>

namespace sysmt::synth {

// A template of synth/templates/ by file name ("synth.ys.in").
std::string template_text(const std::string& name);

// `text` with every {{KEY}} replaced by its value.
std::string fill(std::string text, const std::map<std::string, std::string>& vars);

// template_text(name) filled with `vars`.
std::string fill_template(const std::string& name, const std::map<std::string, std::string>& vars);

// Yosys command arguments are split at spaces: a path with spaces is quoted.
std::string ys_path(const std::string& p);

}  // namespace sysmt::synth
