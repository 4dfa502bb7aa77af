// The sweep schema and its expansion: product order and size, explicit points, deduplication, point keys
// (stable under YAML spelling, changed by any config, job or input-file change), the baseline rule, the
// canonical point configs, every kind of bad input (file:line:col and key in the message), and the
// table gathered from hand-made stamps (time, ratios against the baseline, Pareto fronts).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "common/config.hpp"
#include "common/error.hpp"
#include "sweep/report.hpp"
#include "sweep/spec.hpp"

namespace {

namespace fs = std::filesystem;
using sysmt::InputError;
using sysmt::sweep::parse_sweep;
using sysmt::sweep::Sweep;

class SweepSpec : public ::testing::Test {
 protected:
  fs::path dir;
  void SetUp() override {
    dir = fs::temp_directory_path() / ("sysmt_sweep_spec_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "net.txt") << "a 4 4 3 3 2 4 1 1\n";
    std::ofstream(dir / "net2.txt") << "b 8 8 1 1 4 8 1 0\n";
    std::ofstream(dir / "base.yaml") << "name: sw\narray:\n  rows: 2\n  cols: 2\nthreads: 1\n";
  }
  void TearDown() override { fs::remove_all(dir); }
  Sweep parse(const std::string& text) { return parse_sweep(text, (dir / "s.yaml").string()); }
  // The InputError message of a bad sweep ("" when it parses).
  std::string error(const std::string& text) {
    try {
      parse(text);
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  }
};

const char* kJobs = "jobs:\n  generate:\n";

TEST_F(SweepSpec, ProductHasEveryCombinationLastAxisFastest) {
  const Sweep sw = parse(std::string("base: base.yaml\naxes:\n  threads: [1, 2, 4]\n  array.rows: [2, 8]\n") + kJobs);
  ASSERT_EQ(sw.points.size(), 6u);
  const int want_t[6] = {1, 1, 2, 2, 4, 4}, want_r[6] = {2, 8, 2, 8, 2, 8};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(sw.points[i].index, i);
    EXPECT_EQ(sw.configs[i].threads, want_t[i]) << i;
    EXPECT_EQ(sw.configs[i].rows, want_r[i]) << i;
    EXPECT_EQ(sw.configs[i].cols, 2) << "untouched keys keep the base's value";
    EXPECT_EQ(sw.points[i].values, (std::vector<std::pair<std::string, std::string>>{{"threads", std::to_string(want_t[i])},
                                                                                     {"array.rows", std::to_string(want_r[i])}}));
    EXPECT_EQ(sw.points[i].config_hash, sw.configs[i].hash());
  }
  std::set<std::string> keys;
  for (const auto& p : sw.points) keys.insert(p.key);
  EXPECT_EQ(keys.size(), 6u);
  EXPECT_EQ(sw.baseline, 0);
  EXPECT_EQ(sw.columns, (std::vector<std::string>{"threads", "array.rows"}));
}

TEST_F(SweepSpec, EveryConfigKeyAndTheClockAreAxes) {
  const Sweep sw = parse(std::string("base: base.yaml\naxes:\n  nbsmt.rounding: [truncate, half_even]\n  nbsmt.zero_skip: [act]\n"
                                     "  array.pipeline: [0, 1]\n  synth.clock_period_ns: [2.5]\n  acc_bits: [16]\n") +
                         kJobs);
  ASSERT_EQ(sw.points.size(), 4u);
  EXPECT_EQ(sw.configs[0].rounding, sysmt::Rounding::Truncate);
  EXPECT_EQ(sw.configs[3].rounding, sysmt::Rounding::HalfEven);
  EXPECT_EQ(sw.configs[1].pipeline, 1);
  for (const auto& c : sw.configs) {
    EXPECT_EQ(c.zero_skip, sysmt::ZeroSkip::Act);
    EXPECT_DOUBLE_EQ(c.clock_period_ns, 2.5);
    EXPECT_EQ(c.acc_bits, 16);
    // The point config is written with the canonical emitter; reading it back gives the same design.
    EXPECT_EQ(sysmt::parse_config(c.canonical(), "<t>").canonical(), c.canonical());
  }
}

TEST_F(SweepSpec, ExplicitPointsInlineBaseAndDeduplication) {
  const Sweep sw = parse(std::string("base:\n  name: inl\n  array: {rows: 1, cols: 1}\n  threads: 1\n"
                                     "axes:\n  threads: [1, 2]\n"
                                     "points:\n  - {threads: 2}\n  - {threads: 4, array.rows: 2}\n") +
                         kJobs);
  // threads 2 appears in the product and in the list: one point.
  ASSERT_EQ(sw.points.size(), 3u);
  EXPECT_EQ(sw.configs[0].name, "inl");
  EXPECT_EQ(sw.configs[2].threads, 4);
  EXPECT_EQ(sw.configs[2].rows, 2);
  EXPECT_EQ(sw.columns, (std::vector<std::string>{"threads", "array.rows"}));
  EXPECT_EQ(sw.points[0].values[1].second, "1") << "a column a point does not set shows the base value";
}

TEST_F(SweepSpec, KeysDependOnContentNotSpelling) {
  const Sweep a = parse(std::string("base: base.yaml\naxes:\n  threads: [2]\n") + kJobs);
  // Same design written differently (inline base, comments, explicit defaults, other order): same key.
  const Sweep b = parse(
      "# another spelling\njobs: {generate: {}}\npoints:\n  - {threads: 2}\n"
      "base: {threads: 1, array: {cols: 2, rows: 2}, name: sw, acc_bits: 32, nbsmt: {rounding: half_up}}\n");
  EXPECT_EQ(a.points[0].key, b.points[0].key);
  EXPECT_EQ(a.points[0].config_hash, b.points[0].config_hash);
  // Any change of the config or the jobs changes it.
  const Sweep c = parse(std::string("base: base.yaml\naxes:\n  threads: [2]\n  synth.clock_period_ns: [5]\n") + kJobs);
  EXPECT_NE(a.points[0].key, c.points[0].key);
  const Sweep d = parse("base: base.yaml\naxes:\n  threads: [2]\njobs:\n  generate:\n  verify: {gemms: 3}\n");
  EXPECT_NE(a.points[0].key, d.points[0].key);
  const Sweep e = parse("base: base.yaml\naxes:\n  threads: [2]\njobs:\n  generate:\n  verify: {gemms: 4}\n");
  EXPECT_NE(d.points[0].key, e.points[0].key);
}

TEST_F(SweepSpec, WorkloadAxisAndItsContentInTheKey) {
  const std::string text = "base: base.yaml\naxes:\n  workload: [net.txt, net2.txt]\njobs:\n  evaluate: {workload: net.txt}\n";
  const Sweep a = parse(text);
  ASSERT_EQ(a.points.size(), 2u);
  EXPECT_EQ(a.points[0].values[0].second, "net.txt");
  EXPECT_EQ(a.points[1].values[0].second, "net2.txt");
  EXPECT_EQ(a.points[1].jobs[0].options.at("workload"), (dir / "net2.txt").string());
  std::ofstream(dir / "net2.txt") << "b 8 8 1 1 4 8 2 0\n";  // edited workload: new key for its point only
  const Sweep b = parse(text);
  EXPECT_EQ(a.points[0].key, b.points[0].key);
  EXPECT_NE(a.points[1].key, b.points[1].key);
}

TEST_F(SweepSpec, Baseline) {
  const std::string axes = "base: base.yaml\naxes:\n  threads: [2, 1]\n  array.rows: [2, 4]\n";
  EXPECT_EQ(parse(axes + kJobs).baseline, 2) << "default: the first 1-thread point";
  EXPECT_EQ(parse(axes + kJobs + "baseline: {threads: 1, array.rows: 4}\n").baseline, 3);
  EXPECT_EQ(parse("base: base.yaml\naxes:\n  threads: [2, 4]\n" + std::string(kJobs)).baseline, 0) << "no 1-thread point: the first";
  EXPECT_NE(error(axes + kJobs + "baseline: {threads: 1}\n").find("s.yaml:7:11: key 'baseline': matches 2 points (#2, #3)"),
            std::string::npos)
      << error(axes + kJobs + "baseline: {threads: 1}\n");
  EXPECT_NE(error(axes + kJobs + "baseline: {threads: 4}\n").find("key 'baseline': matches no point"), std::string::npos);
}

TEST_F(SweepSpec, BadInputNamesFileLineColumnAndKey) {
  struct Case {
    std::string text, want;
  };
  const std::vector<Case> cases = {
      {"base: base.yaml\naxes:\n  threads: [1]\njobs: {generate: }\nextra: 1\n", "s.yaml:5:1: key 'extra': unknown key"},
      {"base: base.yaml\naxes:\n  array.threads: [1, 2]\njobs: {generate: }\n",
       "s.yaml:3:19: key 'array.threads': unknown config key (did you mean 'threads'?)"},
      {"base: base.yaml\naxes:\n  threads: [1, 3]\njobs: {generate: }\n", "s.yaml:3:16: key 'threads': value 3 is not one of 1, 2, 4"},
      {"base: base.yaml\naxes:\n  array.rows: [2, 65]\njobs: {generate: }\n",
       "s.yaml:3:19: key 'array.rows': value 65 is out of range 1..64"},
      {"base: base.yaml\naxes:\n  threads: [1, 1]\njobs: {generate: }\n", "s.yaml:3:16: key 'threads': duplicate value '1'"},
      {"base: base.yaml\naxes:\n  threads: []\njobs: {generate: }\n", "s.yaml:3:12: key 'threads': expected a non-empty list"},
      {"base: base.yaml\naxes:\n  name: [a, b]\njobs: {generate: }\n", "s.yaml:3:3: key 'name': the name is not an axis"},
      {"base: base.yaml\naxes:\n  threads: [1]\njobs: {generat: }\n", "s.yaml:4:8: key 'jobs.generat': unknown job"},
      {"base: base.yaml\naxes:\n  threads: [1]\njobs: {verify: {gemm: 3}}\n", "s.yaml:4:17: key 'jobs.verify.gemm': unknown option"},
      {"base: base.yaml\naxes:\n  threads: [1]\njobs: {verify: {gemms: 0}}\n",
       "s.yaml:4:24: key 'jobs.verify.gemms': value 0 is out of range 1..100000"},
      {"base: base.yaml\naxes:\n  threads: [1]\njobs: {synth: {sta: fast}}\n",
       "key 'jobs.synth.sta': 'fast' is not one of auto, whole, modular"},
      {"base: base.yaml\naxes:\n  threads: [1]\njobs: {evaluate: {}}\n", "key 'jobs.evaluate.workload': missing option"},
      {"base: base.yaml\naxes:\n  threads: [1]\njobs: {evaluate: {workload: nope.txt}}\n",
       "s.yaml:4:29: key 'jobs.evaluate.workload': workload 'nope.txt' not found"},
      {"base: base.yaml\naxes:\n  workload: [net.txt]\njobs: {generate: }\n",
       "s.yaml:3:3: key 'workload': a workload axis needs the evaluate job"},
      {"base: base.yaml\naxes:\n  synth.clock_period_ns: [3.3333333]\njobs: {generate: }\n",
       "s.yaml:3:27: key 'synth.clock_period_ns': '3.3333333' has more than 6 significant digits"},
      {"base: nope.yaml\naxes:\n  threads: [1]\njobs: {generate: }\n", "s.yaml:1:7: key 'base': config 'nope.yaml' not found"},
      {"base: {name: x, array: {rows: 1, cols: 1}, threads: 1, color: red}\naxes:\n  threads: [1]\njobs: {generate: }\n",
       "s.yaml:1:56: key 'color': unknown key"},
      {"base: base.yaml\njobs: {generate: }\n", "key 'axes': missing: give 'axes'"},
      {"base: base.yaml\naxes:\n  threads: [1]\n", "key 'jobs': missing required key"},
      {"axes:\n  threads: [1]\njobs: {generate: }\n", "key 'base': missing required key"},
      {"base: base.yaml\naxes:\n  threads: [1]\n  threads: [2]\njobs: {generate: }\n", "s.yaml:4:3: key 'threads': duplicate key"},
      {"base: base.yaml\npoints:\n  - threads: [1]\njobs: {generate: }\n", "s.yaml:3:14: key 'threads': expected a value, found a list"},
      {"base: base.yaml\naxes: [1\n", "s.yaml:3:1: YAML syntax error"},
  };
  for (const Case& c : cases) {
    const std::string e = error(c.text);
    EXPECT_NE(e.find(c.want), std::string::npos) << "input:\n" << c.text << "\ngot: " << e << "\nwant: " << c.want;
  }
}

TEST_F(SweepSpec, PlanAndReportRoundTripThroughJson) {
  const Sweep sw = parse("base: base.yaml\naxes:\n  threads: [1, 2]\njobs:\n  verify: {gemms: 3}\n  evaluate: {workload: net.txt}\n");
  const nlohmann::json j = sw.points[1];
  const auto back = j.get<sysmt::sweep::PointPlan>();
  EXPECT_EQ(nlohmann::json(back), j);
  EXPECT_EQ(back.jobs.size(), 2u);
  EXPECT_EQ(back.jobs[0].kind, "verify") << "jobs run in the kinds' order";
  EXPECT_EQ(back.jobs[0].options.at("seed"), "1") << "defaults filled in";

  sysmt::sweep::SweepReport r;
  r.name = "x";
  r.columns = {"threads"};
  sysmt::sweep::ReportRow row;
  row.key = "k";
  row.values = {{"threads", "2"}};
  row.status = "done";
  row.metrics.area_um2 = 12.5;
  row.metrics.verify_pass = false;
  row.metrics.cycles = 123456789012ull;
  row.metrics.extra["energy_nj"] = 3.25;
  row.speedup_time = 2.0;
  r.rows.push_back(row);
  r.extra_metrics.push_back({"energy_nj", "nJ", "energy per inference", false});
  const nlohmann::json rj = r;
  const auto r2 = rj.get<sysmt::sweep::SweepReport>();
  EXPECT_EQ(nlohmann::json(r2), rj);
  EXPECT_FALSE(r2.rows[0].metrics.fmax_mhz.has_value());
  EXPECT_EQ(*r2.rows[0].metrics.cycles, 123456789012ull);
  EXPECT_EQ(r2.verify_failures(), 1);
  // The extra metric gets its own CSV column.
  const std::string csv = sysmt::sweep::to_csv(r2);
  EXPECT_NE(csv.find(",energy_nj,"), std::string::npos);
  EXPECT_NE(csv.find(",3.25,"), std::string::npos);
}

TEST_F(SweepSpec, GatherDerivesTimeRatiosAndParetoFrontsFromTheStamps) {
  const Sweep sw = parse("base: base.yaml\naxes:\n  threads: [1, 2, 4]\n  array.rows: [1, 2]\njobs:\n  generate:\n");
  ASSERT_EQ(sw.points.size(), 6u);  // (T, rows): #0 (1,1) #1 (1,2) #2 (2,1) #3 (2,2) #4 (4,1) #5 (4,2)
  const fs::path out = dir / "out";
  // Hand-made figures: time = cycles / fmax (us); baseline #0 (the first 1-thread point).
  struct Fig {
    int index;
    double area, fmax;
    std::uint64_t cycles;
    double rel_error;
  };
  const std::vector<Fig> figs = {{0, 100, 100, 1000, 0.0},  // 10 us
                                 {2, 150, 80, 500, 0.05},   // 6.25 us: 1.6x
                                 {4, 300, 50, 250, 0.1},    // 5 us: 2x
                                 {5, 400, 40, 250, 0.1}};   // 6.25 us: 1.6x for more area than #2: dominated
  for (const Fig& f : figs) {
    const fs::path d = out / "points" / sw.points[f.index].key;
    fs::create_directories(d);
    sysmt::sweep::PointResult r;
    r.key = sw.points[f.index].key;
    r.config_hash = sw.points[f.index].config_hash;
    r.metrics.area_um2 = f.area;
    r.metrics.fmax_mhz = f.fmax;
    r.metrics.cycles = f.cycles;
    r.metrics.rel_error = f.rel_error;
    r.job_seconds["generate"] = 1.5;
    std::ofstream(d / "result.json") << nlohmann::json(r).dump();
  }
  fs::create_directories(out / "points" / sw.points[3].key);
  std::ofstream(out / "points" / sw.points[3].key / "failure.json")
      << nlohmann::json(sysmt::sweep::PointFailure{sw.points[3].key, "synth", 3, "logs/synth.log"}).dump();
  // A stamp of another key (an older sweep's) does not count.
  fs::create_directories(out / "points" / sw.points[1].key);
  sysmt::sweep::PointResult stale;
  stale.key = "0000000000000000";
  std::ofstream(out / "points" / sw.points[1].key / "result.json") << nlohmann::json(stale).dump();

  const sysmt::sweep::SweepReport r = sysmt::sweep::gather(sw, out);
  ASSERT_EQ(r.rows.size(), 6u);
  EXPECT_EQ(r.baseline, 0);
  EXPECT_EQ(r.done(), 4);
  EXPECT_EQ(r.rows[1].status, "unfinished");
  EXPECT_EQ(r.rows[1].log, "points/" + sw.points[1].key + "/point.log");
  EXPECT_EQ(r.rows[3].status, "failed");
  EXPECT_EQ(r.rows[3].failed_job, "synth");
  EXPECT_EQ(r.rows[3].log, "points/" + sw.points[3].key + "/logs/synth.log");
  const double speedup[6] = {1.0, 0, 1.6, 0, 2.0, 1.6}, area_ratio[6] = {1.0, 0, 1.5, 0, 3.0, 4.0};
  const bool front_time[6] = {true, false, true, false, true, false}, front_error[6] = {true, false, false, false, false, false};
  for (int i : {0, 2, 4, 5}) {
    EXPECT_DOUBLE_EQ(*r.rows[i].speedup_time, speedup[i]) << i;
    EXPECT_DOUBLE_EQ(*r.rows[i].area_ratio, area_ratio[i]) << i;
    EXPECT_DOUBLE_EQ(r.rows[i].seconds, 1.5);
  }
  EXPECT_DOUBLE_EQ(*r.rows[0].time_us, 10.0);
  EXPECT_DOUBLE_EQ(*r.rows[4].time_us, 5.0);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(r.rows[i].pareto_time, front_time[i]) << i;
    EXPECT_EQ(r.rows[i].pareto_error, front_error[i]) << i;
  }
  EXPECT_FALSE(r.rows[1].speedup_time.has_value());
  const std::string csv = sysmt::sweep::to_csv(r);
  EXPECT_NE(csv.find("\n4," + sw.points[4].key + "," + sw.points[4].config_hash + ",4,1,done,"), std::string::npos) << csv;
  // #4: time 5 us, speedup 2, area ratio 3, on the time front only; SQNR "inf" only where the error is 0.
  EXPECT_NE(csv.find(",0.1,,5,2,3,1,0,,1.5,points/" + sw.points[4].key + "/point.log"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",0,inf,10,1,1,1,1,,1.5,"), std::string::npos) << csv;
  const std::string md = sysmt::sweep::to_markdown(r, {});
  EXPECT_NE(md.find("- #3 (threads 2, rows 2): failed in synth; log `points/" + sw.points[3].key + "/logs/synth.log`"), std::string::npos)
      << md;
}

}  // namespace
