// Stage 2 of the generator: every design decision of a SySMT array, from the config to a structural
// description (rtl_ir). docs/architecture.md describes the hardware built here.
#pragma once

#include <string>

#include "common/config.hpp"
#include "gen/rtl_ir.hpp"

namespace sysmt::rtl {

// The array's timing contract and size facts, as published in the manifest and docs/architecture.md.
struct ArrayFacts {
  int rows = 0, cols = 0, threads = 0, acc_bits = 0;
  int pipeline_stages = 0;         // P: PE stages between the operand registers and the accumulator
  int drain_interval = 0;          // D = max(rows, cols): minimum edges between two accepted in_last beats
  int latency = 0;                 // LAT = cols + 1 + P: accepting edge of in_last -> edge after which row 0 is out
  int product_bits = 0;            // width of one PE cycle's summed product
  long long flip_flops = 0;        // state bits of the whole array
  bool forward_act_flags = false;  // the activations' non-zero flags enter at the array edge and travel with them (T = 2)
  bool forward_wgt_flags = false;  // the same for the weights (T = 2 with zero_skip: both)
  // P = 2 with T = 4: the product register holds the four terms' sum in carry-save form (two vectors)
  // and the accumulate stage adds both; not for 19- and 20-bit accumulators (docs/architecture.md).
  bool carry_save_product = false;
  std::string top, pe, act_skew, wgt_skew;  // module names from gen/names.hpp ("" when a skew is not needed)
};

ArrayFacts array_facts(const Config& c);
Design build_design(const Config& c);

}  // namespace sysmt::rtl
