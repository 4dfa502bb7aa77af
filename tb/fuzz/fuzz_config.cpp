// libFuzzer target: the config reader. Any input must either parse into a valid Config or raise
// InputError (exit 2); anything else (another exception, a crash, a sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/config.hpp"
#include "common/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const sysmt::Config c = sysmt::parse_config(text, "fuzz.yaml");
    // What a parsed config promises its users (the generator, the models).
    if (c.name.empty() || c.rows < 1 || c.rows > 64 || c.cols < 1 || c.cols > 64 || (c.threads != 1 && c.threads != 2 && c.threads != 4) ||
        c.acc_bits < 16 || c.acc_bits > 64 || c.hash().size() != 16)
      std::abort();
  } catch (const sysmt::InputError& e) {
    // Messages are one printable line.
    for (const char* p = e.what(); *p; ++p)
      if (static_cast<unsigned char>(*p) < 0x20) std::abort();
  }
  return 0;
}
