// The evaluation's typed report (sim/eval/eval_report): evaluate.json round-trips through to_json and
// from_json field by field and byte for byte, including infinite SQNR (null) and every enum; a missing key
// or a file that is not a report is an error naming it.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "common/error.hpp"
#include "sim/eval/eval_report.hpp"

namespace sysmt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A small evaluation with non-default enums (half_even, act), pruning, sampling and an infinite SQNR.
EvaluateReport small_report() {
  const Config cfg = parse_config(
      "name: r\narray: {rows: 4, cols: 3}\nthreads: 2\nacc_bits: 24\n"
      "nbsmt: {rounding: half_even, zero_skip: act}\n",
      "r.yaml");
  const Workload wl = parse_workload("a 6 6 3 3 4 5 1 1 act_zero=0.3\nb 20 20 1 1 8 3 2 0 act_scale=5\n", "net.txt", ".");
  EvalOptions opt;
  opt.seed = 9;
  opt.sample = 0.5;
  opt.data.prune = 0.25;
  EvaluateReport ev = evaluate_workload(cfg, wl, opt, {});
  ev.layers[1].numeric[3].error.sqnr_db = std::numeric_limits<double>::infinity();
  ev.layers[1].numeric[3].error.rel_frobenius = std::numeric_limits<double>::infinity();
  ev.numeric[1].sqnr_db = std::numeric_limits<double>::infinity();
  return ev;
}

