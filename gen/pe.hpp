// The PE builder's parts (internal to sysmt_gen): the PE shell (pe.cpp: ports, operand registers,
// forwarding) calls one product builder per thread count (pe_1t.cpp, pe_2t.cpp, pe_4t.cpp) and one
// accumulate builder per pipeline depth (accumulate.cpp). docs/architecture.md describes each.
#pragma once

#include <vector>

#include "common/config.hpp"
#include "gen/build_util.hpp"
#include "gen/rtl_build.hpp"

namespace sysmt::rtl::build {

// One PE under construction: its module, an appender for its body, and its one register group (every
// part adds its registers here; the shell prints them as one always block, operand registers first).
struct PeBuild {
  const Config& c;
  const ArrayFacts& f;
  Module& m;
  Body b;
  std::vector<RegUpdate> regs;
  bool anz = false;  // activation non-zero flags arrive with the operands (anz_in, anz_q)
  bool wnz = false;  // weight non-zero flags arrive with the operands (wnz_in, wnz_q)
  // array.gating: clock. The product builder sets `busy` (an expression: some thread is active on this
  // cycle's product, so it may be non-zero; when it is 0 the product is 0) and `busy_next` (the same for
  // the next cycle, from the PE's inputs); the accumulate builder sets the two gated clocks' enables for
  // the next edge and names the registers on the accumulator's clock.
  bool gated = false;
  std::string busy, busy_next;
  std::string acc_enable_next, shadow_enable_next;
  std::vector<std::string> acc_state;
};

// Each drives `prod` (PW bits, two's complement): this cycle's product sum from a_q, w_q (and flags).
void pe_1t_product(PeBuild& pe);
void pe_2t_product(PeBuild& pe);
void pe_4t_product(PeBuild& pe);

// From `prod` and l_q: acc_d and shadow_d (and the registers of the chosen pipeline depth P).
void pe_accumulate(PeBuild& pe);

// Shared by the NB-SMT products (submul.cpp): Ra and Rw of thread t inside the g_thread loop, and S
// unsigned sub-multipliers with sign correction and shift summed into `prod`.
// `a`, `w`: the operand buses the reductions read (the operand registers, or the PE's inputs when the
// selection is registered).
void emit_ra(Body& g, Rounding r, const std::string& a = "a_q");
void emit_rw(Body& g, Rounding r, const std::string& w = "w_q");
// The nets the sub-multipliers read: operands, shift codes, signedness.
struct SubmulInputs {
  std::string x = "sub_x", y = "sub_y", sh = "sub_sh", sgn = "sub_signed";
  bool carry_save = false;  // drive prod_s, prod_c (carry-save) instead of prod
};
void emit_submul(Body& b, int subs, int xw, int yw, int shw, bool always_signed, int pw, const SubmulInputs& in = {});

// The modules (pe.cpp, array.cpp).
Module build_pe(const Config& c, const ArrayFacts& f);
Module build_skew_stage(const std::string& name, const std::string& role, int lane_w);
Module build_skew(const std::string& name, const std::string& role, int lanes, int lane_w, const std::string& stage);
Module build_drain_col(const std::string& name, int rows, int acc);
Module build_top(const Config& c, const ArrayFacts& f);

}  // namespace sysmt::rtl::build
