// The one configuration schema of SySMT: parsed and validated once, then fed to the generator, the
// golden model, the testbenches and the synthesis scripts. Nothing restates a parameter by hand.
#pragma once

#include <string>
#include <vector>

namespace sysmt {

enum class Rounding { Truncate, HalfUp, HalfEven };
enum class ZeroSkip { Both, Act };

const char* to_string(Rounding r);
const char* to_string(ZeroSkip z);

struct Config {
  std::string name;  // Verilog identifier: top module name and prefix of every module
  int rows = 16;     // array.rows, 1..64
  int cols = 16;     // array.cols, 1..64
  int threads = 1;   // 1, 2 or 4
  int acc_bits = 32;  // 16..64
  Rounding rounding = Rounding::HalfUp;
  ZeroSkip zero_skip = ZeroSkip::Both;
  double clock_period_ns = 10.0;  // synth.clock_period_ns: target clock for timing reports

  std::string source;  // the file it was read from ("<string>" when parsed from text)

  // Canonical text of every setting (sorted keys, defaults filled in): the same design gives the same
  // text whatever the comments, order or spelling of the YAML.
  std::string canonical() const;
  // FNV-1a of canonical(), 16 hex digits.
  std::string hash() const;
};

// One documented key of the schema, for the docs and for error messages.
struct KeyDoc {
  std::string key, type, default_value, range, meaning;
};
const std::vector<KeyDoc>& config_schema();

// Parse and validate. Every problem throws InputError "FILE:LINE:COL: key 'K': what is wrong".
Config load_config(const std::string& path);
Config parse_config(const std::string& yaml_text, const std::string& source_name);

}  // namespace sysmt
