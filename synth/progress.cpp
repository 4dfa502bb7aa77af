// Progress lines on stderr.
#include "synth/progress.hpp"

#include <cstdio>
#include <mutex>

namespace sysmt::synth {

Progress progress_printer(const std::string& tag) {
  static std::mutex mu;
  return [tag](const std::string& s) {
    std::lock_guard<std::mutex> lock(mu);
    std::fprintf(stderr, "[%s] %s\n", tag.c_str(), s.c_str());
  };
}

}  // namespace sysmt::synth
