#include "sim/nn/infer.hpp"

#include <atomic>
#include <stdexcept>
#include <thread>

namespace sysmt::nn {

RunSpec RunSpec::uniform(const QNet& net, const Arith& arith, int threads, Mapping mapping) {
  RunSpec s;
  s.rounding = arith.rounding;
  s.zero_skip = arith.zero_skip;
  s.acc_bits = arith.acc_bits;
  s.mapping = mapping;
  s.layers.assign(net.gemm_layers().size(), LayerPlan{threads, {}});
  return s;
}

IntMatrix permute_cols(const IntMatrix& x, const std::vector<int>& order) {
  if (order.empty()) return x;
  IntMatrix out(x.rows, x.cols);
  for (int r = 0; r < x.rows; ++r) {
    const int* src = &x.data[static_cast<std::size_t>(r) * x.cols];
    int* dst = &out.data[static_cast<std::size_t>(r) * x.cols];
    for (int j = 0; j < x.cols; ++j) dst[j] = src[order[static_cast<std::size_t>(j)]];
  }
  return out;
}

IntMatrix permute_rows(const IntMatrix& w, const std::vector<int>& order) {
  if (order.empty()) return w;
  IntMatrix out(w.rows, w.cols);
  for (int j = 0; j < w.rows; ++j)
    for (int n = 0; n < w.cols; ++n) out.at(j, n) = w.at(order[static_cast<std::size_t>(j)], n);
  return out;
}

namespace {

struct Tap {
  int dy, dx, ci;
};

// One GEMM layer prepared once per run: weights in feeder order and the im2col source of every column.
struct Prepared {
  const QLayer* layer = nullptr;
  int gemm_index = 0;
  Arith arith;
  IntMatrix w;            // K x N in feeder order
  std::vector<Tap> taps;  // per feeder column
};

class Engine {
 public:
  Engine(const QNet& net, const RunSpec* spec) : net_(net) {
    const std::vector<int> gl = net.gemm_layers();
    if (spec && spec->layers.size() != gl.size()) throw std::invalid_argument("RunSpec: one LayerPlan per GEMM layer");
    prep_.resize(net.layers.size());
    for (std::size_t i = 0; i < gl.size(); ++i) {
      const QLayer& l = net.layers[static_cast<std::size_t>(gl[i])];
      Prepared& p = prep_[static_cast<std::size_t>(gl[i])];
      p.layer = &l;
      p.gemm_index = static_cast<int>(i);
      const std::vector<int> none;
      const std::vector<int>& order = spec ? spec->layers[i].order : none;
      const int K = l.w.rows;
      if (!order.empty()) {
        if (order.size() != static_cast<std::size_t>(K)) throw std::invalid_argument("LayerPlan: order is not a permutation of K");
        std::vector<bool> seen(static_cast<std::size_t>(K), false);
        for (int k : order) {
          if (k < 0 || k >= K || seen[static_cast<std::size_t>(k)])
            throw std::invalid_argument("LayerPlan: order is not a permutation of K");
          seen[static_cast<std::size_t>(k)] = true;
        }
      }
      p.w = permute_rows(l.w, order);
      if (spec) p.arith = Arith{spec->layers[i].threads, spec->rounding, spec->zero_skip, spec->acc_bits};
      const ConvShape& s = l.shape;
      for (int j = 0; j < K; ++j) {
        const int k = order.empty() ? j : order[static_cast<std::size_t>(j)];
        const int tap = k / s.Cin, ci = k % s.Cin;
        p.taps.push_back(Tap{tap / s.KW - s.pad, tap % s.KW - s.pad, ci});
      }
    }
  }

  struct Worker {
    std::vector<std::vector<std::int64_t>> t;  // per tensor, batch-major
    IntMatrix x;
  };

