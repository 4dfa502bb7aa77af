// Hostile input, one table per subcommand (issue 11): every case runs the real sysmt binary in a fresh
// folder and checks the exit status, a message naming what is wrong, and that the folder afterwards holds
// exactly what it held before (nothing half-written, no temporaries, special files left as they were).
// The positive cases (written through a link, a byte order mark skipped) check the output too.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "common/files.hpp"
#include "tb/cli/cli_runner.hpp"

namespace sysmt::test {
namespace {

namespace fs = std::filesystem;

// A string literal with its NUL bytes.
#define BYTES(s) std::string(s, sizeof(s) - 1)

const std::string kCfg = SYSMT_SOURCE_DIR "/configs/";
const std::string kTwoThread = "name: c\narray:\n  rows: 4\n  cols: 4\nthreads: 2\n";

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

// Every entry under `dir` (recursively) with its kind: what a failed command must leave unchanged.
std::map<std::string, std::string> listing(const fs::path& dir) {
  std::map<std::string, std::string> m;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    const fs::file_status st = it->symlink_status();
    const std::string kind = fs::is_symlink(st)        ? "link"
                             : fs::is_directory(st)    ? "dir"
                             : fs::is_fifo(st)         ? "fifo"
                             : fs::is_regular_file(st) ? "file:" + read_file(it->path())
                                                       : "other";
    m[fs::relative(it->path(), dir).string()] = kind;
  }
  return m;
}

struct Case {
  std::string name;
  std::function<void(const fs::path&)> setup;                              // files the case needs, in its folder
  std::string args;                                                        // "{d}" is the case's folder
  int status;                                                              // expected exit status
  std::string expect;                                                      // a piece of the message
  std::function<void(const fs::path&, const CmdResult&)> check = nullptr;  // more checks (positive cases)
};

std::string expand(std::string s, const fs::path& d) {
  for (size_t p; (p = s.find("{d}")) != std::string::npos;) s.replace(p, 3, d.string());
  return s;
}

// The operands of the examples: a 4x4 two-thread config, X 2x3, W 3x2.
void base(const fs::path& d) {
  write(d / "c.yaml", kTwoThread);
  write(d / "x.csv", "1,2,3\n4,5,6\n");
  write(d / "w.csv", "1,-1\n2,-2\n3,-3\n");
}

void run_table(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir d;
    if (c.setup) c.setup(d.path);
    const auto before = listing(d.path);
    // A bounded run: a defect that makes sysmt read forever fails the case instead of hanging the suite.
    const CmdResult r = run(expand(c.args, d.path), "timeout 60");
    EXPECT_EQ(r.status, c.status) << r.out;
    EXPECT_NE(r.out.find(c.expect), std::string::npos) << "expected '" << c.expect << "' in:\n" << r.out;
    for (char ch : r.out)
      EXPECT_TRUE(ch == '\n' || static_cast<unsigned char>(ch) >= 0x20) << "raw control byte " << int(ch) << " in:\n" << r.out;
    if (c.status != 0) {
      EXPECT_EQ(listing(d.path), before) << "a failed command changed its folder:\n" << r.out;
      EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "expected one line:\n" << r.out;
    }
    if (c.check) c.check(d.path, r);
  }
}

const std::string kGemm = "gemm {d}/c.yaml --x {d}/x.csv --w {d}/w.csv -q";

