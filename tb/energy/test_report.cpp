// EnergyReport: JSON round trip through to_json / from_json, and the Markdown and gnuplot forms name
// every design and layer; energy_designs gives the equal-effort 1T (P1) besides the plain one.
#include <gtest/gtest.h>

#include "energy/energy.hpp"

using namespace sysmt;
using namespace sysmt::energy;

namespace {

EnergyReport sample() {
  EnergyReport r;
  r.version = "9.9";
  r.config_name = "c";
  r.rows = r.cols = 4;
  r.workload_name = "w";
  r.seed = 3;
  r.common_period_ns = 7.5;
  for (const char* label : {"1T P0", "1T P1", "2T", "4T"}) {
    DesignEnergy d;
    d.label = label;
    d.threads = label[0] - '0';
    d.pipeline = std::string(label) == "1T P0" ? 0 : 1;
    LayerEnergy l;
    l.name = "conv1";
    l.cycles = 1000 + d.threads;
    l.pe = PowerSplit{1e-3, 2e-3, 3e-4, 1e-8};
    l.array = PowerSplit{0.1, 0.2, 0.03, 1e-6};
    l.energy_common_j = 1.5e-6 / d.threads;
    l.idle_frac = 0.25;
    d.layers.push_back(l);
    d.energy_common_j = l.energy_common_j;
    d.vs_baseline_common = -0.1 * d.threads;
    r.designs.push_back(d);
  }
  return r;
}

}  // namespace

TEST(EnergyReport, JsonRoundTrip) {
  const EnergyReport r = sample();
  const nlohmann::json j = r;
  const EnergyReport back = j.get<EnergyReport>();
  EXPECT_EQ(nlohmann::json(back), j);
  ASSERT_EQ(back.designs.size(), 4u);
  EXPECT_EQ(back.designs[2].label, "2T");
  EXPECT_EQ(back.designs[3].layers[0].cycles, 1004u);
  EXPECT_DOUBLE_EQ(back.designs[1].layers[0].pe.clock, 2e-3);
  EXPECT_DOUBLE_EQ(back.common_period_ns, 7.5);
}

TEST(EnergyReport, MarkdownAndPlotNameEveryDesignAndLayer) {
  const EnergyReport r = sample();
  const std::string md = to_markdown(r), gp = energy_gnuplot(r);
  for (const auto& d : r.designs) {
    EXPECT_NE(md.find("| " + d.label + " |"), std::string::npos) << d.label;
    EXPECT_NE(gp.find("title '" + d.label + "'"), std::string::npos) << d.label;
  }
  EXPECT_NE(md.find("conv1"), std::string::npos);
  EXPECT_NE(md.find("-33 %"), std::string::npos);  // the paper's figures beside ours
  EXPECT_NE(md.find("-39 %"), std::string::npos);
}

TEST(EnergyReport, DesignsAreThePlainAndEqualEffortBaselinesAndBothNbsmtArrays) {
  Config c;
  c.name = "x";
  c.rows = 4;
  c.cols = 8;
  c.threads = 2;
  const std::vector<Config> v = energy_designs(c);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].threads, 1);
  EXPECT_EQ(v[0].pipeline_stages(), 0);
  EXPECT_EQ(v[1].threads, 1);
  EXPECT_EQ(v[1].pipeline_stages(), 1);
  EXPECT_EQ(v[2].threads, 2);
  EXPECT_EQ(v[2].pipeline_stages(), 1);
  EXPECT_EQ(v[3].threads, 4);
  EXPECT_EQ(v[3].pipeline_stages(), 1);
  for (const Config& d : v) EXPECT_EQ(d.rows * 100 + d.cols, 408);
  EXPECT_NE(v[0].name, v[1].name);
}
