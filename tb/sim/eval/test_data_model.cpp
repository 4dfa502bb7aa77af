// The data model (sim/eval/data_model): stream seeds, reproducibility, zero fractions, quantization,
// pruning, row sampling.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "sim/eval/data_model.hpp"

namespace sysmt {
namespace {

// FNV-1a of "<seed>/<layer>/<stream>", values computed outside this project (docs/evaluation.md "Seeds").
TEST(DataModel, StreamSeedsAreFnv1aOfSeedLayerAndStream) {
  EXPECT_EQ(stream_seed(1, "conv1", "act"), 0x273c26646cd7f409ull);
  EXPECT_EQ(stream_seed(7, "layer1.0.conv1", "rows"), 0xf76998038827d662ull);
}

TEST(DataModel, ActivationsAreReproducibleWithTheRequestedZeroFraction) {
  const Tensor3 a = make_activations(100, 100, 10, 0.5, 32.0, 7);
  const Tensor3 b = make_activations(100, 100, 10, 0.5, 32.0, 7);
  const Tensor3 c = make_activations(100, 100, 10, 0.5, 32.0, 8);
  EXPECT_EQ(a.data, b.data);
  EXPECT_NE(a.data, c.data);
  size_t zeros = 0;
  double sum = 0;
  for (int v : a.data) {
    ASSERT_GE(v, 0);
    ASSERT_LE(v, 255);
    if (v == 0) ++zeros;
    sum += v;
  }
  const double n = static_cast<double>(a.data.size());
  EXPECT_NEAR(static_cast<double>(zeros) / n, 0.5, 0.01);  // 5 sigma of a binomial(1e5, 0.5) is 0.008
  // Half-normal with sigma 32 has mean 32 * sqrt(2 / pi) = 25.53 (rounding and the clamp to 1 add little).
  EXPECT_NEAR(sum / static_cast<double>(a.data.size() - zeros), 25.53, 0.5);
  const Tensor3 d = make_activations(50, 50, 4, 0.8, 200.0, 3);
  EXPECT_NEAR(static_cast<double>(std::count(d.data.begin(), d.data.end(), 0)) / 10000.0, 0.8, 0.02);
  EXPECT_EQ(*std::max_element(d.data.begin(), d.data.end()), 255);  // clamped
}

TEST(DataModel, WeightsPerChannelMaxAbsAndPruning) {
  const IntMatrix w = make_weights(576, 64, 0.0, 11);
  EXPECT_EQ(w, make_weights(576, 64, 0.0, 11));
  for (int n = 0; n < w.cols; ++n) {
    int mx = 0;
    for (int k = 0; k < w.rows; ++k) mx = std::max(mx, std::abs(w.at(k, n)));
    EXPECT_EQ(mx, 127) << "channel " << n;  // max-abs scaling puts each channel's largest weight at 127
  }
  auto zero_frac = [](const IntMatrix& m) {
    return static_cast<double>(std::count(m.data.begin(), m.data.end(), 0)) / static_cast<double>(m.data.size());
  };
  EXPECT_LT(zero_frac(w), 0.03);  // only weights below half an LSB round to 0
  const IntMatrix p = make_weights(576, 64, 0.4, 11);
  // floor(0.4 * 36864) = 14745 smallest magnitudes pruned; the 40% quantile of |N(0,1)| (0.52) is far above
  // half an LSB, so no other weight rounds to 0.
  EXPECT_EQ(std::count(p.data.begin(), p.data.end(), 0), 14745);
  // Pruning removes the smallest: every surviving weight keeps its unpruned value.
  for (size_t i = 0; i < p.data.size(); ++i) {
    if (p.data[i] != 0) {
      ASSERT_EQ(p.data[i], w.data[i]);
    }
  }
}

TEST(DataModel, RowSampling) {
  const std::vector<int> all = sample_rows(500, 1.0, 1);
  ASSERT_EQ(all.size(), 500u);
  for (int i = 0; i < 500; ++i) ASSERT_EQ(all[static_cast<size_t>(i)], i);
  const std::vector<int> s = sample_rows(1000, 0.1, 5);
  ASSERT_EQ(s.size(), 100u);
  EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
  EXPECT_EQ(std::set<int>(s.begin(), s.end()).size(), 100u);
  EXPECT_GE(s.front(), 0);
  EXPECT_LT(s.back(), 1000);
  EXPECT_EQ(s, sample_rows(1000, 0.1, 5));
  EXPECT_NE(s, sample_rows(1000, 0.1, 6));
  EXPECT_EQ(sample_rows(1000, 0.01, 5).size(), static_cast<size_t>(kMinSampleRows));  // floor of 64 rows
  EXPECT_EQ(sample_rows(49, 0.01, 5).size(), 49u);                                    // small layers in full
}

}  // namespace
}  // namespace sysmt