TEST(BadInput, Gemm) {
  const std::string y = "14,-14\n32,-32\n";  // X W, exact (no two threads collide on these operands)
  run_table({
      // 1. special and linked targets
      {"fifo_output",
       [](const fs::path& d) {
         base(d);
         ::mkfifo((d / "p.csv").c_str(), 0644);
       },
       kGemm + " -o {d}/p.csv", 2, "p.csv: is a special file"},
      // As root, a device node of the test's own (the run replaced /dev/full itself: a defective
      // binary must not be able to do that to the machine running this test); else /dev/full, which only
      // root could replace.
      {"device_output",
       [](const fs::path& d) {
         base(d);
         if (::geteuid() == 0) {
           ASSERT_EQ(::mknod((d / "full").c_str(), S_IFCHR | 0666, ::makedev(1, 7)), 0);
         }
       },
       kGemm + (::geteuid() == 0 ? " -o {d}/full" : " -o /dev/full"), 2, "full: is a special file",
       [](const fs::path& d, const CmdResult&) {
         EXPECT_TRUE(fs::is_character_file(::geteuid() == 0 ? d / "full" : fs::path("/dev/full")));
       }},
      {"dangling_link_output",
       [](const fs::path& d) {
         base(d);
         fs::create_symlink(d / "nowhere" / "y.csv", d / "l.csv");
       },
       kGemm + " -o {d}/l.csv", 2, "l.csv: is a symbolic link to nothing"},
      {"link_written_through",
       [](const fs::path& d) {
         base(d);
         write(d / "real.csv", "old\n");
         fs::create_symlink("real.csv", d / "l.csv");
       },
       kGemm + " -o {d}/l.csv", 0, "",
       [y](const fs::path& d, const CmdResult&) {
         EXPECT_TRUE(fs::is_symlink(d / "l.csv"));
         EXPECT_EQ(read_file(d / "real.csv"), y);
       }},
      // 2. partial output
      {"second_output_unwritable", base, kGemm + " -o {d}/y.csv --stats {d}/nodir/s.json", 2, "nodir/s.json: cannot write: folder"},
      // 3. a folder as output
      {"folder_output",
       [](const fs::path& d) {
         base(d);
         fs::create_directory(d / "out");
       },
       kGemm + " -o {d}/out", 2, "out: is a folder, expected a file name"},
      // 5. and 6. sizes: 64-bit, range-checked, memory estimated first
      {"random_wraps_2_32", base, "gemm {d}/c.yaml --random 4294967297x1x1 -q", 2, "too large (at most 2147483647)"},
      {"random_huge", base, "gemm {d}/c.yaml --random 99999999999x1x1 -q", 2, "too large"},
      {"random_over_memory", base, "gemm {d}/c.yaml --random 100000x1x100000 -q", 2, "needs about 260.8 GiB of memory, over the limit"},
      {"max_memory_option", base, "gemm {d}/c.yaml --random 1000x1000x1000 -q --max-memory 1M", 2,
       "over the limit of 1.0 MiB (--max-memory)"},
      {"max_memory_bad", base, "gemm {d}/c.yaml --random 2x2x2 -q --max-memory lots", 2, "--max-memory"},
      {"random_shape_junk", base, "gemm {d}/c.yaml --random 2x2x2x2 -q", 2, "expected MxKxN"},
      {"random_and_files", base, kGemm + " --random 2x3x2", 2, "give either --random or --x and --w, not both"},
      // Minor: seeds, CSV bytes, one file named twice, endless inputs
      {"seed_negative", base, "gemm {d}/c.yaml --random 2x2x2 -q --seed -5", 2, "--seed: expected a number of 0 or more"},
      {"seed_2_64", base, "gemm {d}/c.yaml --random 2x2x2 -q --seed 18446744073709551616", 2, "--seed: the number is too large"},
      {"seed_max_ok", base, "gemm {d}/c.yaml --random 2x2x2 -q --seed 18446744073709551615", 0, ""},
      {"plus_minus",
       [](const fs::path& d) {
         base(d);
         write(d / "x.csv", "1,+-1,3\n4,5,6\n");
       },
       kGemm, 2, "x.csv:1: column 2: '+-1' is not a decimal integer"},
      {"plus_one_ok",
       [](const fs::path& d) {
         base(d);
         write(d / "x.csv", "1,+2,3\n4,5,6\n");
       },
       kGemm, 0, "14,-14"},
      {"bom_skipped",
       [](const fs::path& d) {
         base(d);
         write(d / "x.csv",
               "\xEF\xBB\xBF"
               "1,2,3\n4,5,6\n");
       },
       kGemm, 0, "", [y](const fs::path&, const CmdResult& r) { EXPECT_EQ(r.out, y); }},
      {"bom_inside_shown",
       [](const fs::path& d) {
         base(d);
         write(d / "x.csv",
               "1,\xEF\xBB\xBF"
               "2,3\n4,5,6\n");
       },
       kGemm, 2, "'\\uFEFF2' is not a decimal integer"},
      {"nul_shown",
       [](const fs::path& d) {
         base(d);
         write(d / "x.csv", BYTES("1,2\0,3\n4,5,6\n"));
       },
       kGemm, 2, "'2\\0' is not a decimal integer"},
      {"cr_shown",
       [](const fs::path& d) {
         base(d);
         write(d / "x.csv", "1,2\r3,3\n4,5,6\n");
       },
       kGemm, 2, "'2\\r3' is not a decimal integer"},
      {"esc_shown",
       [](const fs::path& d) {
         base(d);
         write(d / "x.csv", "1,\x1b[31m2,3\n4,5,6\n");
       },
       kGemm, 2, "'\\x1B[31m2'"},
      {"same_file_twice", base, kGemm + " -o {d}/same.csv --stats {d}/same.csv", 2, "same.csv: named twice as an output"},
      {"same_file_twice_spelled_apart",
       [](const fs::path& d) {
         base(d);
         fs::create_directory(d / "sub");
       },
       kGemm + " -o {d}/same.csv --stats {d}/sub/../same.csv", 2, "named twice as an output"},
      {"dev_zero_input", base, "gemm {d}/c.yaml --x /dev/zero --w {d}/w.csv -q", 2, "/dev/zero: is not a regular file"},
      {"fifo_input",
       [](const fs::path& d) {
         base(d);
         ::mkfifo((d / "f.csv").c_str(), 0644);
       },
       "gemm {d}/c.yaml --x {d}/f.csv --w {d}/w.csv -q", 2, "f.csv: is not a regular file"},
  });
}

