// How the synthesis flow reports what it is doing: one line per step, to a callback the caller owns.
#pragma once

#include <functional>
#include <string>

namespace sysmt::synth {

using Progress = std::function<void(const std::string&)>;

}  // namespace sysmt::synth

namespace sysmt::synth {

// A Progress that prints "[tag] line" to stderr, one whole line at a time from any thread.
Progress progress_printer(const std::string& tag);

}  // namespace sysmt::synth
