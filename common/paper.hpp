// The paper's published figures (Shomron and Weiser, MICRO 2020; spec section 1), each against a
// conventional 1-thread output-stationary array. The one place they are written down: the reports that
// set ours beside them (flow, compare) and the docs take them from here.
#pragma once

#include <stdexcept>
#include <string>

namespace sysmt {

struct PaperFigures {
  int threads;
  double area_ratio;      // array area over the 1T array's
  double speedup;         // 3.4x for 4T is the paper's example: 40 %-pruned ResNet-18
  double energy_change;   // energy(T) / energy(1T) - 1 (0 for 1T itself)
  const char* energy;     // as the paper states it ("-" for 1T)
  const char* top1_loss;  // top-1 accuracy loss ("-" for 1T)
};

inline constexpr PaperFigures kPaperFigures[3] = {
    {1, 1.0, 1.0, 0.0, "-", "-"},
    {2, 1.4, 2.0, -0.33, "-33%", "< 1%"},
    {4, 2.5, 3.4, -0.39, "-39%", "about 1%"},
};

// The figures for T = 1, 2 or 4; std::out_of_range for other thread counts.
inline const PaperFigures& paper_figures(int threads) {
  for (const PaperFigures& p : kPaperFigures)
    if (p.threads == threads) return p;
  throw std::out_of_range("the paper has no figures for " + std::to_string(threads) + " threads");
}

}  // namespace sysmt
