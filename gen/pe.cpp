// The PE shell, common to every thread count and pipeline depth: ports, operand registers (with the
// non-zero flags where the array forwards them), the forwarding to the neighbours and the shadow output.
// The product (pe_1t/2t/4t.cpp) and the accumulate stage (accumulate.cpp) fill in the middle.
#include <fmt/format.h>

#include <algorithm>

#include "gen/names.hpp"
#include "gen/pe.hpp"

namespace sysmt::rtl::build {

namespace {

void pe_ports(PeBuild& pe) {
  const int T = pe.c.threads;
  std::vector<Port>& p = pe.m.ports;
  p = {in("clk", W(1)), in("rst_n", W(1), "synchronous, active low"),
       in("a_in", W("T*8", 8 * T), "activations from the left, thread t at [t*8 +: 8], unsigned")};
  if (pe.anz) p.push_back(in("anz_in", W("T", T), "a_in's thread t is non-zero"));
  p.push_back(in("l_in", W(1), "last K-group of a tile, travels with the activations"));
  p.push_back(in("w_in", W("T*8", 8 * T), "weights from above, thread t at [t*8 +: 8], two's complement"));
  if (pe.wnz) p.push_back(in("wnz_in", W("T", T), "w_in's thread t is non-zero"));
  p.push_back(out("a_out", W("T*8", 8 * T), "registered activations to the right"));
  if (pe.anz) p.push_back(out("anz_out", W("T", T), "registered activation flags to the right"));
  p.push_back(out("l_out", W(1), "registered last flag to the right"));
  p.push_back(out("w_out", W("T*8", 8 * T), "registered weights downwards"));
  if (pe.wnz) p.push_back(out("wnz_out", W("T", T), "registered weight flags downwards"));
  p.push_back(out("shadow", W("ACC", pe.c.acc_bits), "the finished tile's result, held until the drain takes it"));
}

void pe_operand_registers(PeBuild& pe) {
  const int T = pe.c.threads, ACC = pe.c.acc_bits;
  Body& b = pe.b;
  b.reg("a_q", W("T*8", 8 * T), "operand registers");
  b.reg("w_q", W("T*8", 8 * T));
  if (pe.anz) b.reg("anz_q", W("T", T), "non-zero flags of a_q");
  if (pe.wnz) b.reg("wnz_q", W("T", T), "non-zero flags of w_q");
  b.reg("l_q", W(1));
  b.reg("acc_q", W("ACC", ACC), "running sum of the current tile");
  b.reg("shadow_q", W("ACC", ACC), "sum of the previous tile");
  if (pe.f.carry_save_product) {
    b.wire("prod_s", W("PW", pe.f.product_bits), "this cycle's product sum in carry-save form: prod_s + prod_c");
    b.wire("prod_c", W("PW", pe.f.product_bits));
  } else {
    b.wire("prod", W("PW", pe.f.product_bits), "this cycle's product sum, two's complement");
  }
  pe.regs = {{"a_q", "a_in", zero(W("T*8", 8 * T))}, {"w_q", "w_in", zero(W("T*8", 8 * T))}};
  if (pe.anz) pe.regs.push_back({"anz_q", "anz_in", zero(W("T", T))});
  if (pe.wnz) pe.regs.push_back({"wnz_q", "wnz_in", zero(W("T", T))});
  pe.regs.push_back({"l_q", "l_in", "1'b0"});
}

// array.gating: clock. The accumulator (with its pending carry state) and the shadow register move to
// clocks of their own that pulse only on edges where they change. A clock gate is an enable flip-flop
// (clocked with the operand registers, from the next edge's enable) and an OR: the enable changes just
// after a rising edge while clk is high, so the gated clock cannot glitch, and it is stable for the whole
// low phase before the edge it gates (a library's integrated clock gate does the same with a latch).
// Reset sets both enables, so two reset edges clear the gated registers too.
void pe_clock_gates(PeBuild& pe) {
  std::vector<RegUpdate> main, acc, shadow;
  for (RegUpdate& r : pe.regs) {
    if (r.q == "shadow_q")
      shadow.push_back(std::move(r));
    else if (r.q == "acc_q" || std::find(pe.acc_state.begin(), pe.acc_state.end(), r.q) != pe.acc_state.end())
      acc.push_back(std::move(r));
    else
      main.push_back(std::move(r));
  }
  Body& b = pe.b;
  b.comment({"Clock gates (array.gating: clock): the accumulator's clock pulses only on edges where a thread is",
             "active or the tile restarts (otherwise the product is zero and the next value equals the value; a",
             "pending carry waits in its register until the next pulse, at the latest the tile's last); the",
             "shadow's only where it loads. Each enable is registered one edge ahead and ORed with clk."});
  b.define("acc_en_d", W(1), pe.acc_enable_next, "the accumulator changes on the next edge");
  b.define("shadow_en_d", W(1), pe.shadow_enable_next, "the shadow loads on the next edge");
  b.reg("acc_en_q", W(1), "enables of this edge's clock pulses");
  b.reg("shadow_en_q", W(1));
  main.push_back({"acc_en_q", "acc_en_d", "1'b1"});
  main.push_back({"shadow_en_q", "shadow_en_d", "1'b1"});
  b.regs({}, std::move(main));
  b.define("acc_clk", W(1), "clk | ~acc_en_q", "gated clocks: held high through the cycle when not enabled");
  b.define("shadow_clk", W(1), "clk | ~shadow_en_q");
  b.regs({}, std::move(acc), "acc_clk");
  b.regs({}, std::move(shadow), "shadow_clk");
}

}  // namespace

Module build_pe(const Config& c, const ArrayFacts& f) {
  Module m;
  m.name = names::pe(f.top);
  const int T = c.threads, ACC = c.acc_bits;
  m.role = T == 1 ? "conventional 8b x 8b MAC processing element (the 1-thread baseline, no NB-SMT logic)."
                  : fmt::format("NB-SMT processing element, {} threads sharing one 8b x 8b multiplier.", T);
  m.localparams = {
      {"T", S(T), "threads"}, {"ACC", S(ACC), "accumulator bits"}, {"PW", S(f.product_bits), "bits of one cycle's product sum"}};
  if (T > 1) m.localparams.push_back({"SUBS", S(T == 2 ? 2 : 4), "sub-multipliers"});
  PeBuild pe{c, f, m, Body{m.body}, {}, false, false, c.gating == Gating::Clock, "", "", "", "", {}};
  // Two-thread PEs receive each operand's non-zero flag with it (computed once at the array edge and
  // forwarded like the operand), so no PE repeats the zero detection of its neighbours. Four-thread PEs
  // detect zeros on their inputs instead and register the selected sub-multiplier operands
  // (pe_4t.cpp, docs/design-space.md).
  pe.anz = f.forward_act_flags;
  pe.wnz = f.forward_wgt_flags;
  pe_ports(pe);
  pe_operand_registers(pe);
  if (T == 1)
    pe_1t_product(pe);
  else if (T == 2)
    pe_2t_product(pe);
  else
    pe_4t_product(pe);
  pe_accumulate(pe);
  pe.regs.push_back({"acc_q", "acc_d", zero(W("ACC", ACC))});
  pe.regs.push_back({"shadow_q", "shadow_d", zero(W("ACC", ACC))});
  if (pe.gated)
    pe_clock_gates(pe);
  else
    pe.b.regs({}, std::move(pe.regs));
  pe.b.assign("a_out", 8 * T, "a_q");
  pe.b.assign("w_out", 8 * T, "w_q");
  if (pe.anz) pe.b.assign("anz_out", T, "anz_q");
  if (pe.wnz) pe.b.assign("wnz_out", T, "wnz_q");
  pe.b.assign("l_out", 1, "l_q");
  pe.b.assign("shadow", ACC, "shadow_q");
  return m;
}

}  // namespace sysmt::rtl::build
