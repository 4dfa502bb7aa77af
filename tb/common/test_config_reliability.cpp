// Config reader against hostile input (issue 11 items 4 and 12, and the scalar-type item): reserved
// words of Verilog-2005 and SystemVerilog-2017 as `name`, multi-document files, quoted and tagged
// numbers, byte order marks and control bytes. Every error names file:line:col and the key.
#include <gtest/gtest.h>

#include "common/config.hpp"
#include "common/error.hpp"

namespace sysmt::test {
namespace {

std::string error_of(const std::string& yaml) {
  try {
    parse_config(yaml, "c.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(ConfigReliability, ReservedWordsAreNotNames) {
  // The list (exit 3 or Verilog that Icarus and Verilator reject), then a word of each part of
  // IEEE 1364-2005 Annex B and IEEE 1800-2017 Annex B.
  const char* words[] = {"bit",
                         "int",
                         "interface",
                         "class",
                         "byte",
                         "package",
                         "config",
                         "library",
                         "cell",
                         "design",
                         "use",
                         "automatic",
                         "unsigned",
                         "tri",
                         "nand",
                         "edge",
                         "time",
                         "event",
                         "fork",
                         "join",
                         "wait",
                         "force",
                         "table",
                         "defparam",
                         "specify",
                         "real",
                         "wand",
                         "pmos",
                         "primitive",
                         "uwire",
                         "program",
                         "string",
                         "final",
                         "module",
                         "pulsestyle_onevent",
                         "noshowcancelled",
                         "incdir",
                         "rtranif1",
                         "trireg",
                         "highz0",
                         "always_ff",
                         "s_until_with",
                         "sync_reject_on",
                         "unique0",
                         "interconnect",
                         "nettype",
                         "implements",
                         "soft",
                         "untyped",
                         "wildcard",
                         "chandle",
                         "shortreal"};
  for (const char* w : words) {
    const std::string e = error_of(std::string("array: {rows: 2, cols: 2}\nthreads: 1\nname: ") + w + "\n");
    EXPECT_NE(e.find("c.yaml:3:7: key 'name': '" + std::string(w) + "' is not a Verilog identifier: a reserved word"), std::string::npos)
        << w << ": " << e;
  }
  // Near misses are fine names.
  for (const char* ok : {"bits", "Int", "tables", "my_interface", "wire_x", "_package"})
    EXPECT_EQ(error_of(std::string("name: ") + ok + "\narray: {rows: 2, cols: 2}\nthreads: 1\n"), "(accepted)") << ok;
}

TEST(ConfigReliability, OneDocumentOnly) {
  const std::string one = "name: a\narray: {rows: 2, cols: 2}\nthreads: 1\n";
  EXPECT_EQ(error_of(one), "(accepted)");
  EXPECT_EQ(error_of("---\n" + one), "(accepted)");
  EXPECT_NE(error_of(one + "---\n" + one).find("c.yaml:4:1: a second YAML document"), std::string::npos) << error_of(one + "---\n" + one);
  EXPECT_NE(error_of(one + "---\nname: b\n").find("a second YAML document"), std::string::npos);
}

// Found by tb/fuzz/fuzz_config: stray text after a flow map made yaml-cpp's LoadAll loop forever, and
// YAML::Load ignores it. Both are now "text after the first document" (the test times out if it hangs).
TEST(ConfigReliability, TextAfterTheFirstDocument) {
  EXPECT_NE(error_of("{name: a, array: {rows: 2, cols: 2}, threads: 1}, x\n").find("c.yaml:1:49: a second YAML document, or text after"),
            std::string::npos)
      << error_of("{name: a, array: {rows: 2, cols: 2}, threads: 1}, x\n");
  EXPECT_NE(error_of("{name: f, a1}, #thread\x82: 1, acc_bits:  pipeline: 1},").find("a second YAML document"), std::string::npos);
  EXPECT_NE(error_of("{name: a, array: {rows: 2, cols: 2}, threads: 1} x\n").find("a second YAML document"), std::string::npos);
}

TEST(ConfigReliability, QuotedAndTaggedScalarsAreNotNumbers) {
  EXPECT_NE(error_of("name: a\narray: {rows: \"4\", cols: 2}\nthreads: 1\n")
                .find("c.yaml:2:15: key 'array.rows': expected an integer, found the string '4' (quoted)"),
            std::string::npos);
  EXPECT_NE(
      error_of("name: a\narray: {rows: 4, cols: 2}\nthreads: !!str 1\n").find("key 'threads': expected an integer, found the string '1'"),
      std::string::npos);
  EXPECT_NE(error_of("name: a\narray: {rows: 4, cols: 2}\nthreads: 1\nacc_bits: '32'\n").find("key 'acc_bits'"), std::string::npos);
  EXPECT_NE(error_of("name: a\narray: {rows: 4, cols: 2, pipeline: \"1\"}\nthreads: 1\n").find("key 'array.pipeline'"), std::string::npos);
  EXPECT_EQ(error_of("name: a\narray: {rows: 4, cols: 2, pipeline: \"auto\"}\nthreads: !!int 1\n"), "(accepted)");
  EXPECT_EQ(error_of("name: \"a\"\narray: {rows: 4, cols: 2}\nthreads: 1\nsynth: {clock_period_ns: !!float 5}\n"), "(accepted)");
}

TEST(ConfigReliability, BomAcceptedControlBytesEscaped) {
  EXPECT_EQ(error_of("\xEF\xBB\xBFname: a\narray: {rows: 2, cols: 2}\nthreads: 1\n"), "(accepted)");
  const std::string e = error_of(std::string("name: a\x1b[2Jb\narray: {rows: 2, cols: 2}\nthreads: 1\n"));
  EXPECT_NE(e.find("'a\\x1B[2Jb'"), std::string::npos) << e;
  EXPECT_EQ(e.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace sysmt::test
