// The 1-thread PE's product: the conventional 8b x 8b MAC, no zero detection, no reduction.
#include "gen/pe.hpp"

namespace sysmt::rtl::build {

void pe_1t_product(PeBuild& pe) {
  pe.b.comment({"8b unsigned x 8b signed: one unsigned 8x8 multiply, minus a << 8 when w is negative."});
  pe.b.define("m", W(16), "a_q * w_q", "unsigned product");
  pe.b.assign("prod", pe.f.product_bits, "m - (w_q[7] ? {a_q, 8'd0} : 16'd0)");
  pe.busy = "(|a_q) & (|w_q)";
  pe.busy_next = "(|a_in) & (|w_in)";
}

}  // namespace sysmt::rtl::build
