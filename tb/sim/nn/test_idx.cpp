// The IDX reader on small files the test writes: plain and gzipped, and every malformed case it must
// reject with a message naming the file.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "sim/nn/idx.hpp"

namespace sysmt::nn {
namespace {

namespace fs = std::filesystem;

class Idx : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sysmt_idx_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write_plain(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  fs::path write_gz(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    gzFile f = gzopen(p.c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
    return p;
  }
  static std::string idx(std::vector<std::uint32_t> dims, const std::string& data, std::uint8_t type = 0x08) {
    std::string s = {'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
    for (auto d : dims)
      for (int b = 3; b >= 0; --b) s.push_back(static_cast<char>((d >> (8 * b)) & 0xff));
    return s + data;
  }
  // The message of the InputError `f` throws ("" when it does not throw).
  template <typename F>
  static std::string error_of(F f) {
    try {
      f();
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

TEST_F(Idx, ReadsPlainFileBigEndianSizes) {
  // 2 x 3 x 258: the third size needs two bytes, in big-endian order.
  std::string data;
  for (int i = 0; i < 2 * 3 * 258; ++i) data.push_back(static_cast<char>(i % 251));
  const IdxArray a = read_idx(write_plain("a.idx", idx({2, 3, 258}, data)));
  ASSERT_EQ(a.dims, (std::vector<std::uint32_t>{2, 3, 258}));
  ASSERT_EQ(a.data.size(), 1548u);
  EXPECT_EQ(a.data[0], 0);
  EXPECT_EQ(a.data[250], 250);
  EXPECT_EQ(a.data[251], 0);
  EXPECT_EQ(a.data[1547], 1547 % 251);
}

TEST_F(Idx, ReadsGzippedFile) {
  const IdxArray a = read_idx(write_gz("l.idx.gz", idx({5}, std::string("\x01\x02\x03\x09\x00", 5))));
  EXPECT_EQ(a.dims, (std::vector<std::uint32_t>{5}));
  EXPECT_EQ(a.data, (std::vector<std::uint8_t>{1, 2, 3, 9, 0}));
}

TEST_F(Idx, RejectsMalformedFiles) {
  EXPECT_NE(error_of([&] { read_idx(dir_ / "missing.idx"); }).find("missing.idx: no such file"), std::string::npos);
  EXPECT_NE(error_of([&] { read_idx(write_plain("short", std::string("\0\0", 2))); }).find("shorter than the 4-byte IDX magic"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_idx(write_plain("magic", std::string("\1\0\x08\x01\0\0\0\0", 8))); }).find("bad IDX magic"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_idx(write_plain("type", idx({1}, "x", 0x0d))); }).find("is not 0x08"), std::string::npos);
  EXPECT_NE(error_of([&] { read_idx(write_plain("rank", idx({}, ""))); }).find("dimension count 0"), std::string::npos);
  // Header says 2 x 2 but the file has 3 data bytes; and a header cut short.
  EXPECT_NE(error_of([&] {
              read_idx(write_plain("size", idx({2, 2}, "abc")));
            }).find("header says 4 data bytes, file has 3"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_idx(write_plain("hdr", idx({2, 2}, "").substr(0, 9))); }).find("header truncated"), std::string::npos);
  // A ".gz" name must hold gzip data; a gzip stream cut in half is an error, not a short array.
  EXPECT_NE(error_of([&] { read_idx(write_plain("plain.gz", idx({1}, "x"))); }).find("not a gzip file"), std::string::npos);
  std::string big;
  for (int i = 0; i < 20000; ++i) big.push_back(static_cast<char>((i * 7919) % 256));
  const fs::path whole = write_gz("whole.gz", idx({20000}, big));
  std::string bytes;
  {
    std::ifstream in(whole, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const fs::path cut = write_plain("cut.gz", bytes.substr(0, bytes.size() / 2));
  const std::string msg = error_of([&] { read_idx(cut); });
  EXPECT_NE(msg.find("cut.gz"), std::string::npos) << msg;
  EXPECT_NE(msg.find("gzip"), std::string::npos) << msg;
}

TEST_F(Idx, LoadsDatasetAndChecksConsistency) {
  const std::string img = std::string(2 * 4, '\x07');
  write_gz("tiny-images-idx3-ubyte.gz", idx({2, 2, 2}, img));
  write_gz("tiny-labels-idx1-ubyte.gz", idx({2}, std::string("\x03\x09", 2)));
  const Dataset d = load_fashion_mnist(dir_, "tiny");
  EXPECT_EQ(d.count, 2u);
  EXPECT_EQ(d.rows, 2u);
  EXPECT_EQ(d.cols, 2u);
  EXPECT_EQ(d.labels, (std::vector<std::uint8_t>{3, 9}));
  // Label 10 is not a class; counts that disagree are an error.
  write_gz("bad-images-idx3-ubyte.gz", idx({2, 2, 2}, img));
  write_gz("bad-labels-idx1-ubyte.gz", idx({2}, std::string("\x03\x0a", 2)));
  EXPECT_NE(error_of([&] { load_fashion_mnist(dir_, "bad"); }).find("label 10 of item 1"), std::string::npos);
  write_gz("cnt-images-idx3-ubyte.gz", idx({2, 2, 2}, img));
  write_gz("cnt-labels-idx1-ubyte.gz", idx({3}, std::string("\x01\x02\x03", 3)));
  EXPECT_NE(error_of([&] { load_fashion_mnist(dir_, "cnt"); }).find("2 images but"), std::string::npos);
}

TEST_F(Idx, MissingDatasetNamesTheDebianPackage) {
  const std::string msg = error_of([&] { load_fashion_mnist(dir_ / "nowhere", "t10k"); });
  EXPECT_NE(msg.find("t10k-images-idx3-ubyte.gz"), std::string::npos) << msg;
  EXPECT_NE(msg.find("dataset-fashion-mnist"), std::string::npos) << msg;
}

}  // namespace
}  // namespace sysmt::nn
