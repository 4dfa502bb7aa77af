// sysmt-train: trains the Fashion-MNIST ResNet of docs/accuracy.md with libtorch and writes its float
// weights (sim/nn/tensor_file.hpp format): the dense network, then a copy with 40 % of every GEMM layer's
// weights but the first conv's zeroed by magnitude and fine-tuned for one epoch with the zeros held.
// Seeded and single-threaded, so the same command gives the same weights on the same machine and libtorch.
#include <torch/torch.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "common/error.hpp"
#include "sim/nn/idx.hpp"
#include "sim/nn/tensor_file.hpp"

namespace {

namespace tnn = torch::nn;

tnn::Conv2d conv(int in, int out, int k, int stride) {
  return tnn::Conv2d(tnn::Conv2dOptions(in, out, k).stride(stride).padding(k / 2).bias(false));
}

struct BlockImpl : tnn::Module {
  tnn::Conv2d c1{nullptr}, c2{nullptr}, ds{nullptr};
  tnn::BatchNorm2d b1{nullptr}, b2{nullptr}, dsb{nullptr};
  BlockImpl(int in, int out, int stride) {
    c1 = register_module("conv1", conv(in, out, 3, stride));
    b1 = register_module("bn1", tnn::BatchNorm2d(out));
    c2 = register_module("conv2", conv(out, out, 3, 1));
    b2 = register_module("bn2", tnn::BatchNorm2d(out));
    if (stride != 1 || in != out) {
      ds = register_module("ds", conv(in, out, 1, stride));
      dsb = register_module("dsbn", tnn::BatchNorm2d(out));
    }
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto y = torch::relu(b1(c1(x)));
    y = b2(c2(y));
    auto s = ds ? dsb(ds(x)) : x;
    return torch::relu(y + s);
  }
};
TORCH_MODULE(Block);

struct NetImpl : tnn::Module {
  tnn::Conv2d c1{nullptr};
  tnn::BatchNorm2d b1{nullptr};
  Block l1{nullptr}, l2{nullptr}, l3{nullptr};
  tnn::Linear fc{nullptr};
  NetImpl() {
    c1 = register_module("conv1", conv(1, 16, 3, 1));
    b1 = register_module("bn1", tnn::BatchNorm2d(16));
    l1 = register_module("layer1", Block(16, 16, 1));
    l2 = register_module("layer2", Block(16, 32, 2));
    l3 = register_module("layer3", Block(32, 64, 2));
    fc = register_module("fc", tnn::Linear(64, 10));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto y = torch::relu(b1(c1(x)));
    y = l3(l2(l1(y)));
    return fc(y.mean({2, 3}));
  }
};
TORCH_MODULE(Net);

struct Data {
  torch::Tensor x, y;
};

Data to_tensors(const sysmt::nn::Dataset& d) {
  auto x = torch::empty({static_cast<long>(d.count), 1, static_cast<long>(d.rows), static_cast<long>(d.cols)});
  auto* px = x.data_ptr<float>();
  for (std::size_t i = 0; i < d.images.size(); ++i) px[i] = d.images[i] / 255.0f;  // the input scale is 1/255
  auto y = torch::empty({static_cast<long>(d.count)}, torch::kLong);
  auto* py = y.data_ptr<long>();
  for (std::size_t i = 0; i < d.count; ++i) py[i] = d.labels[i];
  return {x, y};
}

double evaluate(Net& net, const Data& d) {
  torch::NoGradGuard ng;
  net->eval();
  long correct = 0;
  const long n = d.x.size(0);
  for (long i = 0; i < n; i += 1000) {
    const long e = std::min(n, i + 1000);
    auto out = net->forward(d.x.slice(0, i, e));
    correct += out.argmax(1).eq(d.y.slice(0, i, e)).sum().item<long>();
  }
  return 100.0 * static_cast<double>(correct) / static_cast<double>(n);
}

using Masks = std::vector<std::pair<torch::Tensor, torch::Tensor>>;  // (weight, 0/1 mask)

// One epoch of SGD with a cosine learning rate from `lr0` (at step `step0` of `total`) and horizontal flips.
void train_epoch(Net& net, torch::optim::SGD& opt, const Data& d, int batch, double lr0, long& step, long total, const Masks& masks,
                 int epoch) {
  net->train();
  const long n = d.x.size(0);
  auto perm = torch::randperm(n, torch::kLong);
  double loss_sum = 0;
  long correct = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < n; i += batch) {
    const long e = std::min(n, i + batch);
    auto idx = perm.slice(0, i, e);
    auto x = d.x.index_select(0, idx);
    auto y = d.y.index_select(0, idx);
    auto flip = torch::rand({e - i}) < 0.5;
    x = torch::where(flip.view({-1, 1, 1, 1}), x.flip({3}), x);
    const double lr = 0.5 * lr0 * (1 + std::cos(M_PI * static_cast<double>(step) / static_cast<double>(total)));
    for (auto& g : opt.param_groups()) static_cast<torch::optim::SGDOptions&>(g.options()).lr(lr);
    opt.zero_grad();
    auto out = net->forward(x);
    auto loss = torch::nn::functional::cross_entropy(out, y);
    loss.backward();
    opt.step();
    {
      torch::NoGradGuard ng;
      for (const auto& [w, m] : masks) w.mul_(m);
    }
    ++step;
    loss_sum += loss.item<double>() * static_cast<double>(e - i);
    correct += out.argmax(1).eq(y).sum().item<long>();
    if ((i / batch) % 50 == 0) {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      fmt::print(stderr, "\repoch {}: {}/{} images, {:.0f} s   ", epoch, e, n, s);
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print(stderr, "\n");
  fmt::print("epoch {}: train loss {:.4f}, train top-1 {:.2f} %, {:.0f} s\n", epoch, loss_sum / static_cast<double>(n),
             100.0 * static_cast<double>(correct) / static_cast<double>(n), s);
}

sysmt::nn::TensorMap export_tensors(Net& net) {
  sysmt::nn::TensorMap m;
  auto add = [&](const std::string& name, const torch::Tensor& t) {
    if (t.scalar_type() != torch::kFloat) return;  // num_batches_tracked
    sysmt::nn::FloatTensor ft;
    for (auto s : t.sizes()) ft.shape.push_back(static_cast<std::uint32_t>(s));
    auto c = t.contiguous();
    ft.values.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    m[name] = std::move(ft);
  };
  for (const auto& p : net->named_parameters()) add(p.key(), p.value());
  for (const auto& b : net->named_buffers()) add(b.key(), b.value());
  return m;
}

// Zeroes the `fraction` smallest-magnitude weights of every conv and FC weight but the first conv's.
Masks prune(Net& net, double fraction) {
  torch::NoGradGuard ng;
  Masks masks;
  for (const auto& p : net->named_parameters()) {
    const auto& name = p.key();
    auto w = p.value();
    if (w.dim() < 2 || name == "conv1.weight") continue;
    const long k = static_cast<long>(std::floor(fraction * static_cast<double>(w.numel())));
    auto order = w.abs().flatten().argsort();
    auto mask = torch::ones({w.numel()});
    mask.index_fill_(0, order.slice(0, 0, k), 0.0);
    mask = mask.view(w.sizes());
    w.mul_(mask);
    masks.emplace_back(w, mask);
  }
  return masks;
}

}  // namespace

int main(int argc, char** argv) {
  setenv("OMP_WAIT_POLICY", "PASSIVE", 0);  // OpenMP busy-waits on a shared machine otherwise
  CLI::App app{"Train the Fashion-MNIST ResNet of docs/accuracy.md and write its float weights"};
  std::string data_dir = sysmt::nn::default_dataset_dir().string(), out_dir = "configs/networks", name = "fmresnet";
  int seed = 1, epochs = 4, finetune = 1, batch = 128;
  double lr = 0.1, prune_fraction = 0.4;
  app.add_option("--data", data_dir, "Fashion-MNIST IDX folder");
  app.add_option("--out", out_dir, "folder for NAME.fw32 and NAME_p40.fw32");
  app.add_option("--name", name, "file name stem");
  app.add_option("--seed", seed, "torch seed");
  app.add_option("--epochs", epochs, "training epochs");
  app.add_option("--finetune-epochs", finetune, "fine-tune epochs after pruning");
  app.add_option("--prune", prune_fraction, "fraction of weights zeroed per layer");
  app.add_option("--lr", lr, "peak SGD learning rate (cosine schedule)");
  CLI11_PARSE(app, argc, argv);
  try {
    at::set_num_threads(1);
    at::set_num_interop_threads(1);
    torch::manual_seed(static_cast<std::uint64_t>(seed));
    const Data train = to_tensors(sysmt::nn::load_fashion_mnist(data_dir, "train"));
    const Data test = to_tensors(sysmt::nn::load_fashion_mnist(data_dir, "t10k"));
    Net net;
    long params = 0;
    for (const auto& p : net->parameters()) params += p.numel();
    fmt::print("network: {} parameters, seed {}, {} epochs, batch {}, lr {}\n", params, seed, epochs, batch, lr);
    const long steps = (train.x.size(0) + batch - 1) / batch;
    torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(lr).momentum(0.9).nesterov(true).weight_decay(5e-4));
    long step = 0;
    for (int e = 1; e <= epochs; ++e) {
      train_epoch(net, opt, train, batch, lr, step, steps * epochs, {}, e);
      fmt::print("epoch {}: test top-1 {:.2f} %\n", e, evaluate(net, test));
    }
    std::filesystem::create_directories(out_dir);
    const auto dense = std::filesystem::path(out_dir) / (name + ".fw32");
    sysmt::nn::write_tensors(dense, export_tensors(net));
    fmt::print("wrote {} (float test top-1 {:.2f} %)\n", dense.string(), evaluate(net, test));

    const Masks masks = prune(net, prune_fraction);
    fmt::print("pruned {:.0f} %: test top-1 {:.2f} % before fine-tuning\n", 100 * prune_fraction, evaluate(net, test));
    torch::optim::SGD ft(net->parameters(), torch::optim::SGDOptions(lr / 10).momentum(0.9).nesterov(true).weight_decay(5e-4));
    step = 0;
    for (int e = 1; e <= finetune; ++e) {
      train_epoch(net, ft, train, batch, lr / 10, step, steps * finetune, masks, e);
      fmt::print("fine-tune epoch {}: test top-1 {:.2f} %\n", e, evaluate(net, test));
    }
    const auto pruned = std::filesystem::path(out_dir) / fmt::format("{}_p{:02.0f}.fw32", name, 100 * prune_fraction);
    sysmt::nn::write_tensors(pruned, export_tensors(net));
    fmt::print("wrote {} (float test top-1 {:.2f} %)\n", pruned.string(), evaluate(net, test));
  } catch (const sysmt::InputError& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  }
  return 0;
}
