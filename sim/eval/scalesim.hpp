// SCALE-Sim topology files as workloads: the convolution form of its CSV (layer name, IFMAP height and
// width, filter height and width, channels, number of filters, strides), read strictly into the same
// Workload as our own format. SCALE-Sim has no padding column and counts outputs as
// ceil((IFMAP - filter) / stride) + 1; sizes are taken as written with that count (an input whose last
// window overhangs is extended by the overhang), so a padded layer is written with the input extent its
// outputs read, (OH - 1) * stride + filter, as docs/sweeps.md explains.
#pragma once

#include <string>

#include "sim/eval/workload_file.hpp"

namespace sysmt {

// The header's first eight columns, as SCALE-Sim writes them (compared ignoring case and spaces).
inline constexpr const char* kScaleSimColumns[8] = {"Layer name",   "IFMAP Height", "IFMAP Width", "Filter Height",
                                                    "Filter Width", "Channels",     "Num Filter",  "Strides"};

// True when the first non-blank line is a SCALE-Sim convolution header (starts with "Layer name,").
bool looks_like_scalesim(const std::string& text);

// Parses a SCALE-Sim convolution topology. Every problem throws InputError "FILE:LINE:COL: ...".
// Rows of empty cells are skipped (SCALE-Sim's files have some); columns after the eighth are ignored
// when the header names them, and are errors when it does not.
Workload parse_scalesim(const std::string& text, const std::string& source);

}  // namespace sysmt
