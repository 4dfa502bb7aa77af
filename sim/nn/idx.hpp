// Reader for the IDX files Fashion-MNIST ships in (Debian package `dataset-fashion-mnist`): big-endian
// header (two zero bytes, a type byte 0x08 = unsigned byte, the number of dimensions, one 32-bit size per
// dimension), then the data. Plain or gzip-compressed (a ".gz" name is read through zlib).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sysmt::nn {

struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> data;  // row-major, dims[0] * dims[1] * ... bytes
};

// Reads one IDX file of unsigned bytes. Throws InputError naming the file and what is wrong (missing,
// not gzip, truncated, wrong magic, sizes that do not match the file length).
IdxArray read_idx(const std::filesystem::path& path);

// The Fashion-MNIST split `train` or `t10k`: images (N x 28 x 28) and labels (N).
struct Dataset {
  std::size_t count = 0;
  std::size_t rows = 0, cols = 0;
  std::vector<std::uint8_t> images;  // count * rows * cols, raw pixels 0..255
  std::vector<std::uint8_t> labels;  // count, 0..9
};

// Folder the Debian package installs the files into.
std::filesystem::path default_dataset_dir();
// Reads `<dir>/<split>-images-idx3-ubyte.gz` and `<dir>/<split>-labels-idx1-ubyte.gz`; a missing folder
// or file is an InputError that names the Debian package `dataset-fashion-mnist`.
Dataset load_fashion_mnist(const std::filesystem::path& dir, const std::string& split);

}  // namespace sysmt::nn