  // Runs images [first, first + B) through the network; `gemm` computes one GEMM layer's result.
  void run_batch(const Dataset& d, std::size_t first, int B, Worker& ws,
                 const std::function<AccMatrix(const Prepared&, const IntMatrix&)>& gemm) const {
    ws.t.resize(net_.tensors.size());
    const auto in = static_cast<std::size_t>(net_.tensor_index(net_.input));
    const std::size_t isz = net_.tensors[in].size();
    if (isz != d.rows * d.cols) throw std::invalid_argument("image size does not match the network input");
    ws.t[in].assign(d.images.begin() + static_cast<long>(first * isz), d.images.begin() + static_cast<long>((first + B) * isz));
    for (std::size_t li = 0; li < net_.layers.size(); ++li) {
      const QLayer& l = net_.layers[li];
      const auto ii = static_cast<std::size_t>(net_.tensor_index(l.in));
      const auto oi = static_cast<std::size_t>(net_.tensor_index(l.out));
      const QTensor& ot = net_.tensors[oi];
      const std::vector<std::int64_t>& x = ws.t[ii];
      std::vector<std::int64_t>& y = ws.t[oi];
      y.assign(ot.size() * static_cast<std::size_t>(B), 0);
      switch (l.kind) {
        case OpKind::Conv: {
          const Prepared& p = prep_[li];
          const ConvShape& s = l.shape;
          const int OH = s.out_h(), OW = s.out_w(), K = p.w.rows, N = s.Cout;
          const std::size_t in_sz = static_cast<std::size_t>(s.H) * s.W * s.Cin;
          ws.x.rows = B * OH * OW;
          ws.x.cols = K;
          ws.x.data.resize(static_cast<std::size_t>(ws.x.rows) * K);
          int* row = ws.x.data.data();
          for (int b = 0; b < B; ++b) {
            const std::int64_t* img = &x[static_cast<std::size_t>(b) * in_sz];
            for (int oy = 0; oy < OH; ++oy)
              for (int ox = 0; ox < OW; ++ox, row += K)
                for (int j = 0; j < K; ++j) {
                  const Tap& t = p.taps[static_cast<std::size_t>(j)];
                  const int iy = oy * s.stride + t.dy, ix = ox * s.stride + t.dx;
                  row[j] = (iy < 0 || iy >= s.H || ix < 0 || ix >= s.W)
                               ? 0
                               : static_cast<int>(img[(static_cast<std::size_t>(iy) * s.W + ix) * s.Cin + t.ci]);
                }
          }
          const AccMatrix acc = gemm(p, ws.x);
          const bool u8 = ot.kind == TensorKind::Uint8;
          for (int m = 0; m < acc.rows; ++m)
            for (int n = 0; n < N; ++n) {
              const std::int64_t v = requantize(acc.at(m, n) + l.bias[static_cast<std::size_t>(n)], l.mult[static_cast<std::size_t>(n)],
                                                l.shift[static_cast<std::size_t>(n)]);
              y[static_cast<std::size_t>(m) * N + n] = u8 ? clamp_u8(v) : v;
            }
          break;
        }
        case OpKind::Rescale:
          for (std::size_t i = 0; i < y.size(); ++i) y[i] = requantize(x[i], l.mult[0], l.shift[0]);
          break;
        case OpKind::Add: {
          const std::vector<std::int64_t>& x2 = ws.t[static_cast<std::size_t>(net_.tensor_index(l.in2))];
          for (std::size_t i = 0; i < y.size(); ++i) y[i] = clamp_u8(x[i] + x2[i]);
          break;
        }
        case OpKind::Gap: {
          const std::size_t C = static_cast<std::size_t>(ot.C);
          const std::size_t P = net_.tensors[ii].size() / C;
          for (int b = 0; b < B; ++b)
            for (std::size_t c = 0; c < C; ++c) {
              std::int64_t sum = 0;
              for (std::size_t q = 0; q < P; ++q) sum += x[(static_cast<std::size_t>(b) * P + q) * C + c];
              y[static_cast<std::size_t>(b) * C + c] = clamp_u8(requantize(sum, l.mult[0], l.shift[0]));
            }
          break;
        }
      }
    }
  }

