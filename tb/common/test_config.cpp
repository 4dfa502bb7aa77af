// Config schema: every key's type, range and default; unknown, duplicate, missing and mistyped keys are
// errors naming file, line, column and key; the canonical form and hash ignore comments and order.
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
  // The canonical text (and so the hash) holds the resolved value: auto and its explicit value agree.
  EXPECT_EQ(parse_config("name: top\narray:\n  rows: 3\n  cols: 5\n  pipeline: 1\nthreads: 4\n", "c.yaml").hash(), c.hash());
}

TEST(Config, Errors) {
  struct Case { std::string text, expect; };
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
           {base + "threads: 2\nnbsmt:\n  rounding: nearest\n", "c.yaml:7:13: key 'nbsmt.rounding': 'nearest' is not one of truncate, half_up, half_even"},
           {base + "threads: 2\nnbsmt:\n  zero_skip: [a]\n", "key 'nbsmt.zero_skip': expected a string, found a list"},
           {"name: top\narray:\n  rows: 3\n  cols: 5\n  pipeline: 2\nthreads: 2\n", "c.yaml:5:13: key 'array.pipeline': '2' is not one of auto, 0, 1"},
           {"name: top\narray:\n  rows: 3\n  cols: 5\n  pipeline: [1]\nthreads: 2\n", "key 'array.pipeline': expected auto, 0 or 1, found a list"},
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
