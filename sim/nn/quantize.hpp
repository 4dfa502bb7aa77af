// From trained float weights to the integer network: the float graph of the Fashion-MNIST ResNet
// (BN folded), a float forward pass (calibration and the float reference), activation calibration on
// training images and post-training quantization (docs/accuracy.md, "Quantization").
#pragma once

#include <string>
#include <vector>

#include "sim/nn/idx.hpp"
#include "sim/nn/qnet.hpp"
#include "sim/nn/tensor_file.hpp"

namespace sysmt::nn {

// The float network in the shape of QNet: the same tensors and layers, float weights (K x N, BN folded)
// and biases; `relu` on convs whose output is uint8 in the integer network.
struct FLayer {
  OpKind kind = OpKind::Conv;
  std::string name, in, in2, out;
  ConvShape shape;
  std::vector<float> w;  // K x N, k = (ky*KW+kx)*Cin+ci
  std::vector<float> b;  // N
};
struct FNet {
  std::string name;
  std::vector<QTensor> tensors;  // scale unset (1) until calibrated
  std::vector<FLayer> layers;
  std::string input = "input", output = "logits";
  int tensor_index(const std::string& n) const;
};

// The network of docs/accuracy.md from the tensors train/ writes (names as in the weight file). Throws
// InputError naming `source` and the tensor when a tensor is missing or has the wrong shape.
FNet fmresnet_from_tensors(const TensorMap& t, const std::string& name, const std::string& source);

// Float forward pass of one image (uint8 pixels, real value pixel / 255): every tensor's values, in
// FNet::tensors order.
std::vector<std::vector<float>> float_forward(const FNet& net, const std::uint8_t* image);

struct Calibration {
  std::string method = "percentile";  // "max" or "percentile"
  double percentile = 99.99;          // for "percentile": the value below which this % of the tensor's values lie
  int images = 1000;                  // the first N training images
  std::string describe() const;
};

struct QuantizeResult {
  QNet net;
  double float_top1 = 0;  // float forward pass on the test images, %
};

// Calibrates on `train` (first cal.images), quantizes, and measures the float top-1 on `test`
// (skipped, 0, when test has no images). `progress` gets a line now and then (may be empty).
QuantizeResult quantize(const FNet& net, const Dataset& train, const Dataset& test, const Calibration& cal,
                        const std::function<void(const std::string&)>& progress);

}  // namespace sysmt::nn
