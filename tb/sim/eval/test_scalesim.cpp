// SCALE-Sim topologies as workloads (sim/eval/scalesim.*): a ResNet-18 written in SCALE-Sim's form with padded
// input sizes gives exactly the layer GEMMs of our configs/workloads/resnet18.txt; SCALE-Sim's unpadded
// numbers are taken as written; header detection; `sysmt evaluate` on a .csv; strict errors with
// file:line:col.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.hpp"
#include "sim/eval/scalesim.hpp"
#include "sim/eval/workload_file.hpp"

namespace {

namespace fs = std::filesystem;
const std::string kSrc = SYSMT_SOURCE_DIR;
const std::string kHeader = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n";

std::string error(const std::string& text) {
  try {
    sysmt::parse_scalesim(text, "t.csv");
  } catch (const sysmt::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ScaleSim, PaddedResNet18GivesOurLayerShapes) {
  const sysmt::Workload ours = sysmt::load_workload(kSrc + "/configs/workloads/resnet18.txt");
  const sysmt::Workload ss = sysmt::load_workload(kSrc + "/tb/sim/eval/data/resnet18_scalesim_padded.csv");
  ASSERT_EQ(ss.layers.size(), ours.layers.size());
  const auto a = sysmt::gemm_shapes(ours), b = sysmt::gemm_shapes(ss);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(ss.layers[i].name, ours.layers[i].name);
    EXPECT_EQ(b[i].M, a[i].M) << ours.layers[i].name;
    EXPECT_EQ(b[i].K, a[i].K) << ours.layers[i].name;
    EXPECT_EQ(b[i].N, a[i].N) << ours.layers[i].name;
    EXPECT_EQ(ss.layers[i].shape.out_h(), ours.layers[i].shape.out_h());
    EXPECT_EQ(ss.layers[i].shape.pad, 0) << "SCALE-Sim has no padding column";
  }
  EXPECT_EQ(ss.macs(), ours.macs());
  EXPECT_EQ(ss.macs(), 1814073344u) << "ResNet-18 at 224x224: 1.814 G MACs";
}

TEST(ScaleSim, UnpaddedNumbersAreTakenAsWrittenWithScaleSimsOutputCount) {
  // SCALE-Sim's shipped ResNet-18 rows: conv1 on 224x224 and a 3x3 on 56x56, no padding; SCALE-Sim counts
  // ceil((IFMAP - filter) / stride) + 1 outputs: 110 (its own Resnet50.csv notes Eh = 110) and 54.
  const sysmt::Workload w = sysmt::parse_scalesim(
      kHeader + "Conv1,224,224,7,7,3,64,2,\nConv2_1a,56,56,3,3,64,64,1,\nnaive,230,230,7,7,3,64,2,\nds,56,56,1,1,64,128,2,\n", "r.csv");
  ASSERT_EQ(w.layers.size(), 4u);
  EXPECT_EQ(w.layers[0].shape.out_h(), 110);
  EXPECT_EQ(w.layers[0].shape.out_w(), 110);
  EXPECT_EQ(w.layers[0].shape.gemm().M, 12100);
  EXPECT_EQ(w.layers[0].shape.gemm().K, 147);
  EXPECT_EQ(w.layers[0].shape.macs(), 12100ull * 147 * 64) << "SCALE-Sim's MAC count for the layer";
  EXPECT_EQ(w.layers[1].shape.out_w(), 54);
  EXPECT_EQ(w.layers[1].shape.gemm().K, 576);
  // Padding written as IFMAP + 2 * pad is one output too many where the stride does not divide it.
  EXPECT_EQ(w.layers[2].shape.out_h(), 113);
  EXPECT_EQ(w.layers[3].shape.out_h(), 29);
  EXPECT_EQ(w.name, "r");
}

TEST(ScaleSim, HeaderVariantsBlankRowsAndNotes) {
  // Extra named columns (notes), rows of empty cells, CRLF, no trailing comma, other spacing and case.
  const sysmt::Workload w = sysmt::parse_scalesim(
      "layer name,ifmap height,ifmap width,filter height,filter width,channels,num filter,strides,,,Eh,Ew\r\n,,,,,,,,,,,\r\n"
      "a,8,8,3,3,4,8,1,,,6,6\r\nb,4,4,1,1,8,2,2\r\n",
      "v.csv");
  ASSERT_EQ(w.layers.size(), 2u);
  EXPECT_EQ(w.layers[1].shape.Cout, 2);
  EXPECT_EQ(w.layers[1].shape.stride, 2);
  EXPECT_TRUE(sysmt::looks_like_scalesim("\n" + kHeader));
  EXPECT_FALSE(sysmt::looks_like_scalesim("# name H W KH KW Cin Cout stride pad\nconv 8 8 3 3 1 1 1 1\n"));
}

TEST(ScaleSim, StrictErrors) {
  struct Case {
    std::string text, want;
  };
  const std::vector<Case> cases = {
      {"Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Filters, Strides,\na,8,8,3,3,4,8,1,\n",
       "t.csv:1:79: header column 7: expected 'Num Filter', found 'Filters'"},
      {"Layer, M, N, K,\ng,64,64,64,\n", "t.csv:1:8: a SCALE-Sim GEMM topology (M, N, K)"},
      {kHeader + "a,8,8,3,3,4,8,1,\nb,8,x,3,3,4,8,1,\n", "t.csv:3:5: column 'IFMAP Width': expected a positive integer, found 'x'"},
      {kHeader + "a,8,8,3,3,4,0,1,\n", "t.csv:2:13: column 'Num Filter': 0 is out of range 1..1048576"},
      {kHeader + "a,8,8,3,3,4\n", "t.csv:2:12: expected 8 cells (Layer name, ...), found 6"},
      {kHeader + "a,2,2,3,3,4,8,1,\n", "t.csv:2:7: layer 'a': filter 3x3 larger than the IFMAP 2x2"},
      {kHeader + "a,8,8,3,3,4,8,1,\na,8,8,3,3,4,8,1,\n", "t.csv:3:1: layer 'a' is already defined on line 2"},
      {kHeader + "my layer,8,8,3,3,4,8,1,\n", "t.csv:2:1: column 'Layer name': 'my layer' is not a layer name"},
      {kHeader + "a,8,8,3,3,4,8,1,,7\n", "t.csv:2:18: cell 10 '7' is past the header's columns"},
      {kHeader, "t.csv: a SCALE-Sim header but no layers"},
      {kHeader + "a,8,8,3,3,4,8,1,\nConv_DP1,8,8,3,3,4,4,1,\n",
       "t.csv:3:1: layer 'Conv_DP1': SCALE-Sim reads a name containing 'DP' as a depthwise"},
  };
  for (const auto& c : cases) {
    const std::string e = error(c.text);
    EXPECT_NE(e.find(c.want), std::string::npos) << "input:\n" << c.text << "\ngot: " << e << "\nwant: " << c.want;
  }
}

TEST(ScaleSim, EvaluateAcceptsACsvWorkload) {
  const fs::path dir = fs::temp_directory_path() / ("sysmt_scalesim_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "net.csv") << kHeader << "a,6,6,3,3,2,4,1,\nb,8,8,1,1,4,8,1,\n";
  std::ofstream(dir / "net.txt") << "a 6 6 3 3 2 4 1 0\nb 8 8 1 1 4 8 1 0\n";  // the same network in our format
  const std::string cfg = kSrc + "/configs/sysmt_2t_4x4.yaml";
  for (const char* f : {"net.csv", "net.txt"}) {
    const std::string cmd = std::string(SYSMT_BIN) + " evaluate " + cfg + " --workload " + (dir / f).string() + " -q -o " +
                            (dir / (std::string("out-") + f)).string() + " > /dev/null 2>&1";
    const int rc = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << cmd;
  }
  auto perf = [&](const char* f) {
    std::ifstream in(dir / (std::string("out-") + f) / "evaluate.json");
    return nlohmann::json::parse(in)["network"]["performance"];
  };
  EXPECT_EQ(perf("net.csv"), perf("net.txt")) << "same shapes, same cycles";
  fs::remove_all(dir);
}

}  // namespace
