// `sysmt compare`: the 1-, 2- and 4-thread arrays of one size synthesised side by side, each NB-SMT
// design against two 1T baselines: the equal-effort one (the 1T array with the NB-SMT design's pipeline
// depth P) and the plain single-cycle MAC (1T, P = 0). Every design is synthesised at a sweep of clock
// targets (area against achieved clock period), and the spread of ABC's runs is reported. The plan, the
// typed report (CompareReport, to_json/from_json) and the figures computed from the syntheses.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "synth/report.hpp"

namespace sysmt::synth {

inline constexpr int kCompareThreads[] = {1, 2, 4};

// Name of a compared design: config_name() with the variant p<P> (sysmt_<T>t_<rows>x<cols>_p<P>).
std::string compare_design_name(int threads, int pipeline, int rows, int cols);

// The designs to synthesise for `base` (its other settings kept) at rows x cols: for T = 2 and 4 the
// NB-SMT array at the pipeline depth the base config gives that T; for each such depth the 1T array with
// that depth (the equal-effort baseline); and the plain 1T MAC (P = 0). Distinct, 1T designs first, each
// with `pipeline` set explicitly.
std::vector<Config> compare_configs(const Config& base, int rows, int cols);

// One synthesis of a design at one clock target.
struct SweepPoint {
  double target_ns = 0;
  double critical_path_ns = 0;     // the array's: the achieved clock period
  double pe_critical_path_ns = 0;  // the PE's (0 when not timed alone)
  double area_um2 = 0;             // the kept runs
  Spread area_spread_um2;          // over ABC runs (AbcRuns::array_area_um2_by_run)
};

// One design: its synthesis at the main clock target, and its area-delay sweep.
struct CompareDesign {
  std::string config;
  int threads = 1, pipeline = 0;
  SynthReport synth;              // at the main clock target
  std::vector<SweepPoint> sweep;  // by target, loosest first
  double best_period_ns = 0;      // the shortest achieved period of the sweep
  double area_at_best_um2 = 0;    // area of that point
};

// Figures of one design against one 1T baseline.
struct Versus {
  std::string baseline;  // the baseline's config name
  int baseline_pipeline = 0;
  double array_area_ratio = 0, pe_area_ratio = 0, fmax_ratio = 0;
  Spread area_ratio_spread;  // run i against the baseline's run i, over the ABC runs
  double area_ratio_at_common_clock = 0, area_ratio_at_best_clock = 0;
  double speedup_cycles = 0, speedup_time = 0;  // reference GEMM; time = cycles x fmax_ratio
  double area_per_throughput_ratio = 0;         // area / (MACs per second), against the baseline's
};

struct CompareRow {
  std::string config;
  int threads = 1, pipeline = 0;
  double paper_area_ratio = 1, paper_speedup = 1;
  double array_area_um2 = 0, array_nand2_eq = 0, pe_area_um2 = 0;
  double array_critical_path_ns = 0, pe_critical_path_ns = 0, array_fmax_mhz = 0;
  double peak_gmac_per_s = 0;
  Spread area_spread_um2;
  double area_at_common_clock_um2 = 0;
  Versus equal_effort;  // against the 1T with the same P
  Versus plain;         // against the 1T with P = 0
};

// The reference GEMM of the speedups (shape from the array size).
struct ReferenceGemm {
  int M = 0, K = 0, N = 0;
};

struct CompareReport {
  std::string tool = "sysmt compare", version;
  int rows = 0, cols = 0;
  std::string base_config;
  LibertyInfo liberty;
  ToolVersions tools;
  double clock_period_ns = 0;      // the main clock target (tables)
  std::vector<double> periods_ns;  // the sweep's targets
  int abc_runs = 1;
  ReferenceGemm reference_gemm;
  double common_clock_ns = 0;  // the shortest clock every design meets (max of their best periods)
  std::vector<CompareDesign> designs;
  std::vector<CompareRow> table;  // one row per design, same order
  std::vector<std::string> plots;
  double wall_time_s = 0;

  // The design with `threads` and `pipeline`; InputError when the report has none.
  const CompareDesign& design(int threads, int pipeline) const;
  const CompareRow& row(int threads, int pipeline) const;
  // The NB-SMT rows (T > 1), in thread order.
  std::vector<const CompareRow*> nbsmt_rows() const;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SweepPoint, target_ns, critical_path_ns, pe_critical_path_ns, area_um2, area_spread_um2)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CompareDesign, config, threads, pipeline, synth, sweep, best_period_ns, area_at_best_um2)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Versus, baseline, baseline_pipeline, array_area_ratio, pe_area_ratio, fmax_ratio, area_ratio_spread,
                                   area_ratio_at_common_clock, area_ratio_at_best_clock, speedup_cycles, speedup_time,
                                   area_per_throughput_ratio)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CompareRow, config, threads, pipeline, paper_area_ratio, paper_speedup, array_area_um2, array_nand2_eq,
                                   pe_area_um2, array_critical_path_ns, pe_critical_path_ns, array_fmax_mhz, peak_gmac_per_s,
                                   area_spread_um2, area_at_common_clock_um2, equal_effort, plain)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ReferenceGemm, M, K, N)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CompareReport, tool, version, rows, cols, base_config, liberty, tools, clock_period_ns, periods_ns,
                                   abc_runs, reference_gemm, common_clock_ns, designs, table, plots, wall_time_s)

// Reads a compare.json; InputError naming the file when it is not a comparison report.
CompareReport read_compare_report(const std::string& path);

// The smallest area of `d` among its sweep points whose achieved period is at most `clock_ns`
// (0 when none is).
double area_at_clock(const CompareDesign& d, double clock_ns);

// Fills best_period_ns/area_at_best_um2 of every design, common_clock_ns, and the table (ratios against
// both baselines, spreads, speedups on the reference GEMM from the cycle model). The designs must
// include every baseline compare_configs() plans.
void summarize(CompareReport& r);

// The Markdown report (compare.md); `plots` are the plot file names to link.
std::string compare_markdown(const CompareReport& r);

}  // namespace sysmt::synth
