// Integer inference of a QNet with every conv and FC GEMM run through the golden NB-SMT model
// (gemm_nbsmt), a batch of images per GEMM, images spread over worker threads (results do not depend on
// the number of workers).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "sim/golden/nbsmt.hpp"
#include "sim/nn/idx.hpp"
#include "sim/nn/qnet.hpp"

namespace sysmt::nn {

// How one GEMM layer runs on the array.
struct LayerPlan {
  int threads = 1;
  // Feeder order of K (mechanism (b), docs/accuracy.md): column j of the GEMM the array sees holds the
  // layer's k = order[j] (X's columns and W's rows permuted alike, so the exact result is unchanged).
  // Empty: the natural order.
  std::vector<int> order;
};

struct RunSpec {
  Rounding rounding = Rounding::HalfUp;
  ZeroSkip zero_skip = ZeroSkip::Both;
  int acc_bits = 32;
  Mapping mapping = Mapping::Interleaved;
  std::vector<LayerPlan> layers;  // one per GEMM layer, in QNet::gemm_layers() order

  static RunSpec uniform(const QNet& net, const Arith& arith, int threads, Mapping mapping);
};

struct Predictions {
  int classes = 0;
  std::vector<std::uint8_t> label;   // per image, argmax of the logits (lowest index on ties)
  std::vector<std::int64_t> logits;  // per image, `classes` int32 logits
};

struct InferOptions {
  int workers = 2;
  int batch = 16;                                                     // images per GEMM call
  std::function<void(std::size_t done, std::size_t total)> progress;  // called from worker 0 (may be empty)
};

// The first `count` images of `data` through the network.
Predictions run_network(const QNet& net, const Dataset& data, std::size_t count, const RunSpec& spec, const InferOptions& opt);

// One GEMM layer's input as the array sees it, for statistics passes: the im2col of `images` images
// (rows image-major) in the layer's natural K order, and its weights.
struct GemmView {
  int gemm_index = 0;  // position in QNet::gemm_layers()
  const QLayer* layer = nullptr;
  const IntMatrix* x = nullptr;
  const IntMatrix* w = nullptr;
  int worker = 0;
};

// Runs the network exactly (T = 1) and calls `hook` with every GEMM layer's operands (from the worker
// threads, concurrently: the hook must only touch state of its `worker`).
void exact_pass(const QNet& net, const Dataset& data, std::size_t first, std::size_t count, const InferOptions& opt,
                const std::function<void(const GemmView&)>& hook);

// Permutes the columns of X: out[:, j] = x[:, order[j]] (identity when order is empty).
IntMatrix permute_cols(const IntMatrix& x, const std::vector<int>& order);
IntMatrix permute_rows(const IntMatrix& w, const std::vector<int>& order);

}  // namespace sysmt::nn
