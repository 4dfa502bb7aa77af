// The 2-thread PE's product: two 4b x 8b sub-multipliers, the threads' activity from the forwarded
// non-zero flags, Ra on a collision (docs/architecture.md, "T = 2").
#include "gen/pe.hpp"

namespace sysmt::rtl::build {

void pe_2t_product(PeBuild& pe) {
  const int T = 2, PW = pe.f.product_bits;
  Body& b = pe.b;
  b.comment({pe.wnz ? "Thread t is active when its activation and weight are both non-zero (zero_skip: both)."
                    : "Thread t is active when its activation is non-zero (zero_skip: act)."});
  // With zero_skip: act the activation flags are the activity itself: no wire of their own.
  const std::string act = pe.wnz ? "act" : "anz_q";
  if (pe.wnz) b.define("act", W("T", T), "anz_q & wnz_q", "active threads");
  b.wire("ra_nib", W("T*4", 4 * T), "Ra(a_t): nibble, at shift 4 when ra_sh[t]");
  b.wire("ra_sh", W("T", T));
  GenFor g{"g_thread", "t", "T", T, {}};
  Body gb{g.body};
  emit_ra(gb, pe.c.rounding);
  b.item(std::move(g));

  b.wire("sub_x", W(8), "sub-multiplier k: 4b unsigned x 8b signed");
  b.wire("sub_y", W(16));
  b.wire("sub_sh", W(2), "sub-multiplier k's product is shifted by 4 when set");
  b.comment({"Both active: sub-multiplier t computes Ra(a_t) * w_t. Otherwise the exact 8x8 product of the",
             "active thread (thread 0 when none is: its product is zero) from its two activation nibbles: thread 0",
             "puts a_lo on sub-multiplier 0 and a_hi on 1, thread 1 a_hi on 0 and a_lo on 1, so each",
             "sub-multiplier's weight comes from its own thread or the other one, never from a second mux level."});
  b.define("shared", W(1), act + "[0] & " + act + "[1]");
  b.define("only1", W(1), act + "[1] & ~" + act + "[0]", "thread 1 alone");
  b.assign_slice("sub_x", "[3:0]", 4, "shared ? ra_nib[3:0] : only1 ? a_q[12 +: 4] : a_q[0 +: 4]");
  b.assign_slice("sub_x", "[7:4]", 4, "shared ? ra_nib[7:4] : only1 ? a_q[8 +: 4] : a_q[4 +: 4]");
  b.assign_slice("sub_y", "[7:0]", 8, "only1 ? w_q[8 +: 8] : w_q[0 +: 8]");
  b.assign_slice("sub_y", "[15:8]", 8, act + "[1] ? w_q[8 +: 8] : w_q[0 +: 8]");
  b.assign("sub_sh", 2, "shared ? ra_sh : {~only1, only1}");
  b.wire("term", W("SUBS*PW", 2 * PW));
  emit_submul(b, 2, 4, 8, 1, true, PW);
  pe.busy = "|" + act;
  pe.busy_next = pe.wnz ? "|(anz_in & wnz_in)" : "|anz_in";
}

}  // namespace sysmt::rtl::build
