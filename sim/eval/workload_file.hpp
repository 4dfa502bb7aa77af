// Workload files (docs/evaluation.md "Workload files"): one convolution per line, read by a strict parser
// whose every error names the file, line, column and field. User tensors named by x= and w= are read
// and shape-checked here, so an evaluation cannot fail on input later.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sim/cycle/cycle_model.hpp"
#include "sim/eval/conv.hpp"
#include "sim/golden/nbsmt.hpp"

namespace sysmt {

// One line of a workload file:  NAME H W KH KW CIN COUT STRIDE PAD [key=value ...]
// Optional keys: act_zero=F (0..1), act_scale=S (> 0, LSBs), x=FILE (input activations, H*W rows x CIN
// columns, 0..255), w=FILE (weights, KH*KW*CIN rows x COUT columns, -128..127); files are relative to
// the workload file.
struct Layer {
  std::string name;
  ConvShape shape;
  std::string where;  // "FILE:LINE" of its definition, for messages
  std::optional<double> act_zero, act_scale;
  std::string x_file, w_file;  // as resolved paths ("" when synthetic)
  std::optional<Tensor3> x;    // loaded and validated user tensors
  std::optional<IntMatrix> w;
};

struct Workload {
  std::string name;    // file stem
  std::string source;  // the path it was read from
  std::string hash;    // FNV-1a of the file text
  std::vector<Layer> layers;
  std::uint64_t macs() const;
};

// Strict parser: every problem throws InputError "FILE:LINE:COL: field 'F': what is wrong". `base_dir`
// resolves x= and w= paths.
Workload parse_workload(const std::string& text, const std::string& source, const std::filesystem::path& base_dir);
Workload load_workload(const std::string& path);

// The GEMM each layer lowers to (M = output pixels, K = KH*KW*Cin, N = Cout), in file order: the shapes
// the cycle model is run on, exposed so that it can be checked against RTL simulation.
std::vector<GemmShape> gemm_shapes(const Workload& wl);

}  // namespace sysmt
