#include "sim/nn/quantize.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "common/error.hpp"

namespace sysmt::nn {

int FNet::tensor_index(const std::string& n) const {
  for (std::size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].name == n) return static_cast<int>(i);
  return -1;
}

namespace {

constexpr float kBnEps = 1e-5f;  // torch::nn::BatchNorm2d's default

const FloatTensor& get(const TensorMap& t, const std::string& name, const std::vector<std::uint32_t>& shape, const std::string& source,
                       std::set<std::string>& used) {
  used.insert(name);
  auto it = t.find(name);
  if (it == t.end()) throw InputError(fmt::format("{}: tensor '{}' is missing", source, name));
  if (it->second.shape != shape) {
    std::string want, have;
    for (auto d : shape) want += fmt::format("{}x", d);
    for (auto d : it->second.shape) have += fmt::format("{}x", d);
    if (!want.empty()) want.pop_back();
    if (!have.empty()) have.pop_back();
    throw InputError(fmt::format("{}: tensor '{}' is {}, expected {}", source, name, have, want));
  }
  return it->second;
}

struct Builder {
  const TensorMap& t;
  const std::string& source;
  FNet net;
  std::set<std::string> used;

  void tensor(const std::string& name, int H, int W, int C, TensorKind k) {
    QTensor q;
    q.name = name;
    q.H = H;
    q.W = W;
    q.C = C;
    q.kind = k;
    net.tensors.push_back(q);
  }
  const QTensor& tens(const std::string& name) const { return net.tensors[static_cast<std::size_t>(net.tensor_index(name))]; }

  // conv `prefix`.weight (torch layout Cout x Cin x KH x KW) followed by batch norm `bn`.
  void conv_bn(const std::string& name, const std::string& in, const std::string& out, const std::string& wname, const std::string& bn,
               int k, int cout, int stride, TensorKind kind) {
    const QTensor& x = tens(in);
    FLayer l;
    l.kind = OpKind::Conv;
    l.name = name;
    l.in = in;
    l.out = out;
    l.shape = ConvShape{x.H, x.W, k, k, x.C, cout, stride, k / 2};
    const auto uc = static_cast<std::uint32_t>(cout), ui = static_cast<std::uint32_t>(x.C), uk = static_cast<std::uint32_t>(k);
    const FloatTensor& w = get(t, wname, {uc, ui, uk, uk}, source, used);
    const FloatTensor& g = get(t, bn + ".weight", {uc}, source, used);
    const FloatTensor& b = get(t, bn + ".bias", {uc}, source, used);
    const FloatTensor& m = get(t, bn + ".running_mean", {uc}, source, used);
    const FloatTensor& v = get(t, bn + ".running_var", {uc}, source, used);
    const int K = k * k * x.C;
    l.w.assign(static_cast<std::size_t>(K) * cout, 0.f);
    l.b.assign(static_cast<std::size_t>(cout), 0.f);
    for (int n = 0; n < cout; ++n) {
      const double s = g.values[n] / std::sqrt(static_cast<double>(v.values[n]) + kBnEps);
      l.b[n] = static_cast<float>(b.values[n] - m.values[n] * s);
      for (int ci = 0; ci < x.C; ++ci)
        for (int ky = 0; ky < k; ++ky)
          for (int kx = 0; kx < k; ++kx) {
            const float wv = w.values[((static_cast<std::size_t>(n) * x.C + ci) * k + ky) * k + kx];
            const int kk = (ky * k + kx) * x.C + ci;
            l.w[static_cast<std::size_t>(kk) * cout + n] = static_cast<float>(wv * s);
          }
    }
    tensor(out, l.shape.out_h(), l.shape.out_w(), cout, kind);
    net.layers.push_back(std::move(l));
  }