TEST(BadInput, Config) {
  auto cfg = [](const std::string& text) {
    return [text](const fs::path& d) {
      base(d);
      write(d / "c.yaml", text);
    };
  };
  run_table({
      // 4. reserved words as the name, with file:line:col
      {"name_bit", cfg("name: bit\narray: {rows: 4, cols: 4}\nthreads: 2\n"), kGemm, 2,
       "c.yaml:1:7: key 'name': 'bit' is not a Verilog identifier: a reserved word"},
      {"name_interface", cfg("array: {rows: 4, cols: 4}\nthreads: 2\nname: interface\n"), kGemm, 2, "c.yaml:3:7: key 'name'"},
      {"name_real", cfg("name: real\narray: {rows: 4, cols: 4}\nthreads: 2\n"), kGemm, 2, "c.yaml:1:7: key 'name'"},
      // 12. one document only
      {"two_documents", cfg(kTwoThread + "---\nname: d\narray: {rows: 2, cols: 2}\nthreads: 4\n"), kGemm, 2,
       "c.yaml:6:1: a second YAML document"},
      // Minor: quoted and tagged scalars are strings
      {"quoted_rows", cfg("name: c\narray:\n  rows: \"4\"\n  cols: 4\nthreads: 2\n"), kGemm, 2,
       "c.yaml:3:9: key 'array.rows': expected an integer, found the string '4' (quoted)"},
      {"str_tag_rows", cfg("name: c\narray:\n  rows: !!str 4\n  cols: 4\nthreads: 2\n"), kGemm, 2,
       "key 'array.rows': expected an integer, found the string '4' (tagged tag:yaml.org,2002:str)"},
      {"quoted_period", cfg(kTwoThread + "synth:\n  clock_period_ns: '5'\n"), kGemm, 2, "key 'synth.clock_period_ns': expected a number"},
      {"int_tag_ok", cfg("name: c\narray:\n  rows: !!int 4\n  cols: 4\nthreads: 2\n"), kGemm, 0, "14,-14"},
      {"bom_ok", cfg("\xEF\xBB\xBF" + kTwoThread), kGemm, 0, "14,-14"},
      {"nul_in_name_shown", cfg(BYTES("name: a\0b\narray: {rows: 4, cols: 4}\nthreads: 2\n")), kGemm, 2,
       "c.yaml:1:7: key 'name': 'a\\x08 '"},
      {"config_is_fifo",
       [](const fs::path& d) {
         base(d);
         fs::remove(d / "c.yaml");
         ::mkfifo((d / "c.yaml").c_str(), 0644);
       },
       kGemm, 2, "c.yaml: is not a regular file"},
  });
}

TEST(BadInput, Generate) {
  auto generated = [](const fs::path& d) {
    base(d);
    ASSERT_EQ(run("generate " + (d / "c.yaml").string() + " -q -o " + (d / "rtl").string()).status, 0);
  };
  run_table({
      {"fifo_target",
       [](const fs::path& d) {
         base(d);
         ::mkfifo((d / "p").c_str(), 0644);
       },
       "generate {d}/c.yaml -q -o {d}/p", 2, "p: exists and is not a folder"},
      {"file_target",
       [](const fs::path& d) {
         base(d);
         write(d / "f", "mine\n");
       },
       "generate {d}/c.yaml -q -o {d}/f", 2, "f: exists and is not a folder"},
      {"foreign_folder",
       [](const fs::path& d) {
         base(d);
         fs::create_directory(d / "mine");
         write(d / "mine" / "notes.txt", "keep\n");
       },
       "generate {d}/c.yaml -q -o {d}/mine", 2, "folder exists and was not written by sysmt"},
      {"keyword_name_writes_nothing",
       [](const fs::path& d) {
         base(d);
         write(d / "c.yaml", "name: table\narray: {rows: 2, cols: 2}\nthreads: 1\n");
       },
       "generate {d}/c.yaml -q -o {d}/rtl", 2, "c.yaml:1:7: key 'name': 'table' is not a Verilog identifier: a reserved word"},
      {"replaces_own_output", generated, "generate {d}/c.yaml -q -o {d}/rtl", 0, "",
       [](const fs::path& d, const CmdResult&) {
         EXPECT_TRUE(fs::exists(d / "rtl" / "c.json"));
         for (const auto& e : fs::directory_iterator(d))
           EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
       }},
  });
}

