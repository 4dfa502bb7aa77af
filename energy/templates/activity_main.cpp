// Activity counter for a flattened gate-level netlist in Verilator, compiled by `sysmt energy` together
// with the model (verilator --vpi, the top module public_flat_rw): zero-delay, one evaluation per clock edge, and for
// every net of the top module (one bit each, ports bit by bit) the number of transitions and the number
// of cycles it was high, over a measured window after a warm-up. Nets are sampled after the falling edge
// and after the rising edge, so gated clocks (array.gating: clock) count both of their transitions; the
// inputs change with the rising edge (as the neighbours' registers that drive them would), so nets that
// only follow the rising edge count exactly as with one sample per cycle.
//
// Input (argv[1], text):
//   ports N                      then N lines "NAME WIDTH": the driven inputs, in the order of the data
//   stream LABEL WARMUP MEASURE  then WARMUP + MEASURE lines of N hex values (one per port), one per edge
//   (any number of streams; each starts from reset)
// Output (argv[2], text): per stream "stream LABEL MEASURE NETS" and NETS lines "NAME TOGGLES HIGH", HIGH
// in cycles (halves when a net is high for half a cycle).
#include <verilated.h>
#include <verilated_syms.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "VERILATED_HEADER"

namespace {

struct Bit {
  std::string name;
  const std::uint8_t* byte;  // the byte that holds the bit (little-endian storage of every Verilator type)
  int shift;
  std::uint8_t prev = 0;
  std::uint64_t toggles = 0, high = 0;  // high: samples (two per cycle)
  bool get() const { return ((*byte) >> shift) & 1; }
};

struct Port {
  std::string name;
  int width = 1;
  std::uint8_t* data = nullptr;
  int bytes = 1;
};

[[noreturn]] void die(const std::string& msg) {
  std::cerr << "activity: " << msg << "\n";
  std::exit(2);
}

int storage_bytes(const VerilatedVar& v, int width) {
  switch (v.vltype()) {
    case VLVT_UINT8:
      return 1;
    case VLVT_UINT16:
      return 2;
    case VLVT_UINT32:
      return 4;
    case VLVT_UINT64:
      return 8;
    case VLVT_WDATA:
      return ((width + 31) / 32) * 4;
    default:
      return 0;
  }
}

void set_hex(Port& p, const std::string& hex) {
  for (int i = 0; i < p.bytes; ++i) p.data[i] = 0;
  int bit = 0;
  for (auto it = hex.rbegin(); it != hex.rend() && bit < p.width; ++it, bit += 4) {
    const char c = *it;
    const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (v < 0) die("bad hex value '" + hex + "' for port " + p.name);
    for (int b = 0; b < 4 && bit + b < p.width; ++b)
      if ((v >> b) & 1) p.data[(bit + b) / 8] |= static_cast<std::uint8_t>(1u << ((bit + b) % 8));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) die("usage: activity STIMULUS OUT");
  auto ctx = std::make_unique<VerilatedContext>();
  ctx->fatalOnError(false);
  auto model = std::make_unique<VERILATED_CLASS>(ctx.get(), "TOP");
  const VerilatedScopeNameMap* scopes = ctx->scopeNameMap();
  const VerilatedScope* top = nullptr;          // the top module's nets
  const VerilatedScope* ports_scope = nullptr;  // the model's own ports (what eval() reads)
  const std::string want = std::string("TOP.") + TOP_MODULE_NAME;
  for (const auto& kv : *scopes) {
    if (want == kv.first) top = kv.second;
    if (std::string("TOP.TOP") == kv.first) ports_scope = kv.second;
  }
  if (!top || !top->varsp() || !ports_scope || !ports_scope->varsp())
    die("scope " + want + " not found (was the model built with --public-flat-rw --vpi?)");
  // Input ports are written through the model's port variables.
  auto port_data = [&](const std::string& name) -> std::uint8_t* {
    for (const auto& kv : *ports_scope->varsp())
      if (name == kv.first) return static_cast<std::uint8_t*>(kv.second.datap());
    return nullptr;
  };

  // Every net of the top module, bit by bit.
  std::vector<Bit> bits;
  std::uint8_t* clk = nullptr;
  std::uint8_t* rst_n = nullptr;
  for (const auto& kv : *top->varsp()) {
    const VerilatedVar& v = kv.second;
    if (v.udims() != 0) continue;
    const int width = v.dims() == 0 ? 1 : v.packed().elements();
    const int bytes = storage_bytes(v, width);
    if (bytes == 0) continue;
    auto* data = static_cast<std::uint8_t*>(v.datap());
    const std::string name = kv.first;
    if (name == "clk") continue;  // the clock's activity comes from the clock definition in OpenSTA
    const int lo = v.dims() == 0 ? 0 : v.packed().low();
    for (int b = 0; b < width; ++b) {
      Bit x;
      x.name = v.dims() == 0 ? name : name + "[" + std::to_string(lo + b) + "]";
      x.byte = data + b / 8;
      x.shift = b % 8;
      bits.push_back(x);
    }
  }
  clk = port_data("clk");
  rst_n = port_data("rst_n");
  if (!clk) die("no clk port in " + want);

  std::ifstream in(argv[1]);
  if (!in) die(std::string("cannot read ") + argv[1]);
  std::ofstream out(argv[2]);
  if (!out) die(std::string("cannot write ") + argv[2]);
  std::string word;
  std::vector<Port> ports;
  int n = 0;
  if (!(in >> word >> n) || word != "ports") die("expected 'ports N'");
  for (int i = 0; i < n; ++i) {
    Port p;
    if (!(in >> p.name >> p.width)) die("bad port line");
    p.data = port_data(p.name);
    if (!p.data) die("no input port " + p.name);
    p.bytes = (p.width + 7) / 8;
    ports.push_back(p);
  }
  // One clock cycle: the falling edge, then the inputs with the rising edge; `sample` after each.
  auto cycle = [&](auto&& set_inputs, auto&& sample) {
    *clk = 0;
    model->eval();
    sample();
    set_inputs();
    *clk = 1;
    model->eval();
    sample();
  };
  auto none = []() {};
  std::string label;
  long warm = 0, meas = 0;
  while (in >> word) {
    if (word != "stream" || !(in >> label >> warm >> meas) || warm < 0 || meas <= 0) die("expected 'stream LABEL WARMUP MEASURE'");
    // Reset (rst_n low for two edges, data inputs zero), then the stream with rst_n high.
    for (Port& p : ports) set_hex(p, "0");
    if (rst_n) *rst_n = 0;
    cycle(none, none);
    cycle(none, none);
    if (rst_n) *rst_n = 1;
    for (Bit& b : bits) {
      b.prev = b.get();
      b.toggles = b.high = 0;
    }
    for (long e = 0; e < warm + meas; ++e) {
      const bool count = e >= warm;
      cycle(
          [&]() {
            for (Port& p : ports) {
              if (!(in >> word)) die("stream " + label + ": data ends early");
              set_hex(p, word);
            }
          },
          [&]() {
            for (Bit& b : bits) {
              const std::uint8_t v = b.get();
              if (count) {
                b.toggles += v != b.prev;
                b.high += v;
              }
              b.prev = v;
            }
          });
    }
    if (ctx->gotError()) die("simulation error in stream " + label);
    out << "stream " << label << " " << meas << " " << bits.size() << "\n";
    for (const Bit& b : bits) out << b.name << " " << b.toggles << " " << (b.high / 2) << (b.high % 2 ? ".5" : "") << "\n";
  }
  model->final();
  return 0;
}
