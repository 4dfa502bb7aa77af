// The NB-SMT PEs' shared pieces: the reductions Ra (activation) and Rw (weight) of spec section 3, and
// the shared multiplier as unsigned sub-multipliers with sign correction, shift and sum.
#include <fmt/format.h>

#include "gen/pe.hpp"

namespace sysmt::rtl::build {

// Activation reduction Ra of thread t (8b unsigned -> nibble ra_nib, shift flag ra_sh), in block `g`
// (inside the g_thread loop, genvar t).
void emit_ra(Body& g, Rounding r, const std::string& a) {
  g.define("a_hi", W(4), a + "[t*8+4 +: 4]");
  g.define("a_lo", W(4), a + "[t*8 +: 4]");
  g.assign_slice("ra_sh", "[t]", 1, "|a_hi");
  if (r == Rounding::Truncate) {
    g.assign_slice("ra_nib", "[t*4 +: 4]", 4, "ra_sh[t] ? a_hi : a_lo");
    return;
  }
  g.define("a_inc", W(1), r == Rounding::HalfUp ? "a_lo[3]" : "a_lo[3] & ((|a_lo[2:0]) | a_hi[0])",
           r == Rounding::HalfUp ? "round half up" : "round half to even");
  // min(hi + inc, 15): the increment is dropped when hi is already 15.
  g.assign_slice("ra_nib", "[t*4 +: 4]", 4, "ra_sh[t] ? a_hi + {3'd0, a_inc & ~(&a_hi)} : a_lo");
}

// Weight reduction Rw of thread t (8b signed -> signed nibble rw_nib, shift flag rw_sh).
void emit_rw(Body& g, Rounding r, const std::string& w) {
  g.define("w_hi", W(4), w + "[t*8+4 +: 4]");
  g.define("w_lo", W(4), w + "[t*8 +: 4]");
  // -8 <= w <= 7 exactly when bits 7..3 are all equal.
  g.assign_slice("rw_sh", "[t]", 1, "(w_hi != {4{w_lo[3]}})");
  if (r == Rounding::Truncate) {
    g.assign_slice("rw_nib", "[t*4 +: 4]", 4, "rw_sh[t] ? w_hi : w_lo");
    return;
  }
  g.define("w_inc", W(1), r == Rounding::HalfUp ? "w_lo[3]" : "w_lo[3] & ((|w_lo[2:0]) | w_hi[0])",
           r == Rounding::HalfUp ? "round half up" : "round half to even");
  // min(hi + inc, 7): no increment past +7; -1 + 1 wraps to 0 in 4 bits, as it should.
  g.assign_slice("rw_nib", "[t*4 +: 4]", 4, "rw_sh[t] ? w_hi + {3'd0, w_inc & (w_hi != 4'd7)} : w_lo");
}

// Shared sub-multipliers: S unsigned XW x YW multipliers with sign correction (a signed y of YW bits is
// y_unsigned - 2^YW * msb, so x * y = x * y_unsigned - (x << YW) when the msb is set and y counts as
// signed), each product shifted left by 4 * sub_sh (0, 4 or 8 bits) and summed into `prod` (PW bits).
void emit_submul(Body& b, int subs, int xw, int yw, int shw, bool always_signed, int pw, const SubmulInputs& in) {
  const int mw = xw + yw;                        // unsigned product width
  const int pwid = always_signed ? mw : mw + 1;  // signed corrected product width
  b.comment({fmt::format("Shared multiplier: {} unsigned {}b x {}b sub-multipliers with sign correction.", subs, xw, yw)});
  GenFor g{"g_sub", "k", "SUBS", subs, {}};
  Body gb{g.body};
  gb.define("x", W(xw), fmt::format("{1}[k*{0} +: {0}]", xw, in.x));
  gb.define("y", W(yw), fmt::format("{1}[k*{0} +: {0}]", yw, in.y));
  gb.define("m", W(mw), "x * y", "unsigned product");
  std::string neg = always_signed ? "y[" + S(yw - 1) + "]" : in.sgn + "[k] & y[" + S(yw - 1) + "]";
  if (always_signed)
    gb.define("p", W(pwid), fmt::format("m - ({} ? {{x, {}}} : {})", neg, lit(yw, 0), lit(pwid, 0)), "signed product (exact: it fits)");
  else
    gb.define("p", W(pwid), fmt::format("{{1'b0, m}} - ({} ? {{1'b0, x, {}}} : {})", neg, lit(yw, 0), lit(pwid, 0)),
              "signed product (exact: it fits)");
  const std::string msb = "p[" + S(pwid - 1) + "]";
  // Shift by 0, 4 (or 8) bits as selected, sign-extended to PW.
  std::string s0 = sext("p", msb, pwid, pw), s4 = sext("{p, 4'd0}", msb, pwid + 4, pw);
  std::string e = shw == 1 ? in.sh + "[k] ? " + s4 + " : " + s0
                           : in.sh + "[k*2+1] ? " + sext("{p, 8'd0}", msb, pwid + 8, pw) + " : " + in.sh + "[k*2] ? " + s4 + " : " + s0;
  gb.assign_slice("term", "[k*PW +: PW]", pw, e);
  b.item(std::move(g));
  if (in.carry_save) {
    // Four terms to two with two 3:2 compressors (a carry that leaves bit PW-1 drops out: the sum is
    // meant modulo 2^PW, where the product fits).
    b.comment({"Carry-save sum (P = 2): two 3:2 compressors leave this cycle's product as prod_s + prod_c (mod 2^PW);",
               "the accumulate stage adds both, so no carry ripples through the product in this stage."});
    const std::string t0 = "term[0*PW +: PW]", t1 = "term[1*PW +: PW]", t2 = "term[2*PW +: PW]", t3 = "term[3*PW +: PW]";
    // The carries are worth one bit more: only their low PW-1 bits count.
    const std::string l0 = "term[0*PW +: PW-1]", l1 = "term[1*PW +: PW-1]", l2 = "term[2*PW +: PW-1]", l3 = "term[3*PW +: PW-1]";
    b.define("csa_s", W("PW", pw), t0 + " ^ " + t1 + " ^ " + t2, "first compressor: sum bits");
    b.define("csa_m", W("PW-1", pw - 1), "(" + l0 + " & " + l1 + ") | (" + l0 + " & " + l2 + ") | (" + l1 + " & " + l2 + ")",
             "first compressor: carries, one bit up");
    b.define("csa_m2", W("PW-1", pw - 1),
             "(csa_s[PW-2:0] & {csa_m[PW-3:0], 1'b0}) | (csa_s[PW-2:0] & " + l3 + ") | ({csa_m[PW-3:0], 1'b0} & " + l3 + ")",
             "second compressor: carries, one bit up");
    b.assign("prod_s", pw, "csa_s ^ {csa_m, 1'b0} ^ " + t3);
    b.assign("prod_c", pw, "{csa_m2, 1'b0}");
    return;
  }
  std::string sum;
  for (int k = 0; k < subs; ++k) sum += (k ? " + " : "") + fmt::format("term[{}*PW +: PW]", k);
  b.assign("prod", pw, sum);
}

}  // namespace sysmt::rtl::build
