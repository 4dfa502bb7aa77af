// gnuplot, the one plotting tool: whether it is there, and running a script that writes PNG and SVG.
// Plots are optional output: without gnuplot a command still writes its tables and says so once.
#pragma once

#include <filesystem>
#include <string>

namespace sysmt {

struct Gnuplot {
  bool available = false;  // gnuplot on PATH
  bool pngcairo = false;   // its pngcairo terminal (else the plain png one)
  // The terminal line for a PNG of w x h pixels.
  std::string png_terminal(int w, int h) const;
};

// Looks gnuplot up once per process.
const Gnuplot& gnuplot();

// Runs `script` (a file in `dir`) with gnuplot in `dir`, its output in `log`; false when gnuplot is
// missing or fails (the caller reports it: a missing plot is not an error). `first`, when set, is run
// before the script (gnuplot -e): for example the output names "png_out='a.png'; svg_out='a.svg'".
bool run_gnuplot(const std::filesystem::path& dir, const std::string& script, const std::filesystem::path& log,
                 const std::string& first = "");

}  // namespace sysmt
