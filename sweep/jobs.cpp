// The job kinds of a sweep point: which sysmt subcommand each runs, with which options, and how its figures
// are read back: evaluate.json through its typed EvaluateReport, <name>.synth.json through a typed view
// (from_json) holding only the fields the sweep table uses.
//
// Adding a job kind (for example energy or accuracy, when their subcommands land): append a JobKind to
// job_kinds() with its options, its subcommand's arguments, the MetricDocs it adds and a collect function
// that reads the subcommand's report into Metrics::extra under those metric names. The sweep schema, the
// point key, the table, the CSV/JSON/Markdown and one Pareto plot per metric (against area) follow from it.
#include "sweep/jobs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "common/files.hpp"
#include "sim/eval/eval_report.hpp"
#include "sweep/json_optional.hpp"
#include "synth/flow.hpp"

namespace sysmt::sweep {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// ---- Typed views of the subcommands' reports --------------------------------------------------------

// <name>.synth.json of `sysmt synth`: the whole array's area and its timing.
struct SynthView {
  double area_um2 = 0, nand2_eq = 0, critical_path_ns = 0, fmax_mhz = 0;
  long flip_flops = 0;
};
void from_json(const json& j, SynthView& s) {
  j.at("area_um2").get_to(s.area_um2);
  j.at("nand2_eq").get_to(s.nand2_eq);
  j.at("flip_flops").get_to(s.flip_flops);
  const json& t = j.at("timing").at("array");
  t.at("critical_path_ns").get_to(s.critical_path_ns);
  t.at("fmax_mhz").get_to(s.fmax_mhz);
}

template <class T>
T read_report(const fs::path& p) {
  try {
    return json::parse(read_file(p)).get<T>();
  } catch (const json::exception& e) {
    throw InputError(p.string() + ": not the report expected: " + e.what());
  }
}

std::string opt(const JobSpec& s, const std::string& k) { return s.options.at(k); }

std::vector<JobKind> make_kinds() {
  std::vector<JobKind> k;
  k.push_back({"generate",
               "generate",
               "the array's Verilog (rtl/)",
               {},
               {},
               [](const PointPlan&, const JobSpec&, const fs::path& dir) {
                 return std::vector<std::string>{"generate", (dir / "config.yaml").string(), "-q", "-o", (dir / "rtl").string()};
               },
               [](const PointPlan&, const JobSpec&, const fs::path&, int status, Metrics&) { return status == 0; }});
  k.push_back(
      {"verify",
       "verify",
       "Verilator run against the golden and cycle models",
       {{"gemms", JobOption::Int, "20", 1, 100000, {}, "random GEMMs"}, {"seed", JobOption::Int, "1", 0, 1e9, {}, "seed of the GEMMs"}},
       {},
       [](const PointPlan&, const JobSpec& s, const fs::path& dir) {
         return std::vector<std::string>{"verify", (dir / "config.yaml").string(), "--gemms", opt(s, "gemms"), "--seed", opt(s, "seed")};
       },
       // Status 1 is a verdict (a mismatch), not a failure to run: it is the point's result.
       [](const PointPlan&, const JobSpec& s, const fs::path&, int status, Metrics& m) {
         if (status != 0 && status != 1) return false;
         m.verify_pass = status == 0;
         m.verify_gemms = std::stoi(opt(s, "gemms"));
         return true;
       }});
  k.push_back({"synth",
               "synth",
               "Yosys synthesis and OpenSTA timing (synth/)",
               {{"liberty", JobOption::Path, synth::kDefaultLiberty, 0, 0, {}, "standard-cell liberty file"},
                {"abc_runs", JobOption::Int, "4", 1, 32, {}, "ABC mapping runs (smallest area kept)"},
                {"sta", JobOption::String, "auto", 0, 0, {"auto", "whole", "modular"}, "array timing mode"}},
               {},
               [](const PointPlan&, const JobSpec& s, const fs::path& dir) {
                 return std::vector<std::string>{"synth",      (dir / "config.yaml").string(),
                                                 "-o",         (dir / "synth").string(),
                                                 "--liberty",  opt(s, "liberty"),
                                                 "--abc-runs", opt(s, "abc_runs"),
                                                 "--sta",      opt(s, "sta")};
               },
               [](const PointPlan& p, const JobSpec&, const fs::path& dir, int status, Metrics& m) {
                 if (status != 0) return false;
                 const auto v = read_report<SynthView>(dir / "synth" / (p.config_name + ".synth.json"));
                 m.area_um2 = v.area_um2;
                 m.nand2_eq = v.nand2_eq;
                 m.flip_flops = v.flip_flops;
                 m.critical_path_ns = v.critical_path_ns;
                 m.fmax_mhz = v.fmax_mhz;
                 return true;
               }});
  k.push_back({"evaluate",
               "evaluate",
               "cycles and numerical error on a workload (evaluate/)",
               {{"workload", JobOption::Path, "", 0, 0, {}, "network file (.txt, or a SCALE-Sim topology .csv)"},
                {"prune", JobOption::Number, "0", 0, 0.99, {}, "fraction of weights pruned"},
                {"seed", JobOption::Int, "1", 0, 1e9, {}, "seed of the synthetic data"},
                {"sample", JobOption::Number, "1", 0, 1, {}, "fraction of output pixels run through the golden model"}},
               {},
               [](const PointPlan&, const JobSpec& s, const fs::path& dir) {
                 return std::vector<std::string>{"evaluate",
                                                 (dir / "config.yaml").string(),
                                                 "--workload",
                                                 opt(s, "workload"),
                                                 "--prune",
                                                 opt(s, "prune"),
                                                 "--seed",
                                                 opt(s, "seed"),
                                                 "--sample",
                                                 opt(s, "sample"),
                                                 "-q",
                                                 "-o",
                                                 (dir / "evaluate").string()};
               },
               [](const PointPlan& p, const JobSpec&, const fs::path& dir, int status, Metrics& m) {
                 if (status != 0) return false;
                 const EvaluateReport v = read_evaluate_report(dir / "evaluate" / "evaluate.json");  // the typed report
                 auto perf = std::find_if(v.perf.begin(), v.perf.end(), [&](const NetworkPerf& x) { return x.threads == p.threads; });
                 if (perf == v.perf.end())
                   throw InputError((dir / "evaluate" / "evaluate.json").string() + ": no figures for T = " + std::to_string(p.threads));
                 m.cycles = perf->cycles;
                 m.speedup_cycles = perf->speedup;
                 m.pe_utilization = perf->pe_utilization;
                 m.rel_error = 0.0;  // T = 1 is the exact int8 GEMM
                 m.sqnr_db.reset();
                 for (const auto& n : v.numeric)
                   if (n.threads == p.threads && n.mapping == Mapping::Interleaved) {
                     m.rel_error = n.rel_frobenius;
                     if (std::isfinite(n.sqnr_db)) m.sqnr_db = n.sqnr_db;
                   }
                 return true;
               }});
  return k;
}

}  // namespace