TEST(EvaluateReport, RoundTripsFieldByFieldAndByteForByte) {
  const EvaluateReport ev = small_report();
  const json j = ev;
  const EvaluateReport back = j.get<EvaluateReport>();
  EXPECT_EQ(json(back).dump(2), j.dump(2));

  EXPECT_EQ(back.generator, ev.generator);
  EXPECT_EQ(back.config_name, "r");
  EXPECT_EQ(back.config_file, "r.yaml");
  EXPECT_EQ(back.config_hash, ev.config_hash);
  EXPECT_EQ(back.rows, 4);
  EXPECT_EQ(back.cols, 3);
  EXPECT_EQ(back.rounding, Rounding::HalfEven);
  EXPECT_EQ(back.zero_skip, ZeroSkip::Act);
  EXPECT_EQ(back.acc_bits, 24);
  EXPECT_EQ(back.workload_name, "net");
  EXPECT_EQ(back.workload_hash, ev.workload_hash);
  EXPECT_EQ(back.options.seed, 9u);
  EXPECT_EQ(back.options.sample, 0.5);
  EXPECT_EQ(back.options.data.prune, 0.25);
  EXPECT_EQ(back.min_sample_rows, kMinSampleRows);
  EXPECT_EQ(back.macs, ev.macs);
  EXPECT_EQ(back.sampled_macs, ev.sampled_macs);
  ASSERT_EQ(back.layers.size(), 2u);
  for (size_t l = 0; l < 2; ++l) {
    const LayerEval &a = ev.layers[l], &b = back.layers[l];
    EXPECT_EQ(b.name, a.name);
    EXPECT_EQ(b.shape.H, a.shape.H);
    EXPECT_EQ(b.shape.stride, a.shape.stride);
    EXPECT_EQ(b.shape.pad, a.shape.pad);
    EXPECT_EQ(b.gemm.M, a.gemm.M);
    EXPECT_EQ(b.gemm.K, a.gemm.K);
    EXPECT_EQ(b.sampled_rows, a.sampled_rows);
    EXPECT_EQ(b.act_zero, a.act_zero);
    EXPECT_EQ(b.act_scale, a.act_scale);
    EXPECT_EQ(b.x_zero_frac, a.x_zero_frac);
    EXPECT_EQ(b.w_zero_frac, a.w_zero_frac);
    ASSERT_EQ(b.perf.size(), 3u);
    for (size_t t = 0; t < 3; ++t) {
      EXPECT_EQ(b.perf[t].threads, a.perf[t].threads);
      EXPECT_EQ(b.perf[t].cycles.total_cycles, a.perf[t].cycles.total_cycles);
      EXPECT_EQ(b.perf[t].cycles.tiles, a.perf[t].cycles.tiles);
      EXPECT_EQ(b.perf[t].cycles.groups_per_tile, a.perf[t].cycles.groups_per_tile);
      EXPECT_EQ(b.perf[t].cycles.stall_cycles, a.perf[t].cycles.stall_cycles);
      EXPECT_EQ(b.perf[t].cycles.pe_utilization, a.perf[t].cycles.pe_utilization);
      EXPECT_EQ(b.perf[t].speedup, a.perf[t].speedup);
    }
    ASSERT_EQ(b.numeric.size(), 4u);
    for (size_t n = 0; n < 4; ++n) {
      const NumericResult &x = a.numeric[n], &y = b.numeric[n];
      EXPECT_EQ(y.threads, x.threads);
      EXPECT_EQ(y.mapping, x.mapping);
      EXPECT_EQ(y.stats.pe_cycles, x.stats.pe_cycles);
      EXPECT_EQ(y.stats.active_hist, x.stats.active_hist);
      EXPECT_EQ(y.stats.shared_lossy, x.stats.shared_lossy);
      EXPECT_EQ(y.stats.rounding_ties, x.stats.rounding_ties);
      EXPECT_EQ(y.error.max_abs, x.error.max_abs);
      EXPECT_EQ(y.error.sqnr_db, x.error.sqnr_db);
      EXPECT_EQ(y.error.rel_frobenius, x.error.rel_frobenius);
      EXPECT_EQ(y.error.frac_differ, x.error.frac_differ);
    }
  }
  EXPECT_EQ(back.layers[1].numeric[3].mapping, Mapping::Blocked);
  EXPECT_TRUE(std::isinf(back.layers[1].numeric[3].error.sqnr_db));
  EXPECT_TRUE(j["layers"][1]["numeric"][3]["error"]["sqnr_db"].is_null());  // the file's form of "no error"
  ASSERT_EQ(back.perf.size(), 3u);
  ASSERT_EQ(back.numeric.size(), 4u);
  EXPECT_EQ(back.perf_for(4).cycles, ev.perf_for(4).cycles);
  EXPECT_EQ(back.perf_for(2).pe_utilization, ev.perf_for(2).pe_utilization);
  EXPECT_TRUE(std::isinf(back.numeric_for(2, Mapping::Blocked).sqnr_db));
  EXPECT_EQ(back.numeric_for(4, Mapping::Interleaved).sqnr_db, ev.numeric_for(4, Mapping::Interleaved).sqnr_db);
  EXPECT_EQ(back.numeric_for(4, Mapping::Blocked).shared_lossy_frac, ev.numeric_for(4, Mapping::Blocked).shared_lossy_frac);
}

TEST(EvaluateReport, MissingKeysWrongValuesAndForeignFilesAreErrors) {
  const json good = small_report();
  json j = good;
  j["network"].erase("numeric");
  EXPECT_THROW(j.get<EvaluateReport>(), json::exception);
  j = good;
  j["config"]["rounding"] = "sideways";
  EXPECT_THROW(j.get<EvaluateReport>(), json::exception);
  j = good;
  j["workload"]["layers"] = 3;  // two layers follow
  EXPECT_THROW(j.get<EvaluateReport>(), json::exception);

  const fs::path f = fs::temp_directory_path() / ("sysmt_report_" + std::to_string(::getpid()) + ".json");
  std::ofstream(f) << R"({"tool": "sysmt compare"})";
  try {
    read_evaluate_report(f);
    ADD_FAILURE() << "a compare report was read as an evaluate report";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(f.string()), std::string::npos) << e.what();
  }
  fs::remove(f);
}

}  // namespace
}  // namespace sysmt
