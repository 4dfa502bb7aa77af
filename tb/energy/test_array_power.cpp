// The per-PE power method of sysmt energy against a whole-array gate-level run (every PE, skew, drain and
// control simulated and annotated together) on the 4x4 two-thread array; power rises with data density;
// the same stream gives the same figure. Builds the design once into the build tree (synthesis, three
// Verilator models): a few minutes on two cores the first time, seconds afterwards.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>

#include "energy/energy.hpp"
#include "sim/eval/data_model.hpp"

using namespace sysmt;
using namespace sysmt::energy;
namespace fs = std::filesystem;

namespace {

GateOptions options() {
  GateOptions o;
  o.cache = SYSMT_ENERGY_TEST_CACHE;
  o.abc_runs = 1;  // the method, not the best mapping, is under test
  return o;
}

class ArrayPower : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fs::create_directories(SYSMT_ENERGY_TEST_CACHE);
    cfg_ = std::make_unique<Config>(load_config(SYSMT_SOURCE_DIR "/configs/sysmt_2t_4x4.yaml"));
    design_ = std::make_unique<GateDesign>(build_design(*cfg_, options(), [](const std::string&) {}));
  }
  static void TearDownTestSuite() {
    design_.reset();
    cfg_.reset();
  }
  // A GEMM of 3 x 2 tiles with the evaluation's data model; the window is tiles 1..5 after tile 0.
  static Trace trace(double act_zero, double prune, LayerData& d) {
    const GemmShape g{12, 96, 8};
    std::vector<int> rows;
    for (int m = 0; m < g.M; ++m) rows.push_back(m);
    Tensor3 in = make_activations(1, g.M, g.K, act_zero, 32.0, 11);
    d.x = IntMatrix(g.M, g.K);
    d.x.data = in.data;
    d.w = make_weights(g.K, g.N, prune, 12);
    d.rows = rows;
    return feeder_trace(*cfg_, g, d, Mapping::Interleaved, 1, 5, 1);
  }
  static std::unique_ptr<Config> cfg_;
  static std::unique_ptr<GateDesign> design_;
};
std::unique_ptr<Config> ArrayPower::cfg_;
std::unique_ptr<GateDesign> ArrayPower::design_;

TEST_F(ArrayPower, PerPeMethodAgreesWithTheWholeArrayWithin3Percent) {
  LayerData d;
  const Trace tr = trace(0.5, 0.4, d);
  const GateModel whole = build_array_model(*design_, true, [](const std::string&) {});
  const GateModel rest = build_array_model(*design_, false, [](const std::string&) {});
  const fs::path work = fs::path(SYSMT_ENERGY_TEST_CACHE) / "runs-agree";
  const double period = cfg_->clock_period_ns;
  const Power w = measure(*design_, whole, {array_stream(whole, tr, "whole")}, period, options(), work / "whole")[0];
  const Power r = measure(*design_, rest, {array_stream(rest, tr, "rest")}, period, options(), work / "rest")[0];
  std::vector<Stream> pes;
  for (int i = 0; i < cfg_->rows; ++i)
    for (int j = 0; j < cfg_->cols; ++j)
      pes.push_back(pe_stream(*cfg_, design_->pe, tr, i, j, "pe" + std::to_string(i) + "_" + std::to_string(j)));
  const std::vector<Power> pp = measure(*design_, design_->pe, pes, period, options(), work / "pe");
  double sum = r.total(), sum_dyn = r.internal + r.switching;
  for (const Power& p : pp) {
    sum += p.total();
    sum_dyn += p.internal + p.switching;
  }
  ASSERT_GT(w.total(), 0);
  EXPECT_NEAR(sum / w.total(), 1.0, 0.03) << "per-PE + rest " << sum << " W, whole array " << w.total() << " W";
  EXPECT_NEAR(sum_dyn / (w.internal + w.switching), 1.0, 0.03);
  // The PEs are most of the array; the rest is not negligible either.
  EXPECT_GT(r.total(), 0.02 * w.total());
  EXPECT_LT(r.total(), 0.5 * w.total());
}

TEST_F(ArrayPower, PowerRisesWithDataDensityAndIsDeterministic) {
  const fs::path work = fs::path(SYSMT_ENERGY_TEST_CACHE) / "runs-density";
  std::vector<Stream> s;
  for (auto [az, pr, name] : {std::tuple{0.0, 0.0, "dense"}, {0.5, 0.4, "half"}, {0.9, 0.9, "sparse"}, {0.0, 0.0, "dense_again"}}) {
    LayerData d;
    const Trace tr = trace(az, pr, d);
    s.push_back(pe_stream(*cfg_, design_->pe, tr, 1, 2, name));
  }
  s.push_back(idle_stream(design_->pe, 64));
  const std::vector<Power> p = measure(*design_, design_->pe, s, cfg_->clock_period_ns, options(), work);
  EXPECT_GT(p[0].total(), p[1].total());
  EXPECT_GT(p[1].total(), p[2].total());
  EXPECT_GT(p[2].total(), p[4].total());  // even sparse data costs more than an idle clock
  // Same stream, same figure, bit for bit.
  EXPECT_EQ(p[0].internal, p[3].internal);
  EXPECT_EQ(p[0].switching, p[3].switching);
  EXPECT_EQ(p[0].leakage, p[3].leakage);
}

}  // namespace
