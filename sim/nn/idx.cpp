#include "sim/nn/idx.hpp"

#include <zlib.h>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/files.hpp"

namespace sysmt::nn {
namespace {

// Whole file contents, gunzipped when the name ends in ".gz".
std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw InputError(fmt::format("{}: no such file", path.string()));
  std::vector<std::uint8_t> out;
  if (path.extension() == ".gz") {
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) throw InputError(fmt::format("{}: cannot be opened", path.string()));
    // gzread passes a file that is not gzip through unchanged; demand the gzip magic explicitly.
    if (gzdirect(f) != 0) {
      gzclose(f);
      throw InputError(fmt::format("{}: not a gzip file (name ends in .gz)", path.string()));
    }
    std::uint8_t buf[1 << 16];
    for (;;) {
      const int n = gzread(f, buf, sizeof buf);
      if (n < 0) {
        int err = 0;
        std::string msg = gzerror(f, &err);
        gzclose(f);
        throw InputError(fmt::format("{}: gzip data is corrupt ({})", path.string(), msg));
      }
      if (n == 0) break;
      out.insert(out.end(), buf, buf + n);
    }
    // A truncated gzip stream ends without error from gzread on some zlib versions; gzclose reports it.
    if (gzclose(f) != Z_OK) throw InputError(fmt::format("{}: gzip data is truncated or corrupt", path.string()));
  } else {
    const std::string s = read_file(path);
    out.assign(s.begin(), s.end());
  }
  return out;
}

}  // namespace

IdxArray read_idx(const std::filesystem::path& path) {
  const std::vector<std::uint8_t> b = read_bytes(path);
  const std::string f = path.string();
  if (b.size() < 4) throw InputError(fmt::format("{}: {} bytes, shorter than the 4-byte IDX magic", f, b.size()));
  if (b[0] != 0 || b[1] != 0)
    throw InputError(fmt::format("{}: bad IDX magic (first two bytes must be 0, got {:#04x} {:#04x})", f, b[0], b[1]));
  if (b[2] != 0x08) throw InputError(fmt::format("{}: IDX type {:#04x} is not 0x08 (unsigned byte)", f, b[2]));
  const unsigned nd = b[3];
  if (nd == 0 || nd > 4) throw InputError(fmt::format("{}: IDX dimension count {} (expected 1..4)", f, nd));
  if (b.size() < 4 + 4 * static_cast<std::size_t>(nd))
    throw InputError(fmt::format("{}: header truncated ({} dimensions need {} bytes, file has {})", f, nd, 4 + 4 * nd, b.size()));
  IdxArray a;
  std::uint64_t total = 1;
  for (unsigned i = 0; i < nd; ++i) {
    const std::uint8_t* p = &b[4 + 4 * i];
    const std::uint32_t d = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
    a.dims.push_back(d);
    total *= d;
  }
  const std::uint64_t have = b.size() - 4 - 4 * nd;
  if (have != total) throw InputError(fmt::format("{}: header says {} data bytes, file has {}", f, total, have));
  a.data.assign(b.begin() + 4 + 4 * nd, b.end());
  return a;
}

std::filesystem::path default_dataset_dir() { return "/usr/share/datasets/fashion-mnist"; }

Dataset load_fashion_mnist(const std::filesystem::path& dir, const std::string& split) {
  const auto img = dir / (split + "-images-idx3-ubyte.gz");
  const auto lab = dir / (split + "-labels-idx1-ubyte.gz");
  for (const auto& p : {img, lab}) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec))
      throw InputError(
          fmt::format("{}: no such file; Fashion-MNIST comes from the Debian package dataset-fashion-mnist "
                      "(apt-get install dataset-fashion-mnist, or scripts/install-deps.sh)",
                      p.string()));
  }
  IdxArray im = read_idx(img);
  IdxArray la = read_idx(lab);
  if (im.dims.size() != 3) throw InputError(fmt::format("{}: {} dimensions, images need 3", img.string(), im.dims.size()));
  if (la.dims.size() != 1) throw InputError(fmt::format("{}: {} dimensions, labels need 1", lab.string(), la.dims.size()));
  if (im.dims[0] != la.dims[0])
    throw InputError(fmt::format("{}: {} images but {} has {} labels", img.string(), im.dims[0], lab.string(), la.dims[0]));
  for (std::size_t i = 0; i < la.data.size(); ++i)
    if (la.data[i] > 9) throw InputError(fmt::format("{}: label {} of item {} is not 0..9", lab.string(), la.data[i], i));
  Dataset d;
  d.count = im.dims[0];
  d.rows = im.dims[1];
  d.cols = im.dims[2];
  d.images = std::move(im.data);
  d.labels = std::move(la.data);
  return d;
}

}  // namespace sysmt::nn
