// Config schema: every key's type, range and default; unknown, duplicate, missing and mistyped keys are
// errors naming file, line, column and key; the canonical form and hash ignore comments and order; the
// canonical YAML emitter round-trips every setting; the naming pattern of the named configs.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/config.hpp"
#include "common/error.hpp"
#include "common/files.hpp"

namespace sysmt {
namespace {

const char* kGood = "name: top\narray:\n  rows: 3\n  cols: 5\nthreads: 4\n";

std::string error_of(const std::string& text) {
  try {
    parse_config(text, "c.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, DefaultsAndValues) {
  Config c = parse_config(kGood, "c.yaml");
  EXPECT_EQ(c.name, "top");
  EXPECT_EQ(c.rows, 3);
  EXPECT_EQ(c.cols, 5);
  EXPECT_EQ(c.threads, 4);
  EXPECT_EQ(c.acc_bits, 32);
  EXPECT_EQ(c.rounding, Rounding::HalfUp);
  EXPECT_EQ(c.zero_skip, ZeroSkip::Both);
  Config d = parse_config(std::string(kGood) + "acc_bits: 16\nnbsmt:\n  rounding: half_even\n  zero_skip: act\n", "c.yaml");
  EXPECT_EQ(d.acc_bits, 16);
  EXPECT_EQ(d.rounding, Rounding::HalfEven);
  EXPECT_EQ(d.zero_skip, ZeroSkip::Act);
  // array.pipeline: auto gives P = 1 to the NB-SMT PEs and 0 to the T = 1 MAC; 0 and 1 force it.
  EXPECT_EQ(c.pipeline_stages(), 1);
  EXPECT_EQ(parse_config("name: top\narray:\n  rows: 3\n  cols: 5\nthreads: 1\n", "c.yaml").pipeline_stages(), 0);
  EXPECT_EQ(parse_config("name: top\narray:\n  rows: 3\n  cols: 5\n  pipeline: 0\nthreads: 4\n", "c.yaml").pipeline_stages(), 0);
  EXPECT_EQ(parse_config("name: top\narray:\n  rows: 3\n  cols: 5\n  pipeline: 1\nthreads: 1\n", "c.yaml").pipeline_stages(), 1);
  EXPECT_EQ(parse_config("name: top\narray:\n  rows: 3\n  cols: 5\n  pipeline: auto\nthreads: 2\n", "c.yaml").pipeline_stages(), 1);
  EXPECT_EQ(parse_config("name: top\narray:\n  rows: 3\n  cols: 5\n  pipeline: 2\nthreads: 1\n", "c.yaml").pipeline_stages(), 2);
  // The canonical text (and so the hash) holds the resolved value: auto and its explicit value agree.
  EXPECT_EQ(parse_config("name: top\narray:\n  rows: 3\n  cols: 5\n  pipeline: 1\nthreads: 4\n", "c.yaml").hash(), c.hash());
}

TEST(Config, Errors) {
  struct Case {
    std::string text, expect;
  };
  const std::string base = "name: top\narray:\n  rows: 3\n  cols: 5\n";
  for (const Case& c : std::vector<Case>{
           {base + "threads: 3\n", "c.yaml:5:10: key 'threads': value 3 is not one of 1, 2, 4"},
           {base + "threads: two\n", "c.yaml:5:10: key 'threads': expected an integer, found 'two'"},
           {base + "threads: 2\nacc_bits: 15\n", "c.yaml:6:11: key 'acc_bits': value 15 is out of range 16..64"},
           {base + "threads: 2\nacc_bits: 65\n", "key 'acc_bits': value 65 is out of range 16..64"},
           {base + "threads: 2\nthread: 2\n", "c.yaml:6:1: key 'thread': unknown key"},
           {base + "threads: 2\nrows: 2\n", "key 'rows': unknown key (did you mean 'array.rows'?)"},
           {base + "threads: 2\nthreads: 4\n", "c.yaml:6:1: key 'threads': duplicate key"},
           {"name: top\narray:\n  rows: 0\n  cols: 5\nthreads: 1\n", "c.yaml:3:9: key 'array.rows': value 0 is out of range 1..64"},
           {"name: top\narray:\n  rows: 2\n  cols: 65\nthreads: 1\n", "key 'array.cols': value 65 is out of range 1..64"},
           {"name: top\narray:\n  rows: 2\n  colz: 4\nthreads: 1\n", "c.yaml:4:3: key 'array.colz': unknown key"},
           {"name: top\narray: 4\nthreads: 1\n", "c.yaml:2:8: key 'array': expected a map of settings"},
           {"name: 9top\narray:\n  rows: 2\n  cols: 4\nthreads: 1\n", "c.yaml:1:7: key 'name': '9top' is not a Verilog identifier"},
           {"name: module\narray:\n  rows: 2\n  cols: 4\nthreads: 1\n", "key 'name': 'module' is not a Verilog identifier"},
           {"name: top\narray:\n  rows: 2\nthreads: 1\n", "key 'array.cols': missing required key"},
           {base + "threads: 2\nnbsmt:\n  rounding: nearest\n",
            "c.yaml:7:13: key 'nbsmt.rounding': 'nearest' is not one of truncate, half_up, half_even"},
           {base + "threads: 2\nnbsmt:\n  zero_skip: [a]\n", "key 'nbsmt.zero_skip': expected a string, found a list"},
           {"name: top\narray:\n  rows: 3\n  cols: 5\n  gating: yes\nthreads: 2\n",
            "c.yaml:5:11: key 'array.gating': 'yes' is not one of none, clock"},
           {"name: top\narray:\n  rows: 3\n  cols: 5\n  pipeline: 3\nthreads: 2\n",
            "c.yaml:5:13: key 'array.pipeline': '3' is not one of auto, 0, 1, 2"},
           {"name: top\narray:\n  rows: 3\n  cols: 5\n  pipeline: [1]\nthreads: 2\n",
            "key 'array.pipeline': expected auto, 0, 1 or 2, found a list"},
           {base + "threads: [2\n", "c.yaml:"},
           {"- 1\n- 2\n", "c.yaml:1:1: expected a map of settings at the top level"},
           {"", "expected a map of settings at the top level"},
       }) {
    const std::string msg = error_of(c.text);
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "text:\n" << c.text << "\nmessage: " << msg;
  }
}

TEST(Config, CanonicalIgnoresCommentsAndOrder) {
  Config a = parse_config(kGood, "a.yaml");
  Config b = parse_config("# comment\nthreads: 4\narray: {cols: 5, rows: 3}\nname: top\nacc_bits: 32\n", "b.yaml");
  EXPECT_EQ(a.canonical(), b.canonical());
  EXPECT_EQ(a.hash(), b.hash());
  Config c = parse_config(std::string(kGood) + "acc_bits: 33\n", "c.yaml");
  EXPECT_NE(a.hash(), c.hash());
  EXPECT_EQ(a.hash().size(), 16u);
}

TEST(Config, NamedConfigsLoad) {
  namespace fs = std::filesystem;
  int n = 0;
  for (const auto& e : fs::directory_iterator(SYSMT_SOURCE_DIR "/configs")) {
    if (e.path().extension() != ".yaml") continue;
    Config c = load_config(e.path().string());
    EXPECT_EQ(c.name, e.path().stem().string()) << "a named config's name matches its file";
    ++n;
  }
  EXPECT_GE(n, 5);
  EXPECT_EQ(load_config(SYSMT_SOURCE_DIR "/configs/sysmt_4t_16x16.yaml").threads, 4);
}

// Every field, checked one by one so that a failure names it.
void expect_same_settings(const Config& got, const Config& want, const std::string& what) {
  EXPECT_EQ(got.name, want.name) << what;
  EXPECT_EQ(got.rows, want.rows) << what;
  EXPECT_EQ(got.cols, want.cols) << what;
  EXPECT_EQ(got.threads, want.threads) << what;
  EXPECT_EQ(got.acc_bits, want.acc_bits) << what;
  EXPECT_EQ(got.pipeline, want.pipeline) << what;
  EXPECT_EQ(got.gating, want.gating) << what;
  EXPECT_EQ(got.rounding, want.rounding) << what;
  EXPECT_EQ(got.zero_skip, want.zero_skip) << what;
  EXPECT_EQ(got.clock_period_ns, want.clock_period_ns) << what;
  EXPECT_EQ(got.hash(), want.hash()) << what;
  EXPECT_TRUE(got == want) << what;
}

TEST(ConfigEmitter, WritesEveryKeyInSchemaOrder) {
  Config c = named_config(2, 8, 4);
  c.pipeline = 0;
  c.rounding = Rounding::Truncate;
  c.clock_period_ns = 2.5;
  c.gating = Gating::Clock;
  EXPECT_EQ(emit_config(c, "made by hand"),
            "# made by hand\n"
            "name: sysmt_2t_8x4\n"
            "array:\n  rows: 8\n  cols: 4\n  pipeline: 0\n  gating: clock\n"
            "threads: 2\n"
            "acc_bits: 32\n"
            "nbsmt:\n  rounding: truncate\n  zero_skip: both\n"
            "synth:\n  clock_period_ns: 2.5\n");
  EXPECT_NE(emit_config(named_config(1, 1, 1)).find("  pipeline: auto\n"), std::string::npos);
  EXPECT_NE(emit_config(named_config(1, 1, 1)).find("  gating: none\n"), std::string::npos);
  EXPECT_EQ(emit_config(named_config(1, 1, 1)).find('#'), std::string::npos) << "no header, no comment";
}

// parse(emit(c)) == c over every value of every enum and the edges of every range, and emit is
// deterministic (emitting the parsed config again gives the same bytes).
TEST(ConfigEmitter, RoundTripsEverySetting) {
  int n = 0;
  for (int threads : {1, 2, 4})
    for (int pipeline : {-1, 0, 1})
      for (Rounding r : {Rounding::Truncate, Rounding::HalfUp, Rounding::HalfEven})
        for (ZeroSkip z : {ZeroSkip::Both, ZeroSkip::Act})
          for (double period : {0.1, 1.0 / 3.0, 7.25, 10.0, 1000.0}) {
            Config c;
            c.name = "rt_" + std::to_string(n++);
            c.rows = 1 + n % 64;
            c.cols = 64 - n % 64;
            c.threads = threads;
            c.acc_bits = 16 + n % 49;
            c.pipeline = pipeline;
            c.gating = n % 2 ? Gating::Clock : Gating::None;
            c.rounding = r;
            c.zero_skip = z;
            c.clock_period_ns = period;
            const std::string text = emit_config(c, "round trip");
            const Config back = parse_config(text, "rt.yaml");
            expect_same_settings(back, c, text);
            EXPECT_EQ(emit_config(back, "round trip"), text);
          }
  Config a = named_config(4, 3, 5), b = a;
  EXPECT_TRUE(a == b);
  b.clock_period_ns = 10.000000000000002;
  EXPECT_TRUE(a != b) << "equality compares every setting exactly";
  b = a;
  b.gating = Gating::Clock;
  EXPECT_TRUE(a != b) << "gating is a setting";
  EXPECT_NE(a.hash(), b.hash());
  b = a;
  b.source = "elsewhere.yaml";
  EXPECT_TRUE(a == b) << "where a config was read from is not a setting";
}

TEST(ConfigNames, PatternOfTheNamedConfigs) {
  EXPECT_EQ(config_name(1, 16, 16), "sysmt_1t_16x16");
  EXPECT_EQ(config_name(4, 2, 3), "sysmt_4t_2x3");
  EXPECT_EQ(config_name(2, 4, 4, "trunc_act"), "sysmt_2t_4x4_trunc_act");
  namespace fs = std::filesystem;
  int plain = 0;
  for (const auto& e : fs::directory_iterator(SYSMT_SOURCE_DIR "/configs")) {
    if (e.path().extension() != ".yaml") continue;
    const Config c = load_config(e.path().string());
    const std::string base = config_name(c.threads, c.rows, c.cols);
    ASSERT_EQ(c.name.rfind(base, 0), 0u) << e.path() << ": name does not follow sysmt_<T>t_<R>x<C>[_variant]";
    if (c.name == base) {  // a plain named config is the defaults at that size
      expect_same_settings(named_config(c.threads, c.rows, c.cols), c, e.path().string());
      ++plain;
    } else {
      EXPECT_EQ(c.name, config_name(c.threads, c.rows, c.cols, c.name.substr(base.size() + 1))) << e.path();
    }
  }
  EXPECT_GE(plain, 12);
}

// `sysmt flow` writes named_config(T, R, C) with emit_config; for 16x16 that must be exactly the named
// configs configs/sysmt_{1,2,4}t_16x16.yaml, setting by setting.
TEST(ConfigNames, FlowConfigsEqualTheNamedOnes) {
  for (int t : {1, 2, 4}) {
    const std::string file = std::string(SYSMT_SOURCE_DIR "/configs/sysmt_") + std::to_string(t) + "t_16x16.yaml";
    const Config flow = parse_config(emit_config(named_config(t, 16, 16), "Written by sysmt flow."), "flow.yaml");
    expect_same_settings(flow, load_config(file), file);
  }
}

TEST(Config, MissingFile) {
  try {
    load_config("/nonexistent/x.yaml");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.yaml: cannot open"), std::string::npos) << e.what();
  }
}

TEST(Config, SchemaDocumentsEveryKey) {
  const std::string doc = read_file(SYSMT_SOURCE_DIR "/docs/configuration.md");
  for (const KeyDoc& k : config_schema()) {
    EXPECT_NE(doc.find("`" + k.key + "`"), std::string::npos) << k.key << " is not documented in docs/configuration.md";
    EXPECT_FALSE(k.type.empty()) << k.key;
    EXPECT_FALSE(k.default_value.empty()) << k.key;
    EXPECT_FALSE(k.range.empty()) << k.key;
    EXPECT_FALSE(k.meaning.empty()) << k.key;
  }
}

}  // namespace
}  // namespace sysmt
