// The one configuration schema of SySMT: parsed and validated once, then fed to the generator, the
// golden model, the testbenches and the synthesis scripts. Nothing restates a parameter by hand.
#pragma once

#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace sysmt {

enum class Rounding { Truncate, HalfUp, HalfEven };
enum class ZeroSkip { Both, Act };
// array.gating: `clock` gives the PE's accumulator and shadow register their own gated clocks, enabled only
// on the edges where they change (docs/energy.md, "Design for energy").
enum class Gating { None, Clock };

const char* to_string(Rounding r);
const char* to_string(ZeroSkip z);
const char* to_string(Gating g);

// The deepest PE pipeline the generator offers (array.pipeline: 0, 1 or 2; docs/configuration.md).
inline constexpr int kMaxPipelineStages = 2;

struct Config {
  std::string name;              // Verilog identifier: top module name and prefix of every module
  int rows = 16;                 // array.rows, 1..64
  int cols = 16;                 // array.cols, 1..64
  int threads = 1;               // 1, 2 or 4
  int acc_bits = 32;             // 16..64
  int pipeline = -1;             // array.pipeline: 0, 1 or 2, or -1 for auto (see pipeline_stages())
  Gating gating = Gating::None;  // array.gating
  Rounding rounding = Rounding::HalfUp;
  ZeroSkip zero_skip = ZeroSkip::Both;
  double clock_period_ns = 10.0;  // synth.clock_period_ns: target clock for timing reports

  // P, the PE's extra accumulate stage (docs/architecture.md): the configured value, or with `auto` 1 for
  // the NB-SMT PEs (T = 2, 4) and 0 for the conventional T = 1 MAC. LAT = cols + 1 + P.
  int pipeline_stages() const { return pipeline >= 0 ? pipeline : (threads > 1 ? 1 : 0); }

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
// The same for a map node of a larger YAML file (a sweep's inline base config): errors name `source` and
// the node's own line and column.
Config parse_config_node(const YAML::Node& root, const std::string& source_name);
// Sets one dotted key (e.g. "array.rows") from a scalar node with the schema's own checks, so tools that
// vary a config (sweeps) restate nothing. Unknown key or bad value: InputError "SOURCE:LINE:COL: key 'K': ...".
void set_config_key(Config& c, const std::string& key, const YAML::Node& value, const std::string& source_name);

// Same settings: every field but `source` (where a config was read from is not a setting).
bool operator==(const Config& a, const Config& b);
bool operator!=(const Config& a, const Config& b);

// The canonical YAML of a config: every key of the schema in schema order, defaults written out, numbers
// in their shortest exact form, `header` (when given) as a leading comment. Deterministic, and
// parse_config(emit_config(c), ...) == c.
std::string emit_config(const Config& c, const std::string& header = "");

// The naming pattern of the named configs: sysmt_<T>t_<R>x<C> (configs/sysmt_2t_16x16.yaml), plus
// "_<variant>" when a variant is given (sysmt_2t_4x4_trunc_act).
std::string config_name(int threads, int rows, int cols, const std::string& variant = "");
// The plain named config of that size and thread count: config_name() and every other key at its default,
// as the configs/sysmt_<T>t_<R>x<C>.yaml files (and `sysmt flow`'s configs) are.
Config named_config(int threads, int rows, int cols);

}  // namespace sysmt
