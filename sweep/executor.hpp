// Running a sweep: prepare every point's folder (config.yaml, point.json, commands.sh), skip the points
// whose stamp exists, run the others with an executor, then gather the table. Both executors run the same
// command per point, `sysmt sweep-point DIR`, which runs the point's sysmt subcommands as child processes.
#pragma once

#include <filesystem>
#include <string>

#include "sweep/report.hpp"
#include "sweep/spec.hpp"

namespace sysmt::sweep {

struct SlurmOptions {
  std::string partition, account, time_limit, mem;  // empty = the cluster's defaults
  int cpus_per_task = 1;
  int max_running = 0;        // throttle of the job array (%N); 0 = none
  std::string sbatch_args;    // further sbatch options, as one string
  double poll_seconds = 2.0;  // squeue polling interval
};

struct RunOptions {
  std::string executor = "local";  // local or slurm
  int jobs = 0;                    // local: points run at once (0 = number of cores)
  bool force = false;              // rerun every point, finished or not
  bool quiet = false;
  std::string sysmt;  // the sysmt binary the points run (default: this one, /proc/self/exe)
  SlurmOptions slurm;
};

struct RunSummary {
  SweepReport report;
  int ran = 0, skipped = 0;
  std::vector<std::string> plots;
  std::string plot_note;
};

// The whole command: prepare, run, gather, write. Throws InputError on bad input before running anything,
// ToolError-like InputError when the executor cannot run (sbatch missing, submission refused).
RunSummary run_sweep(const Sweep& sw, const std::filesystem::path& out_dir, const RunOptions& o);

// `sysmt sweep-point DIR`: runs the jobs of the point prepared in DIR; returns 0 when every job succeeded
// (result.json written last), else non-zero (failure.json written).
int run_point(const std::filesystem::path& dir, const std::string& sysmt_exe, bool quiet);

// The sweep folder's default: reports/sweep-<name>.
std::filesystem::path default_out_dir(const Sweep& sw);

}  // namespace sysmt::sweep