  const std::vector<std::int64_t>& output(const Worker& ws) const { return ws.t[static_cast<std::size_t>(net_.tensor_index(net_.output))]; }

 private:
  const QNet& net_;
  std::vector<Prepared> prep_;  // per layer (only conv entries used)
};

// Batches [first, first + count) spread over workers, each taking the next batch from a shared counter.
void for_batches(std::size_t first, std::size_t count, const InferOptions& opt,
                 const std::function<void(int worker, std::size_t start, int n)>& fn) {
  const int B = std::max(1, opt.batch);
  const std::size_t nb = (count + static_cast<std::size_t>(B) - 1) / static_cast<std::size_t>(B);
  std::atomic<std::size_t> next{0}, done{0};
  auto work = [&](int w) {
    for (std::size_t b; (b = next.fetch_add(1)) < nb;) {
      const std::size_t s = first + b * static_cast<std::size_t>(B);
      const int n = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(B), first + count - s));
      fn(w, s, n);
      const std::size_t d = done.fetch_add(static_cast<std::size_t>(n)) + static_cast<std::size_t>(n);
      if (w == 0 && opt.progress) opt.progress(d, count);
    }
  };
  std::vector<std::thread> th;
  for (int w = 1; w < std::max(1, opt.workers); ++w) th.emplace_back(work, w);
  std::exception_ptr err;
  try {
    work(0);
  } catch (...) {
    err = std::current_exception();
    next = nb;
  }
  for (auto& t : th) t.join();
  if (err) std::rethrow_exception(err);
  if (opt.progress) opt.progress(count, count);
}

}  // namespace

Predictions run_network(const QNet& net, const Dataset& data, std::size_t count, const RunSpec& spec, const InferOptions& opt) {
  if (count > data.count) throw std::invalid_argument("run_network: more images than the data set has");
  const Engine eng(net, &spec);
  const int classes = static_cast<int>(net.tensor(net.output).size());
  Predictions p;
  p.classes = classes;
  p.label.assign(count, 0);
  p.logits.assign(count * static_cast<std::size_t>(classes), 0);
  std::vector<Engine::Worker> ws(static_cast<std::size_t>(std::max(1, opt.workers)));
  for_batches(0, count, opt, [&](int w, std::size_t start, int n) {
    Engine::Worker& wk = ws[static_cast<std::size_t>(w)];
    eng.run_batch(data, start, n, wk, [&](const Prepared& pr, const IntMatrix& x) { return gemm_nbsmt(pr.arith, x, pr.w, spec.mapping); });
    const auto& out = eng.output(wk);
    for (int b = 0; b < n; ++b) {
      const std::int64_t* lg = &out[static_cast<std::size_t>(b) * classes];
      int best = 0;
      for (int c = 1; c < classes; ++c)
        if (lg[c] > lg[best]) best = c;
      p.label[start + static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(best);
      std::copy(lg, lg + classes, &p.logits[(start + static_cast<std::size_t>(b)) * static_cast<std::size_t>(classes)]);
    }
  });
  return p;
}

void exact_pass(const QNet& net, const Dataset& data, std::size_t first, std::size_t count, const InferOptions& opt,
                const std::function<void(const GemmView&)>& hook) {
  if (first + count > data.count) throw std::invalid_argument("exact_pass: more images than the data set has");
  RunSpec spec;
  spec.layers.assign(net.gemm_layers().size(), LayerPlan{1, {}});
  const Engine eng(net, &spec);
  std::vector<Engine::Worker> ws(static_cast<std::size_t>(std::max(1, opt.workers)));
  for_batches(first, count, opt, [&](int w, std::size_t start, int n) {
    eng.run_batch(data, start, n, ws[static_cast<std::size_t>(w)], [&](const Prepared& pr, const IntMatrix& x) {
      hook(GemmView{pr.gemm_index, pr.layer, &x, &pr.w, w});
      return gemm_nbsmt(pr.arith, x, pr.w, Mapping::Interleaved);
    });
  });
}

}  // namespace sysmt::nn
