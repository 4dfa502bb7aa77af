// `sysmt sweep SWEEP.yaml`: a design-space sweep (docs/sweeps.md) run locally or as a Slurm job array,
// resumable, gathered into one table with Pareto plots. `sysmt sweep-point DIR` runs one prepared point
// (what every executor runs per point; also a way to rerun one point by hand).
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/cli.hpp"
#include "common/error.hpp"
#include "sweep/executor.hpp"
#include "sweep/spec.hpp"

namespace sysmt::cli {

namespace {

namespace fs = std::filesystem;

struct SweepOptions {
  std::string file, out;
  sweep::RunOptions run;
  bool list = false;
};

void run(const SweepOptions& o) {
  const sweep::Sweep sw = sweep::load_sweep(o.file);
  const fs::path out = o.out.empty() ? sweep::default_out_dir(sw) : fs::path(o.out);
  if (o.list) {
    for (const auto& p : sw.points) {
      std::string v;
      for (const auto& [k, x] : p.values) v += fmt::format("{}{}={}", v.empty() ? "" : " ", k, x);
      std::printf("#%d %s config %s  %s%s\n", p.index, p.key.c_str(), p.config_hash.c_str(), v.c_str(),
                  p.index == sw.baseline ? "  (baseline)" : "");
    }
    return;
  }
  const sweep::RunSummary s = sweep::run_sweep(sw, out, o.run);
  const sweep::SweepReport& r = s.report;
  if (!o.run.quiet) {
    if (!s.plot_note.empty()) std::fprintf(stderr, "[sweep] %s\n", s.plot_note.c_str());
    for (const auto& row : r.rows)
      if (row.status != "done")
        std::fprintf(stderr, "[sweep] point #%d %s%s%s; log %s\n", row.index, row.status.c_str(),
                     row.failed_job.empty() ? "" : (" in " + row.failed_job).c_str(),
                     row.detail.empty() ? "" : (" (" + row.detail + ")").c_str(), (out / row.log).string().c_str());
    std::fprintf(stderr, "[sweep] %d of %d points done (%d run now, %d finished earlier)%s; table: %s/sweep.md, sweep.csv, sweep.json\n",
                 r.done(), static_cast<int>(r.rows.size()), s.ran, s.skipped,
                 r.verify_failures() ? fmt::format("; {} FAILED verification", r.verify_failures()).c_str() : "", out.string().c_str());
  }
  if (r.failed() > 0 || r.verify_failures() > 0) throw CLI::RuntimeError(1);
}

void add_sweep(CLI::App& app) {
  auto o = std::make_shared<SweepOptions>();
  CLI::App* sub = app.add_subcommand("sweep",
                                     "Run a design-space sweep (axes of config keys, clock, workload) locally or on Slurm; "
                                     "resumable; table and Pareto plots (docs/sweeps.md)");
  sub->add_option("sweep", o->file, "Sweep file (YAML; configs/sweeps/*.yaml)")->required();
  sub->add_option("-o,--output", o->out, "Sweep folder, shared by every point (default reports/sweep-<name>)");
  sub->add_option("--executor", o->run.executor, "Where points run: local or slurm")
      ->check(CLI::IsMember({"local", "slurm"}))
      ->capture_default_str();
  sub->add_option("-j,--jobs", o->run.jobs, "local: points run at once (default: the number of cores)")->check(CLI::Range(1, 1024));
  sub->add_flag("--force", o->run.force, "Rerun every point, even those with a result");
  sub->add_flag("--list", o->list, "Only list the points (index, key, config hash, values) and exit");
  sub->add_flag("-q,--quiet", o->run.quiet, "No progress lines");
  sub->add_option("--sysmt", o->run.sysmt, "The sysmt binary the points run (default: this one; on a cluster, a path every node sees)");
  sub->add_option("--partition", o->run.slurm.partition, "slurm: partition (sbatch --partition)");
  sub->add_option("--account", o->run.slurm.account, "slurm: account to charge (sbatch --account)");
  sub->add_option("--time", o->run.slurm.time_limit, "slurm: time limit per point (sbatch --time, e.g. 30 or 2:00:00)");
  sub->add_option("--mem", o->run.slurm.mem, "slurm: memory per point (sbatch --mem, e.g. 4G; a 64x64 synthesis needs about 2.4G)");
  sub->add_option("--cpus-per-task", o->run.slurm.cpus_per_task, "slurm: CPUs per point")->check(CLI::Range(1, 256))->capture_default_str();
  sub->add_option("--max-running", o->run.slurm.max_running, "slurm: at most this many points at once (array throttle %N; 0 = no limit)")
      ->check(CLI::Range(0, 100000));
  sub->add_option("--sbatch-args", o->run.slurm.sbatch_args, "slurm: further sbatch options, as one string (e.g. \"--qos=short\")");
  sub->add_option("--poll", o->run.slurm.poll_seconds, "slurm: seconds between squeue polls")
      ->check(CLI::Range(0.2, 600.0))
      ->capture_default_str();
  sub->callback([o] { run(*o); });

  auto dir = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  CLI::App* pt = app.add_subcommand("sweep-point", "Run the jobs of one prepared sweep point (what each executor runs per point)");
  pt->add_option("dir", *dir, "The point's folder (SWEEP_FOLDER/points/<key>, holding point.json)")->required();
  pt->add_flag("-q,--quiet", *quiet, "No progress lines");
  pt->callback([dir, quiet] {
    const int rc = sweep::run_point(*dir, fs::read_symlink("/proc/self/exe").string(), *quiet);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

const Register reg(80, add_sweep);

}  // namespace

}  // namespace sysmt::cli
