// measure_energy with its designs measured two at a time gives the report of the one-at-a-time run, bit
// for bit: each run builds its models from an empty cache (synthesis, PE and rest-of-array models), so
// the concurrent builds are checked as well as the concurrent measurements. A 2x3 array (the four designs
// of energy_designs) and a two-layer workload keep it to a few minutes of CPU.
#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>
#include <set>
#include <string>

#include "common/files.hpp"
#include "energy/energy.hpp"

using namespace sysmt;
using namespace sysmt::energy;
namespace fs = std::filesystem;

namespace {

EnergyOptions options(int jobs, const fs::path& cache) {
  EnergyOptions o;
  o.data.prune = 0.4;
  o.positions = 2;
  o.min_edges = 48;
  o.jobs = jobs;
  o.gate.abc_runs = 1;
  o.gate.cache = cache;
  fs::remove_all(cache);  // cold: every model is built by this run
  fs::create_directories(cache);
  return o;
}

nlohmann::json without_time(const EnergyReport& r) {
  nlohmann::json j = r;
  j.erase("seconds");
  return j;
}

}  // namespace

TEST(EnergyConcurrency, TwoDesignsAtATimeGiveTheSequentialReportBitForBit) {
  const Config cfg = load_config(SYSMT_SOURCE_DIR "/configs/sysmt_1t_2x3.yaml");
  const Workload wl = parse_workload(
      "# two small layers\n"
      "a 6 6 3 3 8 5 1 1\n"
      "b 4 4 1 1 12 7 1 0\n",
      "<test>", fs::path(SYSMT_SOURCE_DIR));
  const fs::path root = SYSMT_ENERGY_TEST_CACHE;
  std::mutex mu;
  std::set<std::string> started_while_busy;  // designs that began while another was being measured
  int busy = 0;
  auto progress = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(mu);
    if (line.find("synthesis and models ...") != std::string::npos) {
      if (busy > 0) started_while_busy.insert(line);
      ++busy;
    } else if (line.find(" done\n") != std::string::npos && line.rfind("energy: ", 0) == 0) {
      --busy;
    }
  };
  const EnergyReport seq = measure_energy(cfg, wl, options(1, root / "concurrency-seq"), progress);
  EXPECT_TRUE(started_while_busy.empty()) << "jobs = 1 measured two designs at once";
  busy = 0;
  const EnergyReport par = measure_energy(cfg, wl, options(2, root / "concurrency-par"), progress);
  EXPECT_FALSE(started_while_busy.empty()) << "jobs = 2 never measured two designs at once";
  ASSERT_EQ(seq.designs.size(), 4u);
  ASSERT_EQ(par.designs.size(), 4u);
  for (size_t i = 0; i < seq.designs.size(); ++i) {
    EXPECT_EQ(par.designs[i].label, seq.designs[i].label);  // the report's order does not depend on who finishes first
    EXPECT_GT(seq.designs[i].energy_common_j, 0);
  }
  EXPECT_EQ(without_time(par).dump(), without_time(seq).dump());
}
