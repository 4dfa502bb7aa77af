// The PE's accumulate stage per pipeline depth P (array.pipeline): P = 0 adds the product to the whole
// accumulator in the operands' cycle; P = 1 splits the accumulator (docs/architecture.md, "Split
// accumulate"); P = 2 registers the product first and then splits. All restart on a tile's last
// K-group without a bubble and write the shadow register.
#include <fmt/format.h>

#include "gen/pe.hpp"

namespace sysmt::rtl::build {

namespace {

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
  b.define("shadow_d", W("ACC", ACC), "l_q ? sum : shadow_q");
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
  if (HW == 0) {
    b.define("acc_d", W("ACC", ACC), "(l2_q ? {ACC{1'b0}} : acc_q) + " + p_lo, "the next tile starts from zero");
    b.define("shadow_d", W("ACC", ACC), "l2_q ? acc_q : shadow_q");
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
  b.define("shadow_d", W("ACC", ACC), fmt::format("l2_q ? {{hi_now, {}}} : shadow_q", lo));
}

// P = 2: a product register ends the multiplier's stage; the split accumulate adds it one edge later.
// Only the product bits the accumulator keeps are registered (all PW when ACC > PW).
void accumulate_registered_product(PeBuild& pe) {
  const int L = std::min(pe.f.product_bits, pe.c.acc_bits);
  Body& b = pe.b;
  b.comment({"Product register (P = 2): the multiplier's stage ends here; the accumulate stage adds prod_q."});
  b.reg("prod_q", W(L), L == pe.f.product_bits ? "this cycle's product sum, one edge later" : "the product bits the accumulator keeps, one edge later");
  b.reg("lp_q", W(1), "l_q aligned with prod_q");
  pe.regs.push_back({"prod_q", L == pe.f.product_bits ? "prod" : fmt::format("prod[{}:0]", L - 1), lit(L, 0)});
  pe.regs.push_back({"lp_q", "l_q", "1'b0"});
  accumulate_split(pe, "prod_q", L, "lp_q");
}

}  // namespace

void pe_accumulate(PeBuild& pe) {
  switch (pe.f.pipeline_stages) {
    case 0: accumulate_single(pe); break;
    case 1: accumulate_split(pe, "prod", pe.f.product_bits, "l_q"); break;
    default: accumulate_registered_product(pe); break;
  }
}

}  // namespace sysmt::rtl::build
