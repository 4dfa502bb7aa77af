// Requantization, the integer layers on a hand-made network (values worked out by hand), and the
// export format: round trip and strict errors.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/error.hpp"
#include "sim/nn/infer.hpp"
#include "sim/nn/qnet.hpp"
#include "tiny_net.hpp"

namespace sysmt::nn {
namespace {

TEST(Requantize, RoundsHalfUpInIntegers) {
  // x 0.5 (mult 2^30, shift 31): 100 -> 50, 101 -> 50.5 -> 51, -101 -> -50.5 -> -50, -102 -> -51.
  EXPECT_EQ(requantize(100, 1 << 30, 31), 50);
  EXPECT_EQ(requantize(101, 1 << 30, 31), 51);
  EXPECT_EQ(requantize(-101, 1 << 30, 31), -50);
  EXPECT_EQ(requantize(-102, 1 << 30, 31), -51);
  // x 0.75: 155 * 0.75 = 116.25 -> 116; largest int32 accumulator x (2^31 - 1) / 2^31 stays exact in int64.
  EXPECT_EQ(requantize(155, 1610612736, 31), 116);
  EXPECT_EQ(requantize(2147483647, 2147483647, 31), 2147483646);
  EXPECT_EQ(clamp_u8(-3), 0);
  EXPECT_EQ(clamp_u8(300), 255);
  EXPECT_EQ(clamp_u8(77), 77);
}

TEST(Requantize, MultiplierOfRealFactor) {
  // 0.75 = 0.75 * 2^0: mult 0.75 * 2^31, shift 31. 1.0 = 0.5 * 2^1: mult 2^30, shift 30.
  Requant r = quantize_multiplier(0.75);
  EXPECT_EQ(r.mult, 1610612736);
  EXPECT_EQ(r.shift, 31);
  r = quantize_multiplier(1.0);
  EXPECT_EQ(r.mult, 1 << 30);
  EXPECT_EQ(r.shift, 30);
  // 0.001 = 0.512 * 2^-9: mult round(0.512 * 2^31) = 1099511628, shift 40.
  r = quantize_multiplier(0.001);
  EXPECT_EQ(r.mult, 1099511628);
  EXPECT_EQ(r.shift, 40);
  EXPECT_THROW(quantize_multiplier(0.0), std::invalid_argument);
  EXPECT_THROW(quantize_multiplier(-1.0), std::invalid_argument);
}

TEST(IntegerLayers, ExactRunMatchesHandComputation) {
  // c = 0.5 * (10*1 + 20*2 + 30*3 + 40*4 + 10) = 155; c1 = 0.5 * (-100 + 5) -> 0 (ReLU clamp).
  // r = 0.75 * 155 = 116.25 -> 116.  p = 155*2 + 0*5 - 300 = 10; p1 = -465.
  // a = clamp(10 + 116) = 126, clamp(-465 + 0) = 0.  g = 0.5 * 126 = 63, 0.
  // logits = (63, -63 + 100, 126 - 1) = (63, 37, 125): class 2.
  const QNet n = test::tiny_net();
  n.validate("tiny");
  const Dataset d = test::tiny_data();
  const Predictions p = run_network(n, d, 1, RunSpec::uniform(n, Arith{}, 1, Mapping::Interleaved), InferOptions{});
  EXPECT_EQ(p.logits, (std::vector<std::int64_t>{63, 37, 125}));
  EXPECT_EQ(p.label[0], 2);
}

TEST(IntegerLayers, TwoThreadRunMatchesHandComputation) {
  // T = 2, interleaved: conv c's K-groups are (10, 20) and (30, 40), both active in every group, so
  // activations go through Ra (half_up): 10 -> 10, 20 -> 16, 30 -> 32, 40 -> 48.
  // c0 = 0.5 * (10*1 + 16*2 + 32*3 + 48*4 + 10) = 170;  c1 = 0.5 * (-106 + 5) -> 0.
  // Downstream every K-group has at most one non-zero activation (exact): r = 0.75 * 170 = 127.5 -> 128,
  // p0 = 340 - 300 = 40, a = 168, g = 84, logits = (84, 16, 167).
  const QNet n = test::tiny_net();
  const Predictions p = run_network(n, test::tiny_data(), 1, RunSpec::uniform(n, Arith{}, 2, Mapping::Interleaved), InferOptions{});
  EXPECT_EQ(p.logits, (std::vector<std::int64_t>{84, 16, 167}));
}

TEST(Format, RoundTripIsByteExact) {
  const QNet n = test::tiny_net();
  const std::string text = encode_qnet(n);
  const QNet back = parse_qnet(text, "tiny.q8");
  EXPECT_EQ(encode_qnet(back), text);
  const Predictions a = run_network(n, test::tiny_data(), 1, RunSpec::uniform(n, Arith{}, 4, Mapping::Blocked), InferOptions{});
  const Predictions b = run_network(back, test::tiny_data(), 1, RunSpec::uniform(back, Arith{}, 4, Mapping::Blocked), InferOptions{});
  EXPECT_EQ(a.logits, b.logits);
}

std::string parse_error(const std::string& text) {
  try {
    parse_qnet(text, "net.q8");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// `text` with the first occurrence of `from` replaced by `to`.
std::string edit(std::string text, const std::string& from, const std::string& to) {
  const auto i = text.find(from);
  EXPECT_NE(i, std::string::npos) << from;
  return text.replace(i, from.size(), to);
}

TEST(Format, StrictErrorsNameFileAndLine) {
  const std::string good = encode_qnet(test::tiny_net());
  // Line numbers: 1 header, 2 comment, 3 name, 4 input, 5 output, 6..12 tensors, 13 conv c, 14..17 w.
  EXPECT_NE(parse_error(edit(good, "w 1 -1", "w 128 -1")).find("net.q8:14: weight 128 not in -127..127"), std::string::npos)
      << parse_error(edit(good, "w 1 -1", "w 128 -1"));
  EXPECT_NE(parse_error(edit(good, "w 1 -1", "w 1 x")).find("net.q8:14: weight 'x' is not an integer"), std::string::npos);
  EXPECT_NE(parse_error(edit(good, "w 1 -1", "w 1 -1 4")).find("net.q8:14: 'w' needs 2 values, has 3"), std::string::npos);
  EXPECT_NE(parse_error(edit(good, "tensor c 1 1 2 uint8 0.25 0", "tensor c 1 1 2 uint8 0.25 3")).find("net.q8:7: zero point '3'"),
            std::string::npos);
  EXPECT_NE(parse_error(edit(good, "sysmt-qnet 1", "sysmt-qnet 2")).find("net.q8:1: format version '2'"), std::string::npos);
  EXPECT_NE(parse_error(edit(good, "gap g a g", "pool g a g")).find("unknown record 'pool'"), std::string::npos);
  EXPECT_NE(parse_error(edit(good, "shift 31\n", "shift 63\n")).find("shift 63 not in 1..62"), std::string::npos);
  EXPECT_NE(parse_error(good.substr(0, good.size() - 4)).find("net.q8: file ends without 'end'"), std::string::npos);
  EXPECT_NE(parse_error(good + "w 1\n").find("text after 'end'"), std::string::npos);
  // References: an add reading a tensor no layer wrote; a conv whose output shape does not match.
  EXPECT_NE(parse_error(edit(good, "add a p r a", "add a p c a")).find("layer a: input tensor 'c' has the wrong kind"), std::string::npos);
  EXPECT_NE(parse_error(edit(good, "tensor c 1 1 2", "tensor c 2 1 2")).find("layer c: output c is 2x1x2, the layer makes 1x1x2"),
            std::string::npos);
}

TEST(Format, CommittedNetworksLoad) {
  for (const char* f : {"fmresnet.q8", "fmresnet_p40.q8"}) {
    const QNet n = load_qnet(std::filesystem::path(SYSMT_SOURCE_DIR) / "configs/networks" / f);
    EXPECT_EQ(n.gemm_layers().size(), 10u) << f;
    EXPECT_EQ(n.tensor(n.output).size(), 10u) << f;
  }
}

}  // namespace
}  // namespace sysmt::nn