TEST(BadInput, Evaluate) {
  auto wl = [](const std::string& text) {
    return [text](const fs::path& d) {
      base(d);
      write(d / "net.txt", text);
    };
  };
  const std::string ev = "evaluate {d}/c.yaml --workload {d}/net.txt -o {d}/out -q";
  run_table({
      // 6. a layer too large for memory, refused before allocating
      {"layer_over_memory", wl("big 2048 2048 3 3 256 256 1 1\n"), ev, 2,
       "net.txt:1: layer 'big' needs about 56.0 GiB of memory, over the limit"},
      {"issue_layer_over_max_memory", wl("l1 4 4 1 1 2 2 1 0\nbig 1024 1024 3 3 256 256 1 1\n"), ev + " --max-memory 8G", 2,
       "net.txt:2: layer 'big' needs about 14.0 GiB of memory, over the limit of 8.0 GiB (--max-memory)"},
      {"bom_skipped",
       wl("\xEF\xBB\xBF"
          "l1 4 4 1 1 2 2 1 0\n"),
       ev, 0, "",
       [](const fs::path& d, const CmdResult& r) {
         EXPECT_EQ(r.out, "") << "-q prints nothing, gnuplot's warnings included";
         EXPECT_TRUE(fs::exists(d / "out" / "evaluate.json"));
       }},
      {"nul_in_name_shown", wl(BYTES("l\0 4 4 1 1 2 2 1 0\n")), ev, 2, "'l\\0' is not a layer name"},
      {"cr_in_field_shown", wl("l1 4\r5 4 1 1 2 2 1 0\n"), ev, 2, "'4\\r5'"},
      {"seed_negative", wl("l1 4 4 1 1 2 2 1 0\n"), ev + " --seed -5", 2, "--seed: expected a number of 0 or more"},
      {"workload_dev_zero", base, "evaluate {d}/c.yaml --workload /dev/zero -o {d}/out -q", 2, "/dev/zero: is not a regular file"},
  });
}

// The checks of `sysmt verify` that come before any Verilator build (fast); the cache and trace cases
// that need a model are in tb/verify/test_verify_reliability.cpp.
TEST(BadInput, VerifyBeforeBuilding) {
  run_table({
      {"trace_into_missing_folder", base, "verify {d}/c.yaml --gemms 1 --cache {d}/cache --trace {d}/nonexistent/dir/t.fst", 2,
       "t.fst: cannot write: folder"},
      {"cache_is_a_file",
       [](const fs::path& d) {
         base(d);
         write(d / "cachefile", "x\n");
       },
       "verify {d}/c.yaml --gemms 1 --cache {d}/cachefile", 2, "--cache "},
      {"malformed_manifest",
       [](const fs::path& d) {
         base(d);
         ASSERT_EQ(run("generate " + (d / "c.yaml").string() + " -q -o " + (d / "rtl").string()).status, 0);
         write(d / "rtl" / "c.json", "{ not json");
       },
       "verify {d}/c.yaml --gemms 1 --cache {d}/cache --rtl {d}/rtl", 2, "rtl/c.json: not a valid manifest"},
      {"manifest_wrong_type",
       [](const fs::path& d) {
         base(d);
         ASSERT_EQ(run("generate " + (d / "c.yaml").string() + " -q -o " + (d / "rtl").string()).status, 0);
         write(d / "rtl" / "c.json", "{\"pipeline_stages\": \"one\"}");
       },
       "verify {d}/c.yaml --gemms 1 --cache {d}/cache --rtl {d}/rtl", 2, "key 'pipeline_stages': expected an integer 0..2"},
      {"seed_negative", base, "verify {d}/c.yaml --gemms 1 --cache {d}/cache --seed -5", 2, "--seed: expected a number of 0 or more"},
  });
}

}  // namespace
}  // namespace sysmt::test