void to_json(json& j, const Metrics& m) {
  j = json::object();
  put(j, "verify_pass", m.verify_pass);
  put(j, "verify_gemms", m.verify_gemms);
  put(j, "area_um2", m.area_um2);
  put(j, "nand2_eq", m.nand2_eq);
  put(j, "flip_flops", m.flip_flops);
  put(j, "critical_path_ns", m.critical_path_ns);
  put(j, "fmax_mhz", m.fmax_mhz);
  put(j, "cycles", m.cycles);
  put(j, "speedup_cycles", m.speedup_cycles);
  put(j, "pe_utilization", m.pe_utilization);
  put(j, "rel_error", m.rel_error);
  put(j, "sqnr_db", m.sqnr_db);
  j["extra"] = m.extra;
}

void from_json(const json& j, Metrics& m) {
  get(j, "verify_pass", m.verify_pass);
  get(j, "verify_gemms", m.verify_gemms);
  get(j, "area_um2", m.area_um2);
  get(j, "nand2_eq", m.nand2_eq);
  get(j, "flip_flops", m.flip_flops);
  get(j, "critical_path_ns", m.critical_path_ns);
  get(j, "fmax_mhz", m.fmax_mhz);
  get(j, "cycles", m.cycles);
  get(j, "speedup_cycles", m.speedup_cycles);
  get(j, "pe_utilization", m.pe_utilization);
  get(j, "rel_error", m.rel_error);
  get(j, "sqnr_db", m.sqnr_db);
  m.extra = j.value("extra", std::map<std::string, double>{});
}

const std::vector<JobKind>& job_kinds() {
  static const std::vector<JobKind> kinds = make_kinds();
  return kinds;
}

const JobKind* find_job_kind(const std::string& name) {
  for (const auto& k : job_kinds())
    if (k.name == name) return &k;
  return nullptr;
}

}  // namespace sysmt::sweep
