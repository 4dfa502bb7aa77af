// gnuplot detection and runs.
#include "common/plot.hpp"

#include "common/process.hpp"

namespace sysmt {

std::string Gnuplot::png_terminal(int w, int h) const {
  return std::string("set terminal ") + (pngcairo ? "pngcairo" : "png") + " size " + std::to_string(w) + "," + std::to_string(h);
}

const Gnuplot& gnuplot() {
  static const Gnuplot g = [] {
    Gnuplot r;
    r.available = on_path("gnuplot");
    r.pngcairo = r.available && run_command("gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo").exit_code == 0;
    return r;
  }();
  return g;
}

bool run_gnuplot(const std::filesystem::path& dir, const std::string& script, const std::filesystem::path& log, const std::string& first) {
  if (!gnuplot().available) return false;
  const std::string pre = first.empty() ? "" : "-e " + shell_quote(first) + " ";
  return run_command("gnuplot " + pre + shell_quote(script), RunOptions{dir, log, ""}).exit_code == 0;
}

}  // namespace sysmt
