// The PE's accumulate stage per pipeline depth P (array.pipeline): P = 0 adds the product to the whole
// accumulator in the operands' cycle; P = 1 splits the accumulator (docs/architecture.md, "Split
// accumulate"); P = 2 registers the product first and then splits. All restart on a tile's last
// K-group without a bubble and write the shadow register.
#include <fmt/format.h>

#include "gen/pe.hpp"

namespace sysmt::rtl::build {

namespace {

// shadow_d: the tile's sum `sum`, loaded on the edges where `load` is set. With gating the shadow's clock
// pulses only on those edges, so the hold multiplexer goes away.
void define_shadow(PeBuild& pe, const std::string& load, const std::string& sum) {
  pe.b.define("shadow_d", W("ACC", pe.c.acc_bits), pe.gated ? sum : load + " ? " + sum + " : shadow_q",
              pe.gated ? "loaded only on " + load + "'s edge (gated clock)" : "");
}

// P = 0: the single-cycle MAC.
void accumulate_single(PeBuild& pe) {
  const int ACC = pe.c.acc_bits, PW = pe.f.product_bits;
  Body& b = pe.b;
  b.comment({"Accumulate; on a tile's last K-group the sum goes to the shadow and the accumulator restarts."});
  std::string prod_ext;
  if (ACC >= PW) {
    prod_ext = sext("prod", "prod[PW-1]", PW, ACC);
  } else {
    prod_ext = "prod[ACC-1:0]";
    b.define("unused_prod_hi", W(1), "^prod[PW-1:ACC]", "bits above ACC wrap away");
  }
  b.define("sum", W("ACC", ACC), "acc_q + " + prod_ext);
  b.define("acc_d", W("ACC", ACC), "l_q ? {ACC{1'b0}} : sum");
  define_shadow(pe, "l_q", "sum");
  pe.acc_enable_next = "(" + pe.busy_next + ") | l_in";
  pe.shadow_enable_next = "l_in";
}

// P >= 1: the accumulator's low L bits add the product `p` (with P = 2 the product register); their
// carry and the product's sign reach the high ACC - L bits one edge later. The shadow takes the complete
// sum one edge after the last K-group's product is added (l2_q), while the low part already adds the
// next tile's first product onto zero. `last` is the last flag aligned with `p`.
void accumulate_split(PeBuild& pe, const std::string& p, int p_bits, const std::string& last) {
  const int ACC = pe.c.acc_bits, PW = pe.f.product_bits, P = pe.f.pipeline_stages;
  const int L = std::min(PW, ACC), HW = ACC - L;
  Body& b = pe.b;
  const std::string what = P == 1 ? "this cycle's product" : "the registered product";
  if (HW == 0)
    b.comment({fmt::format("Accumulate (P = {}): {}, cut to the accumulator's {} bits, is added at once (no high part", P,
                           P == 1 ? "the product" : "the registered product", ACC),
               "waits for a carry); the shadow takes the sum one edge after the tile's last K-group, while the",
               "accumulator already starts the next tile from zero."});
  else
    b.comment({fmt::format("Accumulate in two parts (P = {}): the low {} bits add {}; their carry and the", P, L, what),
               fmt::format("product's sign reach the high {} bits one edge later. The shadow takes the complete sum one edge after", HW),
               "the tile's last K-group, while the low part already starts the next tile from zero."});
  b.reg("l2_q", W(1), last + " one edge later: the tile's sum is complete");
  pe.regs.push_back({"l2_q", last, "1'b0"});
  if (ACC < PW) b.define("unused_prod_hi", W(1), "^prod[PW-1:ACC]", "bits above ACC wrap away");
  const std::string lo = L == ACC ? "acc_q" : fmt::format("acc_q[{}:0]", L - 1);
  const std::string p_lo = L == p_bits ? p : fmt::format("{}[{}:0]", p, L - 1);
  // With gating: the next edge's l2_q is `last`; the product that edge adds is the next cycle's (P = 1)
  // or this cycle's, registered (P = 2).
  pe.shadow_enable_next = last;
  pe.acc_enable_next = "(" + (P == 1 ? pe.busy_next : pe.busy) + ") | " + last;
  if (HW == 0) {
    b.define("acc_d", W("ACC", ACC), "(l2_q ? {ACC{1'b0}} : acc_q) + " + p_lo, "the next tile starts from zero");
    define_shadow(pe, "l2_q", "acc_q");
    return;
  }
  b.define("sum_lo", W(L + 1), fmt::format("{{1'b0, l2_q ? {} : {}}} + {{1'b0, {}}}", lit(L, 0), lo, p_lo), "low part and its carry");
  b.reg("c_q", W(1), "carry out of the low part");
  b.reg("s_q", W(1), "sign of the product: the high part adds -1");
  pe.regs.push_back({"c_q", fmt::format("sum_lo[{}]", L), "1'b0"});
  pe.regs.push_back({"s_q", p + "[PW-1]", "1'b0"});
  const std::string hi = fmt::format("acc_q[ACC-1:{}]", L);
  const std::string c_ext = HW == 1 ? "c_q" : fmt::format("{{{}, c_q}}", lit(HW - 1, 0));
  b.define("hi_now", W(HW), fmt::format("{} + {{{}{{s_q}}}} + {}", hi, HW, c_ext),
           "high part with the previous edge's carry and sign: with the low part, the complete sum so far");
  b.define("acc_d", W("ACC", ACC), fmt::format("{{l2_q ? {} : hi_now, sum_lo[{}:0]}}", lit(HW, 0), L - 1));
  define_shadow(pe, "l2_q", fmt::format("{{hi_now, {}}}", lo));
  pe.acc_state = {"c_q", "s_q"};
}

// P = 2: a product register ends the multiplier's stage; the split accumulate adds it one edge later.
// Only the product bits the accumulator keeps are registered (all PW when ACC > PW).
void accumulate_registered_product(PeBuild& pe) {
  const int L = std::min(pe.f.product_bits, pe.c.acc_bits);
  Body& b = pe.b;
  b.comment({"Product register (P = 2): the multiplier's stage ends here; the accumulate stage adds prod_q."});
  b.reg("prod_q", W(L),
        L == pe.f.product_bits ? "this cycle's product sum, one edge later" : "the product bits the accumulator keeps, one edge later");
  b.reg("lp_q", W(1), "l_q aligned with prod_q");
  pe.regs.push_back({"prod_q", L == pe.f.product_bits ? "prod" : fmt::format("prod[{}:0]", L - 1), lit(L, 0)});
  pe.regs.push_back({"lp_q", "l_q", "1'b0"});
  accumulate_split(pe, "prod_q", L, "lp_q");
}

// P = 2 with the product in carry-save form (T = 4): prod_s and prod_c are registered (their low
// L = min(PW, ACC) bits) and the accumulate stage adds both. With a high part, the carry into it is
// sum3's carry (0..2, sum3 = low part + ps_q + pc_q) less the carry of ps_q + pc_q itself (the product
// is their sum modulo 2^PW) less the product's sign: k in -2..2, registered (k_q) and added to the high
// part one edge later, as c_q and s_q are in the plain split accumulate.
void accumulate_carry_save(PeBuild& pe) {
  const int ACC = pe.c.acc_bits, PW = pe.f.product_bits, L = std::min(PW, ACC), HW = ACC - L;
  Body& b = pe.b;
  b.comment({"Product register in carry-save form (P = 2): ps_q + pc_q is the product; the accumulate stage adds both."});
  b.reg("ps_q", W(L), "prod_s, one edge later");
  b.reg("pc_q", W(L), "prod_c, one edge later");
  b.reg("lp_q", W(1), "l_q aligned with ps_q, pc_q");
  b.reg("l2_q", W(1), "lp_q one edge later: the tile's sum is complete");
  const std::string lo_bits = L == PW ? "" : fmt::format("[{}:0]", L - 1);
  pe.regs.push_back({"ps_q", "prod_s" + lo_bits, lit(L, 0)});
  pe.regs.push_back({"pc_q", "prod_c" + lo_bits, lit(L, 0)});
  pe.regs.push_back({"lp_q", "l_q", "1'b0"});
  pe.regs.push_back({"l2_q", "lp_q", "1'b0"});
  if (ACC < PW) b.define("unused_prod_hi", W(1), "^{prod_s[PW-1:ACC], prod_c[PW-1:ACC]}", "bits above ACC wrap away");
  pe.shadow_enable_next = "lp_q";
  pe.acc_enable_next = "(" + pe.busy + ") | lp_q";
  if (HW == 0) {
    b.define("acc_d", W("ACC", ACC), "(l2_q ? {ACC{1'b0}} : acc_q) + ps_q + pc_q", "the next tile starts from zero");
    define_shadow(pe, "l2_q", "acc_q");
    return;
  }
  b.comment({fmt::format("The low {} bits add both vectors; the high {} bits take k = the carry out of the low part, less the", L, HW),
             "vectors' own carry, less the product's sign, one edge later."});
  b.define("sum3", W(L + 2), fmt::format("{{2'd0, l2_q ? {} : acc_q[{}:0]}} + {{2'd0, ps_q}} + {{2'd0, pc_q}}", lit(L, 0), L - 1),
           "low part plus the product, with its carry (0..2)");
  b.define("pp", W(L + 1), "{1'b0, ps_q} + {1'b0, pc_q}", "the product modulo 2^PW and the vectors' carry");
  b.define("unused_pp_lo", W(1), fmt::format("^pp[{}:0]", L - 2), "only the product's sign and the vectors' carry count");
  b.define("k_d", W(3), fmt::format("{{1'b0, sum3[{0}:{1}]}} - {{2'd0, pp[{1}]}} - {{2'd0, pp[{2}]}}", L + 1, L, L - 1),
           "what the high part adds: -2..2");
  b.reg("k_q", W(3), "k one edge later");
  pe.regs.push_back({"k_q", "k_d", "3'd0"});
  const std::string k_ext = HW == 3 ? "k_q" : fmt::format("{{{{{}{{k_q[2]}}}}, k_q}}", HW - 3);
  b.define("hi_now", W(HW), fmt::format("acc_q[ACC-1:{}] + {}", L, k_ext),
           "high part with the previous edge's k: with the low part, the complete sum so far");
  b.define("acc_d", W("ACC", ACC), fmt::format("{{l2_q ? {} : hi_now, sum3[{}:0]}}", lit(HW, 0), L - 1));
  define_shadow(pe, "l2_q", fmt::format("{{hi_now, acc_q[{}:0]}}", L - 1));
  pe.acc_state = {"k_q"};
}

}  // namespace

void pe_accumulate(PeBuild& pe) {
  if (pe.f.carry_save_product) return accumulate_carry_save(pe);
  switch (pe.f.pipeline_stages) {
    case 0:
      accumulate_single(pe);
      break;
    case 1:
      accumulate_split(pe, "prod", pe.f.product_bits, "l_q");
      break;
    default:
      accumulate_registered_product(pe);
      break;
  }
}

}  // namespace sysmt::rtl::build