  void block(const std::string& p, const std::string& in, int cout, int stride) {
    const bool ds = tens(in).C != cout || stride != 1;
    conv_bn(p + ".conv1", in, p + ".conv1", p + ".conv1.weight", p + ".bn1", 3, cout, stride, TensorKind::Uint8);
    conv_bn(p + ".conv2", p + ".conv1", p + ".conv2", p + ".conv2.weight", p + ".bn2", 3, cout, 1, TensorKind::Int32);
    std::string skip;
    if (ds) {
      conv_bn(p + ".ds", in, p + ".ds", p + ".ds.weight", p + ".dsbn", 1, cout, stride, TensorKind::Int32);
      skip = p + ".ds";
    } else {
      FLayer l;
      l.kind = OpKind::Rescale;
      l.name = p + ".skip";
      l.in = in;
      l.out = p + ".skip";
      const QTensor& x = tens(in);
      tensor(l.out, x.H, x.W, x.C, TensorKind::Int32);
      net.layers.push_back(std::move(l));
      skip = p + ".skip";
    }
    FLayer a;
    a.kind = OpKind::Add;
    a.name = p + ".add";
    a.in = p + ".conv2";
    a.in2 = skip;
    a.out = p;
    const QTensor& y = tens(p + ".conv2");
    tensor(p, y.H, y.W, y.C, TensorKind::Uint8);
    net.layers.push_back(std::move(a));
  }
};

}  // namespace

FNet fmresnet_from_tensors(const TensorMap& t, const std::string& name, const std::string& source) {
  Builder b{t, source, {}, {}};
  b.net.name = name;
  b.tensor("input", 28, 28, 1, TensorKind::Uint8);
  b.conv_bn("conv1", "input", "conv1", "conv1.weight", "bn1", 3, 16, 1, TensorKind::Uint8);
  b.block("layer1", "conv1", 16, 1);
  b.block("layer2", "layer1", 32, 2);
  b.block("layer3", "layer2", 64, 2);
  FLayer gap;
  gap.kind = OpKind::Gap;
  gap.name = "gap";
  gap.in = "layer3";
  gap.out = "gap";
  b.tensor("gap", 1, 1, 64, TensorKind::Uint8);
  b.net.layers.push_back(gap);
  FLayer fc;
  fc.kind = OpKind::Conv;
  fc.name = "fc";
  fc.in = "gap";
  fc.out = "logits";
  fc.shape = ConvShape{1, 1, 1, 1, 64, 10, 1, 0};
  const FloatTensor& w = get(t, "fc.weight", {10, 64}, source, b.used);
  const FloatTensor& bias = get(t, "fc.bias", {10}, source, b.used);
  fc.w.assign(64 * 10, 0.f);
  for (int n = 0; n < 10; ++n)
    for (int k = 0; k < 64; ++k) fc.w[static_cast<std::size_t>(k) * 10 + n] = w.values[static_cast<std::size_t>(n) * 64 + k];
  fc.b = bias.values;
  b.tensor("logits", 1, 1, 10, TensorKind::Int32);
  b.net.layers.push_back(std::move(fc));
  // Every tensor of the file must be used: a file from another network is an error, not a silent subset.
  for (const auto& [n, v] : t)
    if (!b.used.count(n))
      throw InputError(fmt::format("{}: tensor '{}' is not part of the fmresnet network (docs/accuracy.md)", source, n));
  return b.net;
}

