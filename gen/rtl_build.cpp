// The SySMT array builder: PE per thread count, skew lines, in_ready control and the drain path.
// All arithmetic follows shared/spec/nbsmt.md section 3; the port interface follows its section 5.
// Every signed quantity is kept as a plain bit vector with explicit sign extension, so that no
// multiplier operand is wider than the 8b x 8b budget (Yosys sees unsigned 8x8, 4x8 or 4x4 $mul cells).
#include "gen/rtl_build.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sysmt::rtl {

namespace {

std::string S(long long v) { return std::to_string(v); }

// Sized decimal literal, e.g. 4'd7.
std::string lit(int bits, long long v) { return S(bits) + "'d" + S(v); }

// The all-zero value of a width.
std::string zero(const Width& w) {
  if (w.bits == 1) return "1'b0";
  bool numeric = std::all_of(w.expr.begin(), w.expr.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (numeric) return lit(w.bits, 0);
  return "{" + w.expr + "{1'b0}}";
}

// Sign-extends `e` (`from` bits wide, sign bit `msb`) to `to` bits; to >= from.
std::string sext(const std::string& e, const std::string& msb, int from, int to) {
  if (to == from) return e;
  return "{{" + S(to - from) + "{" + msb + "}}, " + e + "}";
}

int clog2(int v) {
  int b = 0;
  while ((1 << b) < v) ++b;
  return b;
}

// Appends declarations and items to one block.
struct Body {
  Block& b;
  void wire(const std::string& n, Width w, const std::string& c = "") { b.nets.push_back(Net{n, NetKind::Wire, w, c}); }
  void reg(const std::string& n, Width w, const std::string& c = "") { b.nets.push_back(Net{n, NetKind::Reg, w, c}); }
  void assign(const std::string& lhs, int bits, const std::string& rhs) { b.items.push_back(Assign{lhs, "", bits, rhs}); }
  void assign_slice(const std::string& lhs, const std::string& slice, int bits, const std::string& rhs) {
    b.items.push_back(Assign{lhs, slice, bits, rhs});
  }
  // Declares a wire and drives it.
  void define(const std::string& n, Width w, const std::string& rhs, const std::string& c = "") {
    wire(n, w, c);
    assign(n, w.bits, rhs);
  }
  void comment(const std::string& t) { b.items.push_back(Comment{t}); }
  void regs(const std::string& c, std::vector<RegUpdate> r) { b.items.push_back(RegGroup{c, std::move(r)}); }
  void item(Item it) { b.items.push_back(std::move(it)); }
};

Port in(const std::string& n, Width w, const std::string& c = "") { return Port{n, Dir::In, std::move(w), c}; }
Port out(const std::string& n, Width w, const std::string& c = "") { return Port{n, Dir::Out, std::move(w), c}; }

// ---------------------------------------------------------------------------------------------------
// One register stage of one skew lane: the skew lines are built from instances of it, so hierarchical
// synthesis maps one LW-bit register once instead of a flat shift register of every lane.
Module build_skew_stage(const std::string& name, const std::string& role, int lane_w) {
  Module m;
  m.name = name;
  m.role = role;
  m.localparams = {{"LW", S(lane_w), "bits per lane"}};
  m.ports = {in("clk", W(1)), in("rst_n", W(1), "synchronous, active low"), in("d", W("LW", lane_w)),
             out("q", W("LW", lane_w), "d of the previous edge")};
  Body b{m.body};
  b.reg("stage_q", W("LW", lane_w));
  b.regs("", {{"stage_q", "d", zero(W("LW", lane_w))}});
  b.assign("q", lane_w, "stage_q");
  return m;
}

// Skew line: lane l is delayed by l clock edges (lane 0 passes straight through). Every delay stage is
// an instance of the stage module `stage`; lane l's l stages are at LW*l*(l-1)/2 of the stage buses,
// oldest stage last.
Module build_skew(const std::string& name, const std::string& role, int lanes, int lane_w, const std::string& stage) {
  Module m;
  m.name = name;
  m.role = role;
  const int line = lane_w * lanes * (lanes - 1) / 2;
  m.localparams = {{"LANES", S(lanes), "lanes; lane l is delayed by l cycles"},
                   {"LW", S(lane_w), "bits per lane"},
                   {"LINE_W", "LW*LANES*(LANES-1)/2", "all delay stages of all lanes"}};
  m.ports = {in("clk", W(1)), in("rst_n", W(1), "synchronous, active low"),
             in("lane_in", W("LANES*LW", lanes * lane_w), "lane l at [l*LW +: LW]"),
             out("lane_out", W("LANES*LW", lanes * lane_w), "lane_in of l cycles ago")};
  Body b{m.body};
  b.wire("line_o", W("LINE_W", line), "stage outputs");
  b.wire("line_d", W("LINE_W", line), "stage inputs");
  GenFor g{"g_lane", "l", "LANES", lanes, {}};
  Body gb{g.body};
  GenIf gi;
  gi.cond = "l == 0";
  gi.then_label = "g_direct";
  Body direct{gi.then_body};
  direct.assign_slice("lane_out", "[l*LW +: LW]", lane_w, "lane_in[l*LW +: LW]");
  gi.else_label = "g_delay";
  Body delay{gi.else_body};
  delay.assign_slice("line_d", "[LW*l*(l-1)/2 +: LW]", lane_w, "lane_in[l*LW +: LW]");
  GenIf chain;
  chain.cond = "l > 1";
  chain.then_label = "g_chain";
  // Stage s+1 takes stage s. The slice width depends on the lane (the genvar), so the width given here
  // is that of the widest lane; the checker checks widths of whole-net assignments only.
  Body cb{chain.then_body};
  cb.assign_slice("line_d", "[LW*l*(l-1)/2 + LW +: LW*(l-1)]", lane_w * (lanes - 1), "line_o[LW*l*(l-1)/2 +: LW*(l-1)]");
  delay.item(std::move(chain));
  delay.assign_slice("lane_out", "[l*LW +: LW]", lane_w, "line_o[LW*l*(l-1)/2 + LW*(l-1) +: LW]");
  gb.item(std::move(gi));
  b.item(std::move(g));
  GenFor st{"g_stage", "s", "LANES*(LANES-1)/2", lanes * (lanes - 1) / 2, {}};
  Instance u{stage, "u_stage", {}, {}, ""};
  u.conns = {{"clk", "clk", 1}, {"rst_n", "rst_n", 1}, {"d", "line_d[s*LW +: LW]", lane_w}, {"q", "line_o[s*LW +: LW]", lane_w}};
  st.body.items.push_back(std::move(u));
  b.item(std::move(st));
  return m;
}

// ---------------------------------------------------------------------------------------------------
// Activation reduction Ra of thread t (8b unsigned -> nibble ra_nib, shift flag ra_sh), in block `g`
// (inside the g_thread loop, genvar t).
void emit_ra(Body& g, Rounding r) {
  g.define("a_hi", W(4), "a_q[t*8+4 +: 4]");
  g.define("a_lo", W(4), "a_q[t*8 +: 4]");
  g.assign_slice("ra_sh", "[t]", 1, "|a_hi");
  if (r == Rounding::Truncate) {
    g.assign_slice("ra_nib", "[t*4 +: 4]", 4, "ra_sh[t] ? a_hi : a_lo");
    return;
  }
  g.define("a_inc", W(1),
           r == Rounding::HalfUp ? "a_lo[3]" : "a_lo[3] & ((|a_lo[2:0]) | a_hi[0])",
           r == Rounding::HalfUp ? "round half up" : "round half to even");
  // min(hi + inc, 15): the increment is dropped when hi is already 15.
  g.assign_slice("ra_nib", "[t*4 +: 4]", 4, "ra_sh[t] ? a_hi + {3'd0, a_inc & ~(&a_hi)} : a_lo");
}

// Weight reduction Rw of thread t (8b signed -> signed nibble rw_nib, shift flag rw_sh).
void emit_rw(Body& g, Rounding r) {
  g.define("w_hi", W(4), "w_q[t*8+4 +: 4]");
  g.define("w_lo", W(4), "w_q[t*8 +: 4]");
  // -8 <= w <= 7 exactly when bits 7..3 are all equal.
  g.assign_slice("rw_sh", "[t]", 1, "(w_hi != {4{w_lo[3]}})");
  if (r == Rounding::Truncate) {
    g.assign_slice("rw_nib", "[t*4 +: 4]", 4, "rw_sh[t] ? w_hi : w_lo");
    return;
  }
  g.define("w_inc", W(1),
           r == Rounding::HalfUp ? "w_lo[3]" : "w_lo[3] & ((|w_lo[2:0]) | w_hi[0])",
           r == Rounding::HalfUp ? "round half up" : "round half to even");
  // min(hi + inc, 7): no increment past +7; -1 + 1 wraps to 0 in 4 bits, as it should.
  g.assign_slice("rw_nib", "[t*4 +: 4]", 4, "rw_sh[t] ? w_hi + {3'd0, w_inc & (w_hi != 4'd7)} : w_lo");
}

// Shared sub-multipliers: S unsigned XW x YW multipliers with sign correction (a signed y of YW bits is
// y_unsigned - 2^YW * msb, so x * y = x * y_unsigned - (x << YW) when the msb is set and y counts as
// signed), each product shifted left by 4 * sub_sh (0, 4 or 8 bits) and summed into `prod` (PW bits).
void emit_submul(Body& b, int subs, int xw, int yw, int shw, bool always_signed, int pw) {
  const int mw = xw + yw;                      // unsigned product width
  const int pwid = always_signed ? mw : mw + 1;  // signed corrected product width
  b.comment(fmt::format("Shared multiplier: {} unsigned {}b x {}b sub-multipliers with sign correction.", subs, xw, yw));
  GenFor g{"g_sub", "k", "SUBS", subs, {}};
  Body gb{g.body};
  gb.define("x", W(xw), fmt::format("sub_x[k*{0} +: {0}]", xw));
  gb.define("y", W(yw), fmt::format("sub_y[k*{0} +: {0}]", yw));
  gb.define("m", W(mw), "x * y", "unsigned product");
  std::string neg = always_signed ? "y[" + S(yw - 1) + "]" : "sub_signed[k] & y[" + S(yw - 1) + "]";
  if (always_signed)
    gb.define("p", W(pwid), fmt::format("m - ({} ? {{x, {}}} : {})", neg, lit(yw, 0), lit(pwid, 0)),
              "signed product (exact: it fits)");
  else
    gb.define("p", W(pwid), fmt::format("{{1'b0, m}} - ({} ? {{1'b0, x, {}}} : {})", neg, lit(yw, 0), lit(pwid, 0)),
              "signed product (exact: it fits)");
  const std::string msb = "p[" + S(pwid - 1) + "]";
  // Shift by 0, 4 (or 8) bits as selected, sign-extended to PW.
  std::string s0 = sext("p", msb, pwid, pw), s4 = sext("{p, 4'd0}", msb, pwid + 4, pw);
  std::string e = shw == 1 ? "sub_sh[k] ? " + s4 + " : " + s0
                           : "sub_sh[k*2+1] ? " + sext("{p, 8'd0}", msb, pwid + 8, pw) + " : sub_sh[k*2] ? " + s4 + " : " + s0;
  gb.assign_slice("term", "[k*PW +: PW]", pw, e);
  b.item(std::move(g));
  std::string sum;
  for (int k = 0; k < subs; ++k) sum += (k ? " + " : "") + fmt::format("term[{}*PW +: PW]", k);
  b.assign("prod", pw, sum);
}

Module build_pe(const Config& c, const ArrayFacts& f) {
  Module m;
  m.name = f.pe;
  const int T = c.threads, ACC = c.acc_bits, PW = f.product_bits;
  m.role = T == 1 ? "conventional 8b x 8b MAC processing element (the 1-thread baseline, no NB-SMT logic)."
                  : fmt::format("NB-SMT processing element, {} threads sharing one 8b x 8b multiplier.", T);
  m.localparams = {{"T", S(T), "threads"},
                   {"ACC", S(ACC), "accumulator bits"},
                   {"PW", S(PW), "bits of one cycle's product sum"}};
  if (T > 1) m.localparams.push_back({"SUBS", S(T == 2 ? 2 : 4), "sub-multipliers"});
  // Two-thread PEs receive each operand's non-zero flag with it (computed once at the array edge and
  // forwarded like the operand), so no PE repeats the zero detection of its neighbours. Four-thread PEs
  // detect zeros on their inputs instead and register the decision itself (docs/design-space.md).
  const bool nz = T == 2, wnz = nz && c.zero_skip == ZeroSkip::Both;
  m.ports = {in("clk", W(1)), in("rst_n", W(1), "synchronous, active low"),
             in("a_in", W("T*8", 8 * T), "activations from the left, thread t at [t*8 +: 8], unsigned")};
  if (nz) m.ports.push_back(in("anz_in", W("T", T), "a_in's thread t is non-zero"));
  m.ports.push_back(in("l_in", W(1), "last K-group of a tile, travels with the activations"));
  m.ports.push_back(in("w_in", W("T*8", 8 * T), "weights from above, thread t at [t*8 +: 8], two's complement"));
  if (wnz) m.ports.push_back(in("wnz_in", W("T", T), "w_in's thread t is non-zero"));
  m.ports.push_back(out("a_out", W("T*8", 8 * T), "registered activations to the right"));
  if (nz) m.ports.push_back(out("anz_out", W("T", T), "registered activation flags to the right"));
  m.ports.push_back(out("l_out", W(1), "registered last flag to the right"));
  m.ports.push_back(out("w_out", W("T*8", 8 * T), "registered weights downwards"));
  if (wnz) m.ports.push_back(out("wnz_out", W("T", T), "registered weight flags downwards"));
  m.ports.push_back(out("shadow", W("ACC", ACC), "the finished tile's result, held until the drain takes it"));
  Body b{m.body};
  b.reg("a_q", W("T*8", 8 * T), "operand registers");
  b.reg("w_q", W("T*8", 8 * T));
  if (nz) b.reg("anz_q", W("T", T), "non-zero flags of a_q");
  if (wnz) b.reg("wnz_q", W("T", T), "non-zero flags of w_q");
  b.reg("l_q", W(1));
  b.reg("acc_q", W("ACC", ACC), "running sum of the current tile");
  b.reg("shadow_q", W("ACC", ACC), "sum of the previous tile");
  b.wire("prod", W("PW", PW), "this cycle's product sum, two's complement");
  std::vector<RegUpdate> regs = {{"a_q", "a_in", zero(W("T*8", 8 * T))}, {"w_q", "w_in", zero(W("T*8", 8 * T))}};
  if (nz) regs.push_back({"anz_q", "anz_in", zero(W("T", T))});
  if (wnz) regs.push_back({"wnz_q", "wnz_in", zero(W("T", T))});
  regs.push_back({"l_q", "l_in", "1'b0"});

  if (T == 1) {
    b.comment("8b unsigned x 8b signed: one unsigned 8x8 multiply, minus a << 8 when w is negative.");
    b.define("m", W(16), "a_q * w_q", "unsigned product");
    b.assign("prod", PW, "m - (w_q[7] ? {a_q, 8'd0} : 16'd0)");
  } else {
    b.comment(wnz ? "Thread t is active when its activation and weight are both non-zero (zero_skip: both)."
                  : "Thread t is active when its activation is non-zero (zero_skip: act).");
    if (T == 2) b.define("act", W("T", T), wnz ? "anz_q & wnz_q" : "anz_q", "active threads");
    b.wire("ra_nib", W("T*4", 4 * T), "Ra(a_t): nibble, at shift 4 when ra_sh[t]");
    b.wire("ra_sh", W("T", T));
    if (T == 4) {
      b.wire("rw_nib", W("T*4", 4 * T), "Rw(w_t): signed nibble, at shift 4 when rw_sh[t]");
      b.wire("rw_sh", W("T", T));
    }
    GenFor g{"g_thread", "t", "T", T, {}};
    Body gb{g.body};
    emit_ra(gb, c.rounding);
    if (T == 4) emit_rw(gb, c.rounding);
    b.item(std::move(g));

    if (T == 2) {
      b.wire("sub_x", W(8), "sub-multiplier k: 4b unsigned x 8b signed");
      b.wire("sub_y", W(16));
      b.wire("sub_sh", W(2), "sub-multiplier k's product is shifted by 4 when set");
      b.comment(
          "Both active: sub-multiplier t computes Ra(a_t) * w_t. Otherwise the exact 8x8 product of the\n"
          "active thread (thread 0 when none is: its product is zero) from its two activation nibbles: thread 0\n"
          "puts a_lo on sub-multiplier 0 and a_hi on 1, thread 1 a_hi on 0 and a_lo on 1, so each\n"
          "sub-multiplier's weight comes from its own thread or the other one, never from a second mux level.");
      b.define("shared", W(1), "act[0] & act[1]");
      b.define("only1", W(1), "act[1] & ~act[0]", "thread 1 alone");
      b.assign_slice("sub_x", "[3:0]", 4, "shared ? ra_nib[3:0] : only1 ? a_q[12 +: 4] : a_q[0 +: 4]");
      b.assign_slice("sub_x", "[7:4]", 4, "shared ? ra_nib[7:4] : only1 ? a_q[8 +: 4] : a_q[4 +: 4]");
      b.assign_slice("sub_y", "[7:0]", 8, "only1 ? w_q[8 +: 8] : w_q[0 +: 8]");
      b.assign_slice("sub_y", "[15:8]", 8, "act[1] ? w_q[8 +: 8] : w_q[0 +: 8]");
      b.assign("sub_sh", 2, "shared ? ra_sh : {~only1, only1}");
      b.wire("term", W("SUBS*PW", 2 * PW));
      emit_submul(b, 2, 4, 8, 1, true, PW);
    } else {
      b.wire("sub_x", W(16), "sub-multiplier k: 4b unsigned x 4b (signed when sub_signed[k])");
      b.wire("sub_y", W(16));
      b.wire("sub_signed", W(4));
      b.wire("sub_sh", W(8), "sub-multiplier k's product is shifted by 4 * sub_sh[k*2 +: 2]");
      b.comment(
          "At most one active thread: sub-multipliers 0..3 form a_lo*w_lo, a_hi*w_lo << 4, a_lo*w_hi << 4\n"
          "and a_hi*w_hi << 8 of that thread (t1 = t2). Two active threads t1 < t2: t1 takes sub-multipliers 0\n"
          "and 2 (Ra(a) * w as low and high weight nibble), t2 takes 1 and 3. Three or four: sub-multiplier t\n"
          "computes Ra(a_t) * Rw(w_t); inactive threads have a zero operand, so they add zero.");
      b.comment(
          "The mode and the threads t1, t2 are decided from the PE's inputs (zero detection on a_in, w_in) and\n"
          "registered with the operands, so the decision is off the multiplier's path.");
      b.wire("act_in", W(4), "threads of the incoming operands that are active");
      GenFor gi{"g_act_in", "t", "T", T, {}};
      gi.body.items.push_back(Assign{"act_in", "[t]", 1,
                                     c.zero_skip == ZeroSkip::Both ? "(|a_in[t*8 +: 8]) & (|w_in[t*8 +: 8])" : "|a_in[t*8 +: 8]"});
      b.item(std::move(gi));
      b.define("n_in", W(3), "{2'd0, act_in[0]} + {2'd0, act_in[1]} + {2'd0, act_in[2]} + {2'd0, act_in[3]}");
      b.reg("half_q", W(1), "two active: Ra(a) x w");
      b.reg("quarter_q", W(1), "three or four active: Ra(a) x Rw(w)");
      b.reg("t1_q", W(2), "first active thread (t1; 0 when none)");
      b.reg("t2_q", W(2), "last active thread (t2; 0 when none)");
      regs.push_back({"half_q", "n_in == 3'd2", "1'b0"});
      regs.push_back({"quarter_q", "n_in > 3'd2", "1'b0"});
      regs.push_back({"t1_q", "act_in[0] ? 2'd0 : act_in[1] ? 2'd1 : act_in[2] ? 2'd2 : act_in[3] ? 2'd3 : 2'd0", "2'd0"});
      regs.push_back({"t2_q", "act_in[3] ? 2'd3 : act_in[2] ? 2'd2 : act_in[1] ? 2'd1 : 2'd0", "2'd0"});
      b.define("half", W(1), "half_q");
      b.define("quarter", W(1), "quarter_q");
      b.define("t1_sel", W(2), "t1_q");
      b.define("t2_sel", W(2), "t2_q");
      b.define("t1_alo", W(4), "a_q[{t1_sel, 3'd0} +: 4]", "exact mode uses t1's low and t2's high nibble");
      b.define("t1_w", W(8), "w_q[{t1_sel, 3'd0} +: 8]");
      b.define("t2_ahi", W(4), "a_q[{t2_sel, 3'd4} +: 4]");
      b.define("t2_w", W(8), "w_q[{t2_sel, 3'd0} +: 8]");
      b.define("t1_x", W(4), "half ? ra_nib[{t1_sel, 2'd0} +: 4] : t1_alo");
      b.define("t2_x", W(4), "half ? ra_nib[{t2_sel, 2'd0} +: 4] : t2_ahi");
      b.define("t1_s", W(1), "half & ra_sh[t1_sel]", "thread t1's low product shifted by 4");
      b.define("t2_s", W(1), "~half | ra_sh[t2_sel]", "thread t2's low product shifted by 4 (a_hi in exact mode)");
      b.define("sh_quarter", W(8),
               "{ra_sh[3] & rw_sh[3], ra_sh[3] ^ rw_sh[3], ra_sh[2] & rw_sh[2], ra_sh[2] ^ rw_sh[2],\n"
               "                     ra_sh[1] & rw_sh[1], ra_sh[1] ^ rw_sh[1], ra_sh[0] & rw_sh[0], ra_sh[0] ^ rw_sh[0]}",
               "ra_sh[t] + rw_sh[t]");
      b.assign("sub_x", 16, "quarter ? ra_nib : {t2_x, t1_x, t2_x, t1_x}");
      b.assign("sub_y", 16, "quarter ? rw_nib : {t2_w[7:4], t1_w[7:4], t2_w[3:0], t1_w[3:0]}");
      b.assign("sub_signed", 4, "{2'b11, quarter, quarter}");
      // The high weight nibble's product sits 4 bits above the low one's: shift s + 1.
      b.assign("sub_sh", 8, "quarter ? sh_quarter : {t2_s, ~t2_s, t1_s, ~t1_s, 1'b0, t2_s, 1'b0, t1_s}");
      b.wire("term", W("SUBS*PW", 4 * PW));
      emit_submul(b, 4, 4, 4, 2, false, PW);
    }
  }

  const int P = f.pipeline_stages;
  if (P == 0) {
    b.comment("Accumulate; on a tile's last K-group the sum goes to the shadow and the accumulator restarts.");
    std::string prod_ext;
    if (ACC >= PW) {
      prod_ext = sext("prod", "prod[PW-1]", PW, ACC);
    } else {
      prod_ext = "prod[ACC-1:0]";
      b.define("unused_prod_hi", W(1), "^prod[PW-1:ACC]", "bits above ACC wrap away");
    }
    b.define("sum", W("ACC", ACC), "acc_q + " + prod_ext);
    b.define("acc_d", W("ACC", ACC), "l_q ? {ACC{1'b0}} : sum");
    b.define("shadow_d", W("ACC", ACC), "l_q ? sum : shadow_q");
  } else {
    // P = 1: the accumulator's low L bits add the product; their carry and the product's sign reach the
    // high ACC - L bits one edge later. The shadow takes the complete sum one edge after the tile's last
    // K-group (l2_q), while the low part already adds the next tile's first product onto zero.
    const int L = std::min(PW, ACC), HW = ACC - L;
    b.comment(fmt::format(
        "Accumulate in two parts (P = 1): the low {} bits add this cycle's product; their carry and the\n"
        "product's sign reach the high {} bits one edge later. The shadow takes the complete sum one edge after\n"
        "the tile's last K-group, while the low part already starts the next tile from zero.",
        L, HW));
    b.reg("l2_q", W(1), "l_q one edge later: the tile's sum is complete");
    regs.push_back({"l2_q", "l_q", "1'b0"});
    if (ACC < PW) b.define("unused_prod_hi", W(1), "^prod[PW-1:ACC]", "bits above ACC wrap away");
    const std::string lo = L == ACC ? "acc_q" : fmt::format("acc_q[{}:0]", L - 1);
    const std::string p_lo = L == PW ? "prod" : fmt::format("prod[{}:0]", L - 1);
    if (HW == 0) {
      b.define("acc_d", W("ACC", ACC), "(l2_q ? {ACC{1'b0}} : acc_q) + " + p_lo, "the next tile starts from zero");
      b.define("shadow_d", W("ACC", ACC), "l2_q ? acc_q : shadow_q");
    } else {
      b.define("sum_lo", W(L + 1), fmt::format("{{1'b0, l2_q ? {} : {}}} + {{1'b0, {}}}", lit(L, 0), lo, p_lo),
               "low part and its carry");
      b.reg("c_q", W(1), "carry out of the low part");
      b.reg("s_q", W(1), "sign of the product: the high part adds -1");
      regs.push_back({"c_q", fmt::format("sum_lo[{}]", L), "1'b0"});
      regs.push_back({"s_q", "prod[PW-1]", "1'b0"});
      const std::string hi = fmt::format("acc_q[ACC-1:{}]", L);
      const std::string c_ext = HW == 1 ? "c_q" : fmt::format("{{{}, c_q}}", lit(HW - 1, 0));
      b.define("hi_now", W(HW), fmt::format("{} + {{{}{{s_q}}}} + {}", hi, HW, c_ext),
               "high part with the previous edge's carry and sign: with the low part, the complete sum so far");
      b.define("acc_d", W("ACC", ACC), fmt::format("{{l2_q ? {} : hi_now, sum_lo[{}:0]}}", lit(HW, 0), L - 1));
      b.define("shadow_d", W("ACC", ACC), fmt::format("l2_q ? {{hi_now, {}}} : shadow_q", lo));
    }
  }
  regs.push_back({"acc_q", "acc_d", zero(W("ACC", ACC))});
  regs.push_back({"shadow_q", "shadow_d", zero(W("ACC", ACC))});
  b.regs("", std::move(regs));
  b.assign("a_out", 8 * T, "a_q");
  b.assign("w_out", 8 * T, "w_q");
  if (nz) b.assign("anz_out", T, "anz_q");
  if (wnz) b.assign("wnz_out", T, "wnz_q");
  b.assign("l_out", 1, "l_q");
  b.assign("shadow", ACC, "shadow_q");
  return m;
}

// ---------------------------------------------------------------------------------------------------
// Drain of one output column: AND-OR selection of the finished row (row_done is one-hot) into that
// column's output register. The top instantiates it once per column, so synthesis maps it once.
Module build_drain_col(const std::string& name, int rows, int acc) {
  Module m;
  m.name = name;
  m.role = "one column of the drain: the finished row's result, registered for out_data.";
  m.localparams = {{"ROWS", S(rows), "PE rows"}, {"ACC", S(acc), "accumulator bits"}};
  m.ports = {in("clk", W(1)), in("rst_n", W(1), "synchronous, active low"),
             in("row_done", W("ROWS", rows), "one-hot: row r's shadows hold a finished tile"),
             in("col_in", W("ROWS*ACC", rows * acc), "row r's shadow of this column at [r*ACC +: ACC]"),
             out("out_data", W("ACC", acc), "the selected row, one edge later")};
  Body b{m.body};
  b.b.nets.push_back(Net{"drain_or", NetKind::Wire, W("(ROWS+1)*ACC", (rows + 1) * acc), "AND-OR selection of the finished row", true});
  b.reg("out_data_q", W("ACC", acc));
  b.assign_slice("drain_or", "[0 +: ACC]", acc, "{ACC{1'b0}}");
  GenFor g{"g_row", "r", "ROWS", rows, {}};
  Body gb{g.body};
  gb.assign_slice("drain_or", "[(r+1)*ACC +: ACC]", acc, "drain_or[r*ACC +: ACC] | ({ACC{row_done[r]}} & col_in[r*ACC +: ACC])");
  b.item(std::move(g));
  b.regs("", {{"out_data_q", "drain_or[ROWS*ACC +: ACC]", zero(W("ACC", acc))}});
  b.assign("out_data", acc, "out_data_q");
  return m;
}

// One array edge of operand bus `bus` (`threads` lanes of 8 bits per position, LW = 8T): with `flags`, the
// non-zero flag of each lane where the operands enter (position `in_at`) on `flag_bus`; and the
// definition of the lint wire `unused` for what leaves the far edge (position `out_at`) unused.
void edge_flags(Body& gb, bool flags, int threads, const std::string& bus, const std::string& flag_bus, const std::string& loop,
                const std::string& in_at, const std::string& out_at, const std::string& unused, const std::string& what) {
  std::string rhs = "^" + bus + "[(" + out_at + ")*LW +: LW]";
  if (flags) {
    GenFor gt{loop, "t", "T", threads, {}};
    gt.body.items.push_back(Assign{flag_bus, "[" + in_at + "*T + t]", 1, "|" + bus + "[" + in_at + "*LW + t*8 +: 8]"});
    gb.item(std::move(gt));
    rhs = "(" + rhs + ") ^ (^" + flag_bus + "[(" + out_at + ")*T +: T])";
  }
  gb.define(unused, W(1), rhs, what + (flags ? " and flags go nowhere" : " go nowhere"));
}

// ---------------------------------------------------------------------------------------------------
Module build_top(const Config& c, const ArrayFacts& f) {
  Module m;
  m.name = f.top;
  const int R = c.rows, C = c.cols, T = c.threads, ACC = c.acc_bits, D = f.drain_interval;
  const int LW = 8 * T, OW = C * ACC;
  m.role = fmt::format(
      "{}x{} output-stationary SySMT array, {} thread{} per PE, {}-bit accumulators.\n"
      "// Timing: in_last accepted at edge E -> row r on out_data in the cycle after edge E + {} + r\n"
      "// (LAT = COLS + 1 + P = {}, P = {}); an in_last is accepted only {} or more edges after the previous\n"
      "// one (D = max(ROWS, COLS)).",
      R, C, T, T == 1 ? "" : "s", ACC, f.latency, f.latency, f.pipeline_stages, D);
  m.localparams = {{"ROWS", S(R), "PE rows"},
                   {"COLS", S(C), "PE columns"},
                   {"T", S(T), "threads per PE"},
                   {"ACC", S(ACC), "accumulator bits"},
                   {"LW", "T*8", "operand bits per row or column"},
                   {"OW", "COLS*ACC", "bits of one output row"},
};
  m.ports = {in("clk", W(1)),
             in("rst_n", W(1), "synchronous, active low: clears all state"),
             in("in_valid", W(1), "a K-group is offered"),
             out("in_ready", W(1), "the K-group is taken on an edge where in_valid & in_ready"),
             in("in_last", W(1), "the K-group is the last of its tile"),
             in("in_act", W("ROWS*LW", R * LW), "row r, thread t at [(r*T+t)*8 +: 8], unsigned"),
             in("in_wgt", W("COLS*LW", C * LW), "column c, thread t at [(c*T+t)*8 +: 8], two's complement"),
             out("out_valid", W(1), "out_data holds one row of a finished tile"),
             out("out_last", W(1), "with the tile's last row"),
             out("out_data", W("OW", OW), "column c at [c*ACC +: ACC], two's complement")};
  Body b{m.body};

  // Input control.
  b.wire("take", W(1), "a K-group is accepted at this edge");
  b.wire("take_last", W(1));
  b.wire("act_in", W("ROWS*LW", R * LW), "activations of accepted K-groups, zero otherwise");
  b.wire("act_bus", W("ROWS*(COLS+1)*LW", R * (C + 1) * LW), "row r, entering column c at (r*(COLS+1)+c)*LW");
  b.wire("last_bus", W("ROWS*(COLS+1)", R * (C + 1)), "last flags beside act_bus");
  b.wire("wgt_bus", W("(ROWS+1)*COLS*LW", (R + 1) * C * LW), "column c, entering row r at (r*COLS+c)*LW");
  b.wire("shadow_bus", W("ROWS*OW", R * OW), "PE (r, c) result at (c*ROWS+r)*ACC: column c's rows together");
  const bool nz = T == 2, wnz = nz && c.zero_skip == ZeroSkip::Both;  // the PE's flag ports (build_pe)
  if (nz) b.wire("anz_bus", W("ROWS*(COLS+1)*T", R * (C + 1) * T), "non-zero flags beside act_bus, thread t at +t");
  if (wnz) b.wire("wnz_bus", W("(ROWS+1)*COLS*T", (R + 1) * C * T), "non-zero flags beside wgt_bus, thread t at +t");
  b.reg("row_done_q", W("ROWS", R), "row r's shadows hold a finished tile: drain it at the next edge");
  b.reg("out_valid_q", W(1));
  b.reg("out_last_q", W(1));

  if (D > 1) {
    const int ww = clog2(D);
    b.comment(fmt::format(
        "in_ready: a K-group with in_last is taken only when at least D = {} edges have passed since the\n"
        "previous accepted in_last (wait_q counts them down); other K-groups are never refused.\n"
        "in_ready depends combinationally on in_last.",
        D));
    b.reg("wait_q", W(ww), "edges still to wait before the next in_last");
    b.wire("wait_d", W(ww));
    b.assign("in_ready", 1, "~(in_last & (|wait_q))");
    b.assign("wait_d", ww, fmt::format("take_last ? {} : (|wait_q) ? wait_q - {} : wait_q", lit(ww, D - 1), lit(ww, 1)));
    b.regs("", {{"wait_q", "wait_d", lit(ww, 0)}});
  } else {
    b.comment("1x1 array: the drain interval is one edge, so in_ready is always 1.");
    b.assign("in_ready", 1, "1'b1");
  }
  b.assign("take", 1, "in_valid & in_ready");
  b.assign("take_last", 1, "take & in_last");
  b.comment("Rejected or absent K-groups enter as zero activations: every thread inactive, product zero.");
  b.assign("act_in", R * LW, "{ROWS*LW{take}} & in_act");

  // Activation skew (with the last flag) per row, weight skew per column.
  if (R > 1) {
    b.wire("act_lane_in", W("ROWS*(LW+1)", R * (LW + 1)), "row r: {last, activations}");
    b.wire("act_lane_out", W("ROWS*(LW+1)", R * (LW + 1)));
    Instance inst{f.act_skew, "u_act_skew", {}, {}, "Row r's activations and last flag wait r cycles."};
    inst.conns = {{"clk", "clk", 1}, {"rst_n", "rst_n", 1}, {"lane_in", "act_lane_in", R * (LW + 1)},
                  {"lane_out", "act_lane_out", R * (LW + 1)}};
    b.item(std::move(inst));
  }
  if (C > 1) {
    b.wire("wgt_lane_out", W("COLS*LW", C * LW));
    Instance inst{f.wgt_skew, "u_wgt_skew", {}, {}, "Column c's weights wait c cycles."};
    inst.conns = {{"clk", "clk", 1}, {"rst_n", "rst_n", 1}, {"lane_in", "in_wgt", C * LW}, {"lane_out", "wgt_lane_out", C * LW}};
    b.item(std::move(inst));
  }

  {
    b.comment("Array edges: skewed inputs in, unused outputs of the last column and row out, and the drain.");
    GenFor g{"g_row_edge", "r", "ROWS", R, {}};
    Body gb{g.body};
    if (R > 1) {
      gb.assign_slice("act_lane_in", "[r*(LW+1) +: LW+1]", LW + 1, "{take_last, act_in[r*LW +: LW]}");
      gb.assign_slice("act_bus", "[r*(COLS+1)*LW +: LW]", LW, "act_lane_out[r*(LW+1) +: LW]");
      gb.assign_slice("last_bus", "[r*(COLS+1)]", 1, "act_lane_out[r*(LW+1)+LW]");
    } else {
      gb.assign_slice("act_bus", "[r*(COLS+1)*LW +: LW]", LW, "act_in[r*LW +: LW]");
      gb.assign_slice("last_bus", "[r*(COLS+1)]", 1, "take_last");
    }
    edge_flags(gb, nz, T, "act_bus", "anz_bus", "g_anz", "r*(COLS+1)", "r*(COLS+1)+COLS", "unused_a_out", "the last column's activations");
    b.item(std::move(g));
  }
  {
    GenFor g{"g_col_edge", "c", "COLS", C, {}};
    Body gb{g.body};
    gb.assign_slice("wgt_bus", "[c*LW +: LW]", LW, C > 1 ? "wgt_lane_out[c*LW +: LW]" : "in_wgt[c*LW +: LW]");
    edge_flags(gb, wnz, T, "wgt_bus", "wnz_bus", "g_wnz", "c", "ROWS*COLS+c", "unused_w_out", "the last row's weights");
    b.item(std::move(g));
  }

  {
    b.comment("The PE grid: activations move right, weights move down.");
    GenFor gr{"g_row", "r", "ROWS", R, {}};
    GenFor gc{"g_col", "c", "COLS", C, {}};
    Instance pe{f.pe, "u_pe", {}, {}, ""};
    pe.conns = {{"clk", "clk", 1}, {"rst_n", "rst_n", 1}, {"a_in", "act_bus[(r*(COLS+1)+c)*LW +: LW]", LW}};
    if (nz) pe.conns.push_back({"anz_in", "anz_bus[(r*(COLS+1)+c)*T +: T]", T});
    pe.conns.push_back({"l_in", "last_bus[r*(COLS+1)+c]", 1});
    pe.conns.push_back({"w_in", "wgt_bus[(r*COLS+c)*LW +: LW]", LW});
    if (wnz) pe.conns.push_back({"wnz_in", "wnz_bus[(r*COLS+c)*T +: T]", T});
    pe.conns.push_back({"a_out", "act_bus[(r*(COLS+1)+c+1)*LW +: LW]", LW});
    if (nz) pe.conns.push_back({"anz_out", "anz_bus[(r*(COLS+1)+c+1)*T +: T]", T});
    pe.conns.push_back({"l_out", "last_bus[r*(COLS+1)+c+1]", 1});
    pe.conns.push_back({"w_out", "wgt_bus[((r+1)*COLS+c)*LW +: LW]", LW});
    if (wnz) pe.conns.push_back({"wnz_out", "wnz_bus[((r+1)*COLS+c)*T +: T]", T});
    pe.conns.push_back({"shadow", "shadow_bus[(c*ROWS+r)*ACC +: ACC]", ACC});
    gc.body.items.push_back(std::move(pe));
    gr.body.items.push_back(std::move(gc));
    b.item(std::move(gr));
  }

  const int P = f.pipeline_stages;
  b.comment(P == 0 ? "Drain: PE (r, COLS-1) sees the last K-group in its operand registers one edge before it writes its\n"
                     "shadow; row r's shadows are then all final, and the output register takes them at the next edge."
                   : "Drain: PE (r, COLS-1) sees the last K-group in its operand registers two edges before it writes its\n"
                     "shadow (P = 1: last_p_q waits the extra edge); row r's shadows are then all final, and the output\n"
                     "register takes them at the next edge.");
  b.wire("last_col", W("ROWS", R), "row r's last flag leaving the last column's operand register");
  b.wire("row_done_d", W("ROWS", R));
  {
    GenFor g{"g_row_done", "r", "ROWS", R, {}};
    Body gb{g.body};
    gb.assign_slice("last_col", "[r]", 1, "last_bus[r*(COLS+1)+COLS]");
    b.item(std::move(g));
  }
  std::vector<RegUpdate> drain_regs;
  if (P == 0) {
    b.assign("row_done_d", R, "last_col");
  } else {
    b.reg("last_p_q", W("ROWS", R), "last_col one edge later: the PEs' accumulate stage (P = 1)");
    drain_regs.push_back({"last_p_q", "last_col", zero(W("ROWS", R))});
    b.assign("row_done_d", R, "last_p_q");
  }
  drain_regs.push_back({"row_done_q", "row_done_d", zero(W("ROWS", R))});
  drain_regs.push_back({"out_valid_q", "|row_done_q", "1'b0"});
  drain_regs.push_back({"out_last_q", fmt::format("row_done_q[{}]", R - 1), "1'b0"});
  b.regs("", std::move(drain_regs));
  {
    b.comment("The last column's last flag marked row r's shadows as final; each column's drain registers that row.");
    GenFor g{"g_drain", "c", "COLS", C, {}};
    Instance u{f.top + "_drain_col", "u_drain", {}, {}, ""};
    u.conns = {{"clk", "clk", 1},
               {"rst_n", "rst_n", 1},
               {"row_done", "row_done_q", R},
               {"col_in", "shadow_bus[c*ROWS*ACC +: ROWS*ACC]", R * ACC},
               {"out_data", "out_data[c*ACC +: ACC]", ACC}};
    g.body.items.push_back(std::move(u));
    b.item(std::move(g));
  }
  b.assign("out_valid", 1, "out_valid_q");
  b.assign("out_last", 1, "out_last_q");
  return m;
}

}  // namespace

ArrayFacts array_facts(const Config& c) {
  ArrayFacts f;
  f.rows = c.rows;
  f.cols = c.cols;
  f.threads = c.threads;
  f.acc_bits = c.acc_bits;
  f.pipeline_stages = c.pipeline_stages();
  f.drain_interval = std::max(c.rows, c.cols);
  f.latency = c.cols + 1 + f.pipeline_stages;
  // T=1: 8x8 product, 16 bits; T=2: two Ra(a)*w up to 2*240*128, 17 bits; T=4: four up to 4*240*128, 18.
  f.product_bits = c.threads == 1 ? 16 : c.threads == 2 ? 17 : 18;
  f.top = c.name;
  f.pe = c.name + "_pe";
  f.act_skew = c.rows > 1 ? c.name + "_act_skew" : "";
  f.wgt_skew = c.cols > 1 ? c.name + "_wgt_skew" : "";
  const long long R = c.rows, C = c.cols, T = c.threads, ACC = c.acc_bits;
  const long long P = f.pipeline_stages, PW = f.product_bits;
  long long pe = 16 * T + 1 + 2 * ACC;  // a_q, w_q, l_q, acc_q, shadow_q
  if (T == 2) pe += c.zero_skip == ZeroSkip::Both ? 2 * T : T;  // anz_q, wnz_q
  if (T == 4) pe += 6;                                            // half_q, quarter_q, t1_q, t2_q
  if (P == 1) pe += 1 + (ACC > PW ? 2 : 0);                       // l2_q, c_q, s_q
  const long long skew = (8 * T + 1) * R * (R - 1) / 2 + 8 * T * C * (C - 1) / 2;
  const long long ctrl = f.drain_interval > 1 ? clog2(f.drain_interval) : 0;
  const long long drain = R * (1 + P) + 2 + C * ACC;  // row_done_q (last_p_q), out_valid_q, out_last_q, out_data_q
  f.flip_flops = R * C * pe + skew + ctrl + drain;
  return f;
}

Design build_design(const Config& c) {
  const ArrayFacts f = array_facts(c);
  Design d;
  d.top = f.top;
  d.prefix = c.name;
  d.modules.push_back(build_pe(c, f));
  if (!f.act_skew.empty()) {
    d.modules.push_back(build_skew_stage(f.act_skew + "_stage", "one delay stage of one activation skew lane.", 8 * c.threads + 1));
    d.modules.push_back(build_skew(f.act_skew, "row r's activations and last flag delayed by r cycles (input skew).",
                                   c.rows, 8 * c.threads + 1, f.act_skew + "_stage"));
  }
  if (!f.wgt_skew.empty()) {
    d.modules.push_back(build_skew_stage(f.wgt_skew + "_stage", "one delay stage of one weight skew lane.", 8 * c.threads));
    d.modules.push_back(build_skew(f.wgt_skew, "column c's weights delayed by c cycles (input skew).", c.cols, 8 * c.threads,
                                   f.wgt_skew + "_stage"));
  }
  d.modules.push_back(build_drain_col(f.top + "_drain_col", c.rows, c.acc_bits));
  d.modules.push_back(build_top(c, f));
  return d;
}

}  // namespace sysmt::rtl
