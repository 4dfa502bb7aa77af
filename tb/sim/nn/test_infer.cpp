// Inference through the golden model against an independent reference: a small program in this file that
// reads the exported .q8 text with its own tokenizer and runs the network by direct convolution in plain
// integers (no im2col, no golden model). T = 1 must equal it on every logit of real test images, for both
// committed networks. Also: results do not depend on workers or batch size, and the K reordering of
// mechanism (b) (hand-computed on the tiny network).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "sim/nn/infer.hpp"
#include "sim/nn/qnet.hpp"
#include "tiny_net.hpp"

namespace sysmt::nn {
namespace {

// ---- the independent reference (docs/accuracy.md, "Export format") ----
struct RefTensor {
  int H = 0, W = 0, C = 0;
  bool u8 = true;
};
struct RefLayer {
  std::string kind, in, in2, out;
  int KH = 1, KW = 1, Cin = 1, Cout = 1, stride = 1, pad = 0;
  std::vector<long long> w, bias, mult, shift;
};
struct RefNet {
  std::map<std::string, RefTensor> t;
  std::vector<RefLayer> layers;
  std::string input, output;
};

RefNet ref_read(const std::filesystem::path& p) {
  std::ifstream f(p);
  RefNet n;
  std::string line;
  RefLayer* cur = nullptr;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream is(line);
    std::string key;
    is >> key;
    std::vector<std::string> a;
    for (std::string s; is >> s;) a.push_back(s);
    if (key == "input")
      n.input = a[0];
    else if (key == "output")
      n.output = a[0];
    else if (key == "tensor")
      n.t[a[0]] = RefTensor{std::stoi(a[1]), std::stoi(a[2]), std::stoi(a[3]), a[4] == "uint8"};
    else if (key == "conv" || key == "rescale" || key == "gap" || key == "add") {
      n.layers.emplace_back();
      cur = &n.layers.back();
      cur->kind = key;
      cur->in = a[1];
      if (key == "add") {
        cur->in2 = a[2];
        cur->out = a[3];
      } else {
        cur->out = a[2];
      }
      if (key == "conv") {
        cur->KH = std::stoi(a[3]);
        cur->KW = std::stoi(a[4]);
        cur->Cin = std::stoi(a[5]);
        cur->Cout = std::stoi(a[6]);
        cur->stride = std::stoi(a[7]);
        cur->pad = std::stoi(a[8]);
      }
    } else if (key == "w" || key == "bias" || key == "mult" || key == "shift") {
      auto& v = key == "w" ? cur->w : key == "bias" ? cur->bias : key == "mult" ? cur->mult : cur->shift;
      for (const auto& s : a) v.push_back(std::stoll(s));
    }
  }
  return n;
}

long long ref_rq(long long acc, long long m, long long s) { return (acc * m + (1LL << (s - 1))) >> s; }
long long ref_u8(long long v) { return std::min(255LL, std::max(0LL, v)); }

std::vector<long long> ref_run(const RefNet& n, const std::uint8_t* image) {
  std::map<std::string, std::vector<long long>> v;
  const RefTensor& it = n.t.at(n.input);
  v[n.input].assign(image, image + it.H * it.W * it.C);
  for (const RefLayer& l : n.layers) {
    const RefTensor& ti = n.t.at(l.in);
    const RefTensor& to = n.t.at(l.out);
    const auto& x = v[l.in];
    std::vector<long long> y(static_cast<size_t>(to.H * to.W * to.C));
    if (l.kind == "conv") {
      for (int oy = 0; oy < to.H; ++oy)
        for (int ox = 0; ox < to.W; ++ox)
          for (int co = 0; co < l.Cout; ++co) {
            long long acc = 0;
            for (int ky = 0; ky < l.KH; ++ky)
              for (int kx = 0; kx < l.KW; ++kx)
                for (int ci = 0; ci < l.Cin; ++ci) {
                  const int iy = oy * l.stride - l.pad + ky, ix = ox * l.stride - l.pad + kx;
                  if (iy < 0 || ix < 0 || iy >= ti.H || ix >= ti.W) continue;
                  acc += x[static_cast<size_t>((iy * ti.W + ix) * ti.C + ci)] *
                         l.w[static_cast<size_t>(((ky * l.KW + kx) * l.Cin + ci) * l.Cout + co)];
                }
            const long long q =
                ref_rq(acc + l.bias[static_cast<size_t>(co)], l.mult[static_cast<size_t>(co)], l.shift[static_cast<size_t>(co)]);
            y[static_cast<size_t>((oy * to.W + ox) * to.C + co)] = to.u8 ? ref_u8(q) : q;
          }
    } else if (l.kind == "rescale") {
      for (size_t i = 0; i < y.size(); ++i) y[i] = ref_rq(x[i], l.mult[0], l.shift[0]);
    } else if (l.kind == "add") {
      const auto& x2 = v[l.in2];
      for (size_t i = 0; i < y.size(); ++i) y[i] = ref_u8(x[i] + x2[i]);
    } else {  // gap
      for (int c = 0; c < to.C; ++c) {
        long long s = 0;
        for (int p = 0; p < ti.H * ti.W; ++p) s += x[static_cast<size_t>(p * ti.C + c)];
        y[static_cast<size_t>(c)] = ref_u8(ref_rq(s, l.mult[0], l.shift[0]));
      }
    }
    v[l.out] = std::move(y);
  }
  return v[n.output];
}
// ---- end of the reference ----

const Dataset& test_images() {
  static const Dataset d = load_fashion_mnist(default_dataset_dir(), "t10k");
  return d;
}

TEST(Inference, ExactRunEqualsIndependentReferenceOnCommittedNetworks) {
  const Dataset& d = test_images();
  const std::size_t n = 16;
  for (const char* f : {"fmresnet.q8", "fmresnet_p40.q8"}) {
    const std::filesystem::path path = std::filesystem::path(SYSMT_SOURCE_DIR) / "configs/networks" / f;
    const QNet net = load_qnet(path);
    const RefNet ref = ref_read(path);
    InferOptions io;
    io.batch = 3;
    const Predictions p = run_network(net, d, n, RunSpec::uniform(net, Arith{}, 1, Mapping::Interleaved), io);
    std::size_t agree_with_labels = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::vector<long long> want = ref_run(ref, &d.images[i * 784]);
      ASSERT_EQ(want.size(), 10u);
      for (int c = 0; c < 10; ++c)
        ASSERT_EQ(p.logits[i * 10 + static_cast<size_t>(c)], want[static_cast<size_t>(c)]) << f << " image " << i << " class " << c;
      agree_with_labels += p.label[i] == d.labels[i];
    }
    // A trained network, not noise: most of the first 16 test images are classified right.
    EXPECT_GE(agree_with_labels, 13u) << f;
  }
}