std::vector<std::vector<float>> float_forward(const FNet& net, const std::uint8_t* image) {
  std::vector<std::vector<float>> v(net.tensors.size());
  {
    const QTensor& in = net.tensors[static_cast<std::size_t>(net.tensor_index(net.input))];
    auto& x = v[static_cast<std::size_t>(net.tensor_index(net.input))];
    x.resize(in.size());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = image[i] / 255.0f;
  }
  for (const FLayer& l : net.layers) {
    const auto ii = static_cast<std::size_t>(net.tensor_index(l.in));
    const auto oi = static_cast<std::size_t>(net.tensor_index(l.out));
    const QTensor& ot = net.tensors[oi];
    const std::vector<float>& x = v[ii];
    std::vector<float>& y = v[oi];
    y.assign(ot.size(), 0.f);
    switch (l.kind) {
      case OpKind::Conv: {
        const ConvShape& s = l.shape;
        const int OH = s.out_h(), OW = s.out_w(), N = s.Cout;
        std::vector<float> acc(static_cast<std::size_t>(N));
        for (int oy = 0; oy < OH; ++oy)
          for (int ox = 0; ox < OW; ++ox) {
            std::copy(l.b.begin(), l.b.end(), acc.begin());
            for (int ky = 0; ky < s.KH; ++ky) {
              const int iy = oy * s.stride - s.pad + ky;
              if (iy < 0 || iy >= s.H) continue;
              for (int kx = 0; kx < s.KW; ++kx) {
                const int ix = ox * s.stride - s.pad + kx;
                if (ix < 0 || ix >= s.W) continue;
                for (int ci = 0; ci < s.Cin; ++ci) {
                  const float a = x[(static_cast<std::size_t>(iy) * s.W + ix) * s.Cin + ci];
                  if (a == 0.f) continue;
                  const float* w = &l.w[static_cast<std::size_t>((ky * s.KW + kx) * s.Cin + ci) * N];
                  for (int n = 0; n < N; ++n) acc[n] += a * w[n];
                }
              }
            }
            float* o = &y[(static_cast<std::size_t>(oy) * OW + ox) * N];
            for (int n = 0; n < N; ++n) o[n] = ot.kind == TensorKind::Uint8 ? std::max(acc[n], 0.f) : acc[n];
          }
        break;
      }
      case OpKind::Rescale:
        y = x;
        break;
      case OpKind::Add: {
        const std::vector<float>& x2 = v[static_cast<std::size_t>(net.tensor_index(l.in2))];
        for (std::size_t i = 0; i < y.size(); ++i) y[i] = std::max(x[i] + x2[i], 0.f);
        break;
      }
      case OpKind::Gap: {
        const std::size_t C = static_cast<std::size_t>(ot.C), P = x.size() / C;
        for (std::size_t p = 0; p < P; ++p)
          for (std::size_t c = 0; c < C; ++c) y[c] += x[p * C + c];
        for (auto& e : y) e /= static_cast<float>(P);
        break;
      }
    }
  }
  return v;
}

std::string Calibration::describe() const {
  if (method == "max") return fmt::format("max over {} training images", images);
  return fmt::format("{}th percentile over {} training images", percentile, images);
}

namespace {

// Runs `fn(i)` for i in [0, n) on two threads (static interleaving: deterministic results per i).
void parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn) {
  const unsigned workers = 2;
  std::vector<std::thread> th;
  for (unsigned w = 0; w < workers; ++w)
    th.emplace_back([&, w] {
      for (std::size_t i = w; i < n; i += workers) fn(i);
    });
  for (auto& t : th) t.join();
}

int argmax(const float* v, int n) {
  int best = 0;
  for (int i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return best;
}

}  // namespace

