// Quality gates of generated RTL, for every configs/*.yaml and a sweep of rows, cols in {1,2,3,4,8} x
// threads in {1,2,4} (acc_bits, rounding, zero_skip, array.pipeline 2 and array.gating clock rotate through the sweep): Verilator -Wall
// lint of the array and of each module alone, iverilog -g2005, Yosys hierarchy/proc/check with no latches and no combinational loops (also
// across modules, after flattening), the flip-flop count against an independent formula of the config, and the PE's multiplier bits against
// one 8b x 8b multiplier.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "tb/gen/harness.hpp"
#include "tb/state_bits.hpp"

namespace sysmt::test {
namespace {

struct Case {
  std::string id;    // test name suffix
  std::string file;  // config path, or "" for a sweep case
  std::string text;  // YAML of a sweep case
};

std::vector<Case> named_configs() {
  std::vector<Case> v;
  for (const auto& e : fs::directory_iterator(fs::path(SYSMT_SOURCE_DIR) / "configs"))
    if (e.path().extension() == ".yaml") v.push_back({e.path().stem().string(), e.path().string(), ""});
  std::sort(v.begin(), v.end(), [](const Case& a, const Case& b) { return a.id < b.id; });
  return v;
}

std::vector<Case> sweep() {
  static const int sizes[] = {1, 2, 3, 4, 8};
  static const int threads[] = {1, 2, 4};
  static const int accs[] = {16, 17, 24, 32, 48, 64};
  static const char* roundings[] = {"half_up", "truncate", "half_even"};
  std::vector<Case> v;
  int i = 0;
  for (int t : threads)
    for (int r : sizes)
      for (int c : sizes) {
        std::string name = "sw_r" + std::to_string(r) + "c" + std::to_string(c) + "t" + std::to_string(t);
        std::string text = yaml(name, r, c, t, accs[i % 6], roundings[i % 3], i % 2 ? "act" : "both");
        // Every fifth point has the product register (array.pipeline: 2), across T and acc_bits.
        if (i % 5 == 2) text.replace(text.find("\nthreads:"), 1, "\n  pipeline: 2\n");
        // Every seventh has gated accumulator and shadow clocks (array.gating: clock).
        if (i % 7 == 3) text.replace(text.find("\nthreads:"), 1, "\n  gating: clock\n");
        v.push_back({name, "", text});
        ++i;
      }
  return v;
}

long long param(const nlohmann::json& cell, const char* name) {
  const auto& p = cell.at("parameters").at(name);
  if (p.is_number()) return p.get<long long>();
  return std::stoll(p.get<std::string>(), nullptr, 2);
}

class RtlQuality : public ::testing::TestWithParam<Case> {};

TEST_P(RtlQuality, LintCompileSynthCheck) {
  const Case& k = GetParam();
  fs::path dir = scratch("quality/" + k.id);
  Config cfg = k.file.empty() ? parse_config(k.text, k.id + ".yaml") : load_config(k.file);
  std::vector<std::string> files = generate_into(cfg, dir / "rtl");
  fs::path rtl = dir / "rtl";
  const std::string waivers = shell_quote(SYSMT_TEST_WAIVERS);

  // Verilator -Wall on the whole array, then on each module alone (one module per file; leaves first).
  RunResult lint = run("verilator --lint-only -Wall " + waivers + " --top-module " + cfg.name + " " + joined(files), rtl);
  EXPECT_EQ(lint.status, 0) << lint.output;
  EXPECT_EQ(lint.output, "") << "verilator printed warnings";
  for (const std::string& f : files) {
    std::string mod = fs::path(f).stem().string();
    if (mod == cfg.name) continue;
    RunResult one = run("verilator --lint-only -Wall " + waivers + " --top-module " + mod + " " + f, rtl);
    EXPECT_EQ(one.status, 0) << mod << ":\n" << one.output;
    EXPECT_EQ(one.output, "") << mod;
  }

  RunResult iv = run("iverilog -g2005 -Wall -o /dev/null -s " + cfg.name + " " + joined(files), rtl);
  EXPECT_EQ(iv.status, 0) << iv.output;
  EXPECT_EQ(iv.output, "") << "iverilog printed warnings";

  // Yosys: elaborate, no latches, no combinational loops or multiple drivers (per module, then across
  // module boundaries after flattening).
  const std::string script = "read_verilog " + joined(files) + "; hierarchy -check -top " + cfg.name +
                             "; proc; check -assert; select -assert-none t:$dlatch t:$adlatch t:$dlatchsr; "
                             "write_json hier.json; flatten; check -assert";
  RunResult ys = run("yosys -q -p " + shell_quote(script), rtl);
  ASSERT_EQ(ys.status, 0) << "yosys -p \"" << script << "\" in " << rtl << ":\n" << ys.output;

  // Flip-flop bits, counted through the hierarchy: a module's own $*dff* cells plus its instances'.
  nlohmann::json hier = nlohmann::json::parse(slurp(rtl / "hier.json"));
  const auto& mods = hier.at("modules");
  std::map<std::string, long long> memo;
  std::function<long long(const std::string&)> ffs = [&](const std::string& m) -> long long {
    auto it = memo.find(m);
    if (it != memo.end()) return it->second;
    long long n = 0;
    for (const auto& [cname, cell] : mods.at(m).at("cells").items()) {
      std::string type = cell.at("type");
      if (type.find("dff") != std::string::npos)
        n += param(cell, "WIDTH");
      else if (mods.contains(type))
        n += ffs(type);
    }
    return memo[m] = n;
  };
  const long long want = state_bits(cfg);
  EXPECT_EQ(ffs(cfg.name), want) << "flip-flops in the Yosys netlist vs the state the config calls for";
  nlohmann::json manifest = nlohmann::json::parse(slurp(rtl / (cfg.name + ".json")));
  EXPECT_EQ(manifest.at("flip_flops").get<long long>(), want) << "manifest flip_flops";

  // Multipliers: only the PE has them, and together no more bits than one 8b x 8b multiplier; the exact
  // split is one 8x8 (T=1), two 4x8 (T=2) or four 4x4 (T=4).
  long long mul_bits = 0;
  std::vector<std::pair<long long, long long>> shapes;
  for (const auto& [mname, mod] : mods.items())
    for (const auto& [cname, cell] : mod.at("cells").items())
      if (cell.at("type") == "$mul") {
        EXPECT_EQ(mname, cfg.name + "_pe") << "multiplier outside the PE";
        long long a = param(cell, "A_WIDTH"), b = param(cell, "B_WIDTH");
        mul_bits += a * b;
        shapes.emplace_back(std::min(a, b), std::max(a, b));
      }
  EXPECT_LE(mul_bits, 64) << "PE multiplier bits exceed one 8b x 8b multiplier";
  std::vector<std::pair<long long, long long>> want_shapes =
      cfg.threads == 1   ? std::vector<std::pair<long long, long long>>{{8, 8}}
      : cfg.threads == 2 ? std::vector<std::pair<long long, long long>>{{4, 8}, {4, 8}}
                         : std::vector<std::pair<long long, long long>>{{4, 4}, {4, 4}, {4, 4}, {4, 4}};
  std::sort(shapes.begin(), shapes.end());
  EXPECT_EQ(shapes, want_shapes) << "multiplier shapes in the PE";
}

// Keeps test names readable (gtest would print the raw bytes).
void PrintTo(const Case& c, std::ostream* os) { *os << c.id; }

std::string case_name(const ::testing::TestParamInfo<Case>& i) { return i.param.id; }

INSTANTIATE_TEST_SUITE_P(Named, RtlQuality, ::testing::ValuesIn(named_configs()), case_name);
INSTANTIATE_TEST_SUITE_P(Sweep, RtlQuality, ::testing::ValuesIn(sweep()), case_name);

}  // namespace
}  // namespace sysmt::test
