// `sysmt accuracy`: top-1 of the integer Fashion-MNIST network with every GEMM through the golden NB-SMT
// model, T = 1, 2, 4, flips against T = 1, per-layer statistics and the mechanisms (a) and (b), as
// Markdown, JSON and a gnuplot plot. The work is sim/nn/accuracy.hpp's run_accuracy.
#include <fmt/format.h>

#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/cli.hpp"
#include "common/error.hpp"
#include "sim/nn/accuracy.hpp"

namespace sysmt::cli {

namespace {

struct AccuracyCliOptions {
  std::string config, out, mapping = "both", reorder = "channels";
  std::vector<std::string> networks;
  std::vector<double> prune;
  nn::AccuracyOptions acc;
  bool quiet = false;
};

void run(AccuracyCliOptions o) {
  const Config cfg = load_config(o.config);
  if (!o.networks.empty() && !o.prune.empty())
    throw InputError("--network and --prune both given: --prune picks a committed network, --network names one");
  for (const auto& n : o.networks) o.acc.networks.emplace_back(n);
  if (o.networks.empty()) {
    if (o.prune.empty()) o.prune = {0.0, 0.4};
    for (double p : o.prune) o.acc.networks.push_back(nn::committed_network(p));
  }
  if (o.mapping == "both")
    o.acc.mappings = {Mapping::Interleaved, Mapping::Blocked};
  else if (o.mapping == "interleaved")
    o.acc.mappings = {Mapping::Interleaved};
  else if (o.mapping == "blocked")
    o.acc.mappings = {Mapping::Blocked};
  else
    throw InputError(fmt::format("--mapping '{}': expected interleaved, blocked or both", o.mapping));
  if (o.reorder == "channels")
    o.acc.reorder_how = nn::Reorder::Channels;
  else if (o.reorder == "k")
    o.acc.reorder_how = nn::Reorder::K;
  else if (o.reorder == "none")
    o.acc.reorder_how = nn::Reorder::None;
  else
    throw InputError(fmt::format("--reorder '{}': expected channels, k or none", o.reorder));
  const bool tty = isatty(2) != 0;
  auto progress = [&](const std::string& line) {
    if (o.quiet) return;
    if (tty)
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
    else
      std::fprintf(stderr, "%s\n", line.c_str());
  };
  // Without a terminal, progress lines at most every 10 s (result lines, ending in a newline, always).
  auto last = std::chrono::steady_clock::now() - std::chrono::seconds(10);
  auto filtered = [&](const std::string& line) {
    if (!line.empty() && line.back() == '\n') {
      if (!o.quiet) std::fprintf(stderr, tty ? "\r\033[K%s" : "%s", line.c_str());
      return;
    }
    if (tty) return progress(line);
    const auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::seconds(10)) return;
    last = now;
    progress(line);
  };
  const auto t0 = std::chrono::steady_clock::now();
  const nn::AccuracyReport r = nn::run_accuracy(cfg, o.acc, filtered);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!o.quiet && tty) std::fprintf(stderr, "\r\033[K");
  const std::filesystem::path dir =
      o.out.empty() ? std::filesystem::path("reports") / ("accuracy-" + cfg.name) : std::filesystem::path(o.out);
  std::string plot_msg;
  const auto files = nn::write_accuracy(r, dir, plot_msg);
  if (!plot_msg.empty()) std::fprintf(stderr, "sysmt accuracy: warning: %s\n", plot_msg.c_str());
  if (!o.quiet) {
    for (const nn::NetworkReport& n : r.networks) {
      std::string s = fmt::format("{}:", n.name);
      for (const nn::RunFigure& f : n.runs)
        if (!f.reorder && (f.threads == 1 || f.mapping == "interleaved")) s += fmt::format(" {} {:.2f} %", f.name, f.top1);
      std::fprintf(stderr, "%s\n", s.c_str());
    }
    std::fprintf(stderr, "sysmt accuracy: %.1f s\n", secs);
  }
  for (const auto& f : files) std::printf("%s\n", f.string().c_str());
}

void add_accuracy(CLI::App& app) {
  auto o = std::make_shared<AccuracyCliOptions>();
  CLI::App* sub =
      app.add_subcommand("accuracy", "Top-1 of the Fashion-MNIST network through the NB-SMT golden model, T = 1, 2, 4 (docs/accuracy.md)");
  sub->add_option("config", o->config, "Array configuration (YAML): rows, cols and arithmetic; threads is swept")->required();
  sub->add_option("--network", o->networks, "Integer network file(s) (.q8); default: the committed ones picked by --prune");
  sub->add_option("--prune", o->prune, "Committed network(s) by pruning: 0 and/or 0.4 (default both)");
  sub->add_option("--mapping", o->mapping, "Thread mapping: interleaved, blocked or both")->capture_default_str();
  sub->add_option("--mode-policy", o->acc.mode_policy,
                  "Mechanism (a), per-layer 2T/4T mode on the 4T array: none, greedy:LOSS (target top-1 loss, points) or layers:NAME,... "
                  "(those layers at 2T)")
      ->capture_default_str();
  sub->add_option(
         "--reorder", o->reorder,
         "Mechanism (b), K reordering from calibration statistics: channels (input channels, the same at every tap), k (all of K) or none")
      ->capture_default_str();
  sub->add_option("--images", o->acc.images, "Run the first N test images")->capture_default_str();
  sub->add_option("--calib-images", o->acc.calib_images, "Training images for the mechanisms' calibration")->capture_default_str();
  sub->add_option("--stats-images", o->acc.stats_images, "Test images for the per-layer statistics")->capture_default_str();
  sub->add_option("--workers", o->acc.workers, "Worker threads")->capture_default_str();
  sub->add_option("--batch", o->acc.batch, "Images per GEMM call (speed only; results do not depend on it)")->capture_default_str();
  sub->add_option("--data", o->acc.data_dir, "Fashion-MNIST folder (default: where Debian's dataset-fashion-mnist installs it)");
  sub->add_option("-o,--output", o->out, "Output folder (default reports/accuracy-<config name>)");
  sub->add_flag("-q,--quiet", o->quiet, "No progress lines and no summary");
  sub->callback([o] { run(*o); });
}

const Register reg(65, add_accuracy);

}  // namespace

}  // namespace sysmt::cli