QuantizeResult quantize(const FNet& net, const Dataset& train, const Dataset& test, const Calibration& cal,
                        const std::function<void(const std::string&)>& progress) {
  if (cal.method != "max" && cal.method != "percentile")
    throw InputError(fmt::format("calibration method '{}' (max or percentile)", cal.method));
  if (cal.images < 1 || static_cast<std::size_t>(cal.images) > train.count)
    throw InputError(fmt::format("calibration images {} not in 1..{}", cal.images, train.count));
  const std::size_t npx = train.rows * train.cols;
  // Float activations of every calibration image, per tensor (values of all images together).
  const std::size_t T = net.tensors.size();
  std::vector<std::vector<std::vector<float>>> per_image(static_cast<std::size_t>(cal.images));
  parallel_for(per_image.size(), [&](std::size_t i) { per_image[i] = float_forward(net, &train.images[i * npx]); });
  if (progress) progress(fmt::format("calibrated on {} training images", cal.images));
  std::vector<double> stat(T, 0.0);
  for (std::size_t t = 0; t < T; ++t) {
    std::vector<float> all;
    for (const auto& im : per_image) all.insert(all.end(), im[t].begin(), im[t].end());
    if (net.tensors[t].kind == TensorKind::Int32)
      for (auto& e : all) e = std::fabs(e);
    if (cal.method == "max" || net.tensors[t].kind == TensorKind::Int32) {
      stat[t] = *std::max_element(all.begin(), all.end());
    } else {
      const auto k = static_cast<std::size_t>(std::floor(cal.percentile / 100.0 * static_cast<double>(all.size() - 1)));
      std::nth_element(all.begin(), all.begin() + static_cast<long>(k), all.end());
      stat[t] = all[k];
    }
  }
  per_image.clear();

  QNet q;
  q.name = net.name;
  q.input = net.input;
  q.output = net.output;
  q.tensors = net.tensors;
  auto idx = [&](const std::string& n) { return static_cast<std::size_t>(net.tensor_index(n)); };
  // uint8 tensors: scale = calibrated value / 255; the input is the raw pixel (1/255).
  for (std::size_t t = 0; t < T; ++t)
    if (q.tensors[t].kind == TensorKind::Uint8) q.tensors[t].scale = stat[t] > 0 ? stat[t] / 255.0 : 1.0 / 255.0;
  q.tensors[idx(net.input)].scale = 1.0 / 255.0;
  // int32 tensors feeding an add take the add's output scale; the logits get 2^-15 of their largest magnitude.
  for (const FLayer& l : net.layers)
    if (l.kind == OpKind::Add) q.tensors[idx(l.in)].scale = q.tensors[idx(l.in2)].scale = q.tensors[idx(l.out)].scale;
  q.tensors[idx(net.output)].scale = stat[idx(net.output)] > 0 ? stat[idx(net.output)] / 32768.0 : 1.0;

  for (const FLayer& f : net.layers) {
    QLayer l;
    l.kind = f.kind;
    l.name = f.name;
    l.in = f.in;
    l.in2 = f.in2;
    l.out = f.out;
    const double s_in = q.tensors[idx(f.in)].scale, s_out = q.tensors[idx(f.out)].scale;
    switch (f.kind) {
      case OpKind::Conv: {
        l.shape = f.shape;
        const int K = f.shape.KH * f.shape.KW * f.shape.Cin, N = f.shape.Cout;
        l.w = IntMatrix(K, N);
        for (int n = 0; n < N; ++n) {
          double mx = 0;
          for (int k = 0; k < K; ++k) mx = std::max(mx, static_cast<double>(std::fabs(f.w[static_cast<std::size_t>(k) * N + n])));
          const double s_w = mx > 0 ? mx / 127.0 : 1.0;
          for (int k = 0; k < K; ++k) {
            const long v = std::lround(f.w[static_cast<std::size_t>(k) * N + n] / s_w);
            l.w.at(k, n) = static_cast<int>(std::clamp(v, -127L, 127L));
          }
          l.bias.push_back(static_cast<std::int32_t>(std::llround(f.b[static_cast<std::size_t>(n)] / (s_in * s_w))));
          const Requant r = quantize_multiplier(s_in * s_w / s_out);
          l.mult.push_back(r.mult);
          l.shift.push_back(r.shift);
        }
        break;
      }
      case OpKind::Rescale:
      case OpKind::Gap: {
        const QTensor& it = q.tensors[idx(f.in)];
        const double pixels = f.kind == OpKind::Gap ? static_cast<double>(it.H) * it.W : 1.0;
        const Requant r = quantize_multiplier(s_in / (s_out * pixels));
        l.mult.push_back(r.mult);
        l.shift.push_back(r.shift);
        break;
      }
      case OpKind::Add:
        break;
    }
    q.layers.push_back(std::move(l));
  }
  q.info.emplace_back(
      "calibration", cal.method == "max" ? fmt::format("max {}", cal.images) : fmt::format("percentile {} {}", cal.percentile, cal.images));
  QuantizeResult res;
  if (test.count > 0) {
    const std::size_t tp = test.rows * test.cols;
    std::vector<int> pred(test.count);
    const auto oi = idx(net.output);
    parallel_for(test.count, [&](std::size_t i) {
      const auto v = float_forward(net, &test.images[i * tp]);
      pred[i] = argmax(v[oi].data(), static_cast<int>(v[oi].size()));
    });
    std::size_t ok = 0;
    for (std::size_t i = 0; i < test.count; ++i) ok += pred[i] == test.labels[i];
    res.float_top1 = 100.0 * static_cast<double>(ok) / static_cast<double>(test.count);
    q.info.emplace_back("float_top1", fmt::format("{:.2f}", res.float_top1));
    if (progress) progress(fmt::format("float top-1 {:.2f} % on {} test images", res.float_top1, test.count));
  }
  q.validate("quantized network");
  res.net = std::move(q);
  return res;
}

}  // namespace sysmt::nn
