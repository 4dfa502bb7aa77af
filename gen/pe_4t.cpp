// The 4-thread PE's product: four 4b x 4b sub-multipliers. The mode (exact, Ra x w, Ra x Rw), the first
// and last active thread, the reductions and the sub-multipliers' operands are all computed from the
// PE's inputs and registered with the operands, so the multipliers start from registers
// (docs/architecture.md, "T = 4"; docs/design-space.md for the measurements behind it).
#include <fmt/format.h>

#include "gen/pe.hpp"

namespace sysmt::rtl::build {

namespace {

// Which threads of the incoming operands are active, and the mode and threads t1, t2 they select.
void pe_4t_decision(PeBuild& pe, bool both) {
  Body& b = pe.b;
  b.comment(
      {std::string("The mode, the threads t1, t2 and the sub-multipliers' operands are decided from the PE's inputs (zero detection on ") +
           (both ? "a_in, w_in)" : "a_in)"),
       "and registered with the operands, so the multipliers start from registers."});
  b.wire("act_in", W(4), "threads of the incoming operands that are active");
  GenFor gi{"g_act_in", "t", "T", 4, {}};
  gi.body.items.push_back(Assign{"act_in", "[t]", 1, both ? "(|a_in[t*8 +: 8]) & (|w_in[t*8 +: 8])" : "|a_in[t*8 +: 8]"});
  b.item(std::move(gi));
  b.define("n_in", W(3), "{2'd0, act_in[0]} + {2'd0, act_in[1]} + {2'd0, act_in[2]} + {2'd0, act_in[3]}");
  b.define("half_in", W(1), "n_in == 3'd2", "two active: Ra(a) x w");
  b.define("quarter_in", W(1), "n_in > 3'd2", "three or four active: Ra(a) x Rw(w)");
  b.define("t1_in", W(2), "act_in[0] ? 2'd0 : act_in[1] ? 2'd1 : act_in[2] ? 2'd2 : act_in[3] ? 2'd3 : 2'd0",
           "first active thread (t1; 0 when none)");
  b.define("t2_in", W(2), "act_in[3] ? 2'd3 : act_in[2] ? 2'd2 : act_in[1] ? 2'd1 : 2'd0", "last active thread (t2; 0 when none)");
}

// The sub-multipliers' operands and shifts for the mode, from the inputs, and their registers.
void pe_4t_select(PeBuild& pe) {
  Body& b = pe.b;
  b.define("t1_alo", W(4), "a_in[{t1_in, 3'd0} +: 4]", "exact mode uses t1's low and t2's high nibble");
  b.define("t1_w", W(8), "w_in[{t1_in, 3'd0} +: 8]");
  b.define("t2_ahi", W(4), "a_in[{t2_in, 3'd4} +: 4]");
  b.define("t2_w", W(8), "w_in[{t2_in, 3'd0} +: 8]");
  b.define("t1_x", W(4), "half_in ? ra_nib[{t1_in, 2'd0} +: 4] : t1_alo");
  b.define("t2_x", W(4), "half_in ? ra_nib[{t2_in, 2'd0} +: 4] : t2_ahi");
  b.define("t1_s", W(1), "half_in & ra_sh[t1_in]", "thread t1's low product shifted by 4");
  b.define("t2_s", W(1), "~half_in | ra_sh[t2_in]", "thread t2's low product shifted by 4 (a_hi in exact mode)");
  b.define("sh_quarter", W(8),
           "{ra_sh[3] & rw_sh[3], ra_sh[3] ^ rw_sh[3], ra_sh[2] & rw_sh[2], ra_sh[2] ^ rw_sh[2], "
           "ra_sh[1] & rw_sh[1], ra_sh[1] ^ rw_sh[1], ra_sh[0] & rw_sh[0], ra_sh[0] ^ rw_sh[0]}",
           "ra_sh[t] + rw_sh[t]");
  b.assign("sub_x_d", 16, "quarter_in ? ra_nib : {t2_x, t1_x, t2_x, t1_x}");
  b.assign("sub_y_d", 16, "quarter_in ? rw_nib : {t2_w[7:4], t1_w[7:4], t2_w[3:0], t1_w[3:0]}");
  // The high weight nibble's product sits 4 bits above the low one's: shift s + 1.
  b.assign("sub_sh_d", 8, "quarter_in ? sh_quarter : {t2_s, ~t2_s, t1_s, ~t1_s, 1'b0, t2_s, 1'b0, t1_s}");
  pe.regs.push_back({"sub_x_q", "sub_x_d", lit(16, 0)});
  pe.regs.push_back({"sub_y_q", "sub_y_d", lit(16, 0)});
  pe.regs.push_back({"sub_sh_q", "sub_sh_d", lit(8, 0)});
  pe.regs.push_back({"quarter_q", "quarter_in", "1'b0"});
  pe.busy_next = "|act_in";
  if (pe.gated && pe.f.pipeline_stages == 2) {
    b.reg("busy_q", W(1), "some thread of the registered operands is active (the product register's content is not zero)");
    pe.regs.push_back({"busy_q", "|act_in", "1'b0"});
    pe.busy = "busy_q";
  }
  b.assign("sub_signed", 4, "{2'b11, quarter_q, quarter_q}");
}

}  // namespace

void pe_4t_product(PeBuild& pe) {
  const int T = 4, PW = pe.f.product_bits;
  const bool both = pe.c.zero_skip == ZeroSkip::Both;
  Body& b = pe.b;
  b.comment({both ? "Thread t is active when its activation and weight are both non-zero (zero_skip: both)."
                  : "Thread t is active when its activation is non-zero (zero_skip: act)."});
  b.wire("ra_nib", W("T*4", 4 * T), "Ra(a_in_t): nibble, at shift 4 when ra_sh[t]");
  b.wire("ra_sh", W("T", T));
  b.wire("rw_nib", W("T*4", 4 * T), "Rw(w_in_t): signed nibble, at shift 4 when rw_sh[t]");
  b.wire("rw_sh", W("T", T));
  GenFor g{"g_thread", "t", "T", T, {}};
  Body gb{g.body};
  emit_ra(gb, pe.c.rounding, "a_in");
  emit_rw(gb, pe.c.rounding, "w_in");
  b.item(std::move(g));

  b.wire("sub_x_d", W(16), "sub-multiplier k: 4b unsigned x 4b (signed when sub_signed[k]), for the next edge");
  b.wire("sub_y_d", W(16));
  b.wire("sub_sh_d", W(8), "sub-multiplier k's product is shifted by 4 * sub_sh[k*2 +: 2]");
  b.reg("sub_x_q", W(16), "the sub-multipliers' operands, registered with a_q and w_q");
  b.reg("sub_y_q", W(16));
  b.reg("sub_sh_q", W(8));
  b.reg("quarter_q", W(1), "three or four active: sub-multipliers 0 and 1 take signed weight nibbles (Rw)");
  b.wire("sub_signed", W(4));
  b.comment({"At most one active thread: sub-multipliers 0..3 form a_lo*w_lo, a_hi*w_lo << 4, a_lo*w_hi << 4",
             "and a_hi*w_hi << 8 of that thread (t1 = t2). Two active threads t1 < t2: t1 takes sub-multipliers 0",
             "and 2 (Ra(a) * w as low and high weight nibble), t2 takes 1 and 3. Three or four: sub-multiplier t",
             "computes Ra(a_t) * Rw(w_t); inactive threads have a zero operand, so they add zero."});
  pe_4t_decision(pe, both);
  pe_4t_select(pe);
  b.wire("term", W("SUBS*PW", 4 * PW));
  emit_submul(b, 4, 4, 4, 2, false, PW, {"sub_x_q", "sub_y_q", "sub_sh_q", "sub_signed", pe.f.carry_save_product});
}

}  // namespace sysmt::rtl::build
