// Stage 2 of the generator: the array's facts (timing contract, state) and the design assembled from
// the builder's parts: the PE (pe.cpp with pe_1t/2t/4t.cpp, accumulate.cpp, submul.cpp) and the array
// around it (array.cpp). All arithmetic follows shared/spec/nbsmt.md section 3; the port interface
// follows its section 5. Every signed quantity is kept as a plain bit vector with explicit sign
// extension, so that no multiplier operand is wider than the 8b x 8b budget (Yosys sees unsigned 8x8,
// 4x8 or 4x4 $mul cells).
#include "gen/rtl_build.hpp"

#include <algorithm>

#include "gen/names.hpp"
#include "gen/pe.hpp"

namespace sysmt::rtl {

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
  f.forward_act_flags = c.threads == 2;
  f.forward_wgt_flags = c.threads == 2 && c.zero_skip == ZeroSkip::Both;
  f.carry_save_product = c.threads == 4 && f.pipeline_stages == 2 && (c.acc_bits <= f.product_bits || c.acc_bits >= f.product_bits + 3);
  f.top = c.name;
  f.pe = names::pe(c.name);
  f.act_skew = c.rows > 1 ? names::act_skew(c.name) : "";
  f.wgt_skew = c.cols > 1 ? names::wgt_skew(c.name) : "";
  const long long R = c.rows, C = c.cols, T = c.threads, ACC = c.acc_bits;
  const long long P = f.pipeline_stages, PW = f.product_bits;
  long long pe = 16 * T + 1 + 2 * ACC;                                     // a_q, w_q, l_q, acc_q, shadow_q
  pe += (f.forward_act_flags ? T : 0) + (f.forward_wgt_flags ? T : 0);     // anz_q, wnz_q
  if (T == 4) pe += 16 + 16 + 8 + 1;                                       // sub_x_q, sub_y_q, sub_sh_q, quarter_q
  if (P >= 1) pe += 1 + (ACC > PW ? 2 : 0);                                // l2_q, c_q, s_q
  if (P == 2) pe += std::min(PW, ACC) + 1;                                 // prod_q, lp_q
  if (f.carry_save_product) pe += std::min(PW, ACC) + (ACC > PW ? 1 : 0);  // the second vector; a 3-bit k_q for c_q, s_q
  if (c.gating == Gating::Clock) pe += 2 + (T == 4 && P == 2 ? 1 : 0);     // acc_en_q, shadow_en_q; busy_q
  const long long skew = (8 * T + 1) * R * (R - 1) / 2 + 8 * T * C * (C - 1) / 2;
  const long long ctrl = f.drain_interval > 1 ? build::clog2(f.drain_interval) : 0;
  const long long drain = R * (1 + P) + 2 + C * ACC;  // row_done_q (last_p_q, last_p2_q), out_valid_q, out_last_q, out_data_q
  f.flip_flops = R * C * pe + skew + ctrl + drain;
  return f;
}

Design build_design(const Config& c) {
  const ArrayFacts f = array_facts(c);
  const int T = c.threads;
  Design d;
  d.top = f.top;
  d.prefix = c.name;
  d.modules.push_back(build::build_pe(c, f));
  if (!f.act_skew.empty()) {
    d.modules.push_back(build::build_skew_stage(names::act_skew_stage(f.top), "one delay stage of one activation skew lane.", 8 * T + 1));
    d.modules.push_back(build::build_skew(f.act_skew, "row r's activations and last flag delayed by r cycles (input skew).", c.rows,
                                          8 * T + 1, names::act_skew_stage(f.top)));
  }
  if (!f.wgt_skew.empty()) {
    d.modules.push_back(build::build_skew_stage(names::wgt_skew_stage(f.top), "one delay stage of one weight skew lane.", 8 * T));
    d.modules.push_back(
        build::build_skew(f.wgt_skew, "column c's weights delayed by c cycles (input skew).", c.cols, 8 * T, names::wgt_skew_stage(f.top)));
  }
  d.modules.push_back(build::build_drain_col(names::drain_col(f.top), c.rows, c.acc_bits));
  d.modules.push_back(build::build_top(c, f));
  return d;
}

}  // namespace sysmt::rtl