TEST(Inference, ResultsDoNotDependOnWorkersOrBatch) {
  const Dataset& d = test_images();
  const QNet net = load_qnet(std::filesystem::path(SYSMT_SOURCE_DIR) / "configs/networks/fmresnet_p40.q8");
  const RunSpec s = RunSpec::uniform(net, Arith{}, 4, Mapping::Blocked);
  InferOptions a, b;
  a.workers = 1;
  a.batch = 1;
  b.workers = 2;
  b.batch = 5;
  const Predictions pa = run_network(net, d, 13, s, a), pb = run_network(net, d, 13, s, b);
  EXPECT_EQ(pa.logits, pb.logits);
  // And T = 4 is not T = 1 on these images (the NB-SMT arithmetic is really in the loop).
  const Predictions p1 = run_network(net, d, 13, RunSpec::uniform(net, Arith{}, 1, Mapping::Blocked), a);
  EXPECT_NE(pa.logits, p1.logits);
}

TEST(Inference, ReorderingKChangesOnlyWhichOperandsShareAPe) {
  // Image (0, 20, 30, 40), T = 2, interleaved, conv c with column 0 = (1, 2, 3, 4):
  // natural K-groups (0, 20) (one active: exact 40) and (30, 40) (both: Ra 32, 48 -> 96 + 192):
  //   c0 = 0.5 * (40 + 288 + 10) = 169, r = 0.75 * 169 -> 127, p0 = 338 - 300 = 38, a = 165, g = 83,
  //   logits (83, 17, 165).
  // order (0, 2, 1, 3): K-groups (0, 30) (exact 90) and (20, 40) (Ra 16, 48 -> 32 + 192):
  //   c0 = 0.5 * (90 + 224 + 10) = 162, r = 121.5 -> 122, p0 = 24, a = 146, g = 73, logits (73, 27, 145).
  const QNet n = test::tiny_net();
  Dataset d = test::tiny_data();
  d.images = {0, 20, 30, 40};
  RunSpec s = RunSpec::uniform(n, Arith{}, 2, Mapping::Interleaved);
  EXPECT_EQ(run_network(n, d, 1, s, InferOptions{}).logits, (std::vector<std::int64_t>{83, 17, 165}));
  s.layers[0].order = {0, 2, 1, 3};
  EXPECT_EQ(run_network(n, d, 1, s, InferOptions{}).logits, (std::vector<std::int64_t>{73, 27, 145}));
  // At T = 1 any order gives the exact result.
  RunSpec e = RunSpec::uniform(n, Arith{}, 1, Mapping::Interleaved);
  const auto exact = run_network(n, d, 1, e, InferOptions{}).logits;
  e.layers[0].order = {3, 1, 0, 2};
  EXPECT_EQ(run_network(n, d, 1, e, InferOptions{}).logits, exact);
  // An order that is not a permutation of K is a programming error.
  s.layers[0].order = {0, 0, 1, 2};
  EXPECT_THROW(run_network(n, d, 1, s, InferOptions{}), std::invalid_argument);
}

}  // namespace
}  // namespace sysmt::nn
