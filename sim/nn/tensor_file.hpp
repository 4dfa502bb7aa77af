// The float weight file of a trained network ("SYSMTFW1"), written by train/ (libtorch) and read by the
// default build. Little-endian binary:
//   8 bytes  magic "SYSMTFW1"
//   u32      tensor count
//   per tensor: u32 name length, name bytes (ASCII), u32 rank, u32 size per dimension, float32 values
//               (row-major, count = product of the sizes)
// Nothing follows the last tensor. Names and shapes of the network in docs/accuracy.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace sysmt::nn {

struct FloatTensor {
  std::vector<std::uint32_t> shape;
  std::vector<float> values;
};

using TensorMap = std::map<std::string, FloatTensor>;

// Serialises in name order (std::map), so the same tensors give the same bytes.
std::string encode_tensors(const TensorMap& t);
void write_tensors(const std::filesystem::path& path, const TensorMap& t);
// Throws InputError naming the file and the byte offset of a malformed entry.
TensorMap read_tensors(const std::filesystem::path& path);

}  // namespace sysmt::nn
