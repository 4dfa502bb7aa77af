#include "sim/nn/tensor_file.hpp"

#include <cstring>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/output.hpp"

namespace sysmt::nn {
namespace {

void put_u32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

struct Cursor {
  const std::string& s;
  const std::string& file;
  std::size_t pos = 0;
  void need(std::size_t n, const char* what) const {
    if (s.size() - pos < n) throw InputError(fmt::format("{}: byte {}: file ends inside {}", file, pos, what));
  }
  std::uint32_t u32(const char* what) {
    need(4, what);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t{static_cast<std::uint8_t>(s[pos + i])} << (8 * i);
    pos += 4;
    return v;
  }
};

}  // namespace

std::string encode_tensors(const TensorMap& t) {
  std::string s = "SYSMTFW1";
  put_u32(s, static_cast<std::uint32_t>(t.size()));
  for (const auto& [name, ten] : t) {
    put_u32(s, static_cast<std::uint32_t>(name.size()));
    s += name;
    put_u32(s, static_cast<std::uint32_t>(ten.shape.size()));
    std::size_t n = 1;
    for (auto d : ten.shape) {
      put_u32(s, d);
      n *= d;
    }
    if (n != ten.values.size()) throw std::logic_error(fmt::format("tensor {}: shape holds {} values, has {}", name, n, ten.values.size()));
    for (float f : ten.values) {
      std::uint32_t u;
      std::memcpy(&u, &f, 4);
      put_u32(s, u);
    }
  }
  return s;
}

void write_tensors(const std::filesystem::path& path, const TensorMap& t) { write_file_atomic(path, encode_tensors(t)); }

TensorMap read_tensors(const std::filesystem::path& path) {
  const std::string s = read_file(path);
  const std::string f = path.string();
  if (s.size() < 8 || s.compare(0, 8, "SYSMTFW1") != 0)
    throw InputError(fmt::format("{}: not a SySMT float weight file (magic SYSMTFW1 missing)", f));
  Cursor c{s, f, 8};
  const std::uint32_t count = c.u32("the tensor count");
  TensorMap out;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint32_t nl = c.u32("a name length");
    if (nl == 0 || nl > 256) throw InputError(fmt::format("{}: byte {}: name length {} out of range", f, c.pos - 4, nl));
    c.need(nl, "a tensor name");
    std::string name = s.substr(c.pos, nl);
    c.pos += nl;
    const std::uint32_t rank = c.u32("a rank");
    if (rank > 4) throw InputError(fmt::format("{}: tensor {}: rank {} (at most 4)", f, name, rank));
    FloatTensor ten;
    std::uint64_t n = 1;
    for (std::uint32_t r = 0; r < rank; ++r) {
      ten.shape.push_back(c.u32("a shape"));
      n *= ten.shape.back();
    }
    if (n > (s.size() - c.pos) / 4) throw InputError(fmt::format("{}: tensor {}: file ends inside its {} values", f, name, n));
    ten.values.resize(n);
    for (std::uint64_t k = 0; k < n; ++k) {
      const std::uint32_t u = c.u32("values");
      std::memcpy(&ten.values[k], &u, 4);
    }
    if (!out.emplace(name, std::move(ten)).second) throw InputError(fmt::format("{}: tensor {} appears twice", f, name));
  }
  if (c.pos != s.size()) throw InputError(fmt::format("{}: byte {}: {} bytes after the last tensor", f, c.pos, s.size() - c.pos));
  return out;
}

}  // namespace sysmt::nn
