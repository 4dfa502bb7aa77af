// Workload files (sim/eval/workload_file): parser good and bad inputs with file:line:col messages, user
// tensors, the shipped networks' shapes against hand-derived tables.
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "common/error.hpp"
#include "sim/eval/workload_file.hpp"

namespace sysmt {
namespace {

namespace fs = std::filesystem;
const std::string kSrc = SYSMT_SOURCE_DIR;

Workload parse(const std::string& text) { return parse_workload(text, "net.txt", "."); }

// The InputError message of parsing `text`, or "" when it parses.
std::string error_of(const std::string& text, const fs::path& base = ".") {
  try {
    parse_workload(text, "net.txt", base);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(WorkloadParser, GoodFileWithCommentsBlankLinesAndOptions) {
  const Workload wl = parse(
      "# a comment line\n"
      "\n"
      "conv1  32 32 3 3 3 16 1 1   # trailing comment\n"
      "\tblock.a 32 32 1 1 16 32 2 0 act_zero=0.7 act_scale=12.5\r\n"
      "fc 1 1 1 1 32 10 1 0\n");
  ASSERT_EQ(wl.layers.size(), 3u);
  EXPECT_EQ(wl.name, "net");
  const Layer& b = wl.layers[1];
  EXPECT_EQ(b.name, "block.a");
  EXPECT_EQ(b.shape.H, 32);
  EXPECT_EQ(b.shape.Cin, 16);
  EXPECT_EQ(b.shape.Cout, 32);
  EXPECT_EQ(b.shape.stride, 2);
  EXPECT_EQ(b.shape.out_h(), 16);
  EXPECT_DOUBLE_EQ(*b.act_zero, 0.7);
  EXPECT_DOUBLE_EQ(*b.act_scale, 12.5);
  EXPECT_EQ(b.where, "net.txt:4");
  EXPECT_FALSE(wl.layers[0].act_zero.has_value());
  // 32*32*27*16 + 16*16*16*32 + 32*10
  EXPECT_EQ(wl.macs(), 442368u + 131072u + 320u);
}

TEST(WorkloadParser, BadInputsNameFileLineColumnAndField) {
  struct Case {
    std::string text, want1, want2;
  };
  const std::vector<Case> cases = {
      {"a 8 8 3 3 4 4 1 1\nb 8 8 3 3 4 4 1\n", "net.txt:2:", "expected 9 fields"},              // ragged: 8 fields
      {"a 8 8 3 3 4 4 1 1 7\n", "net.txt:1:19:", "unexpected field 10"},                        // 10 fields
      {"a 8 8 3x 3 4 4 1 1\n", "net.txt:1:7:", "field 'KH': expected an integer, found '3x'"},  // non-integer
      {"a 8 8 3 3 4 4 1.5 1\n", "net.txt:1:15:", "field 'stride': expected an integer"},
      {"a 8 8 3 3 4 4 -1 1\n", "net.txt:1:15:", "field 'stride': stride must be positive, found -1"},  // negative
      {"a 8 8 3 3 4 4 1 -1\n", "net.txt:1:17:", "field 'pad': pad must be 0 or more"},
      {"a 8 8 3 3 0 4 1 1\n", "net.txt:1:11:", "field 'Cin': Cin must be positive"},
      {"a 8 8 3 3 4 4 1 1\na 8 8 3 3 4 4 1 1\n", "net.txt:2:1:", "already defined at net.txt:1"},
      {"a/b 8 8 3 3 4 4 1 1\n", "net.txt:1:1:", "field 'name'"},
      {"a 8 8 9 9 4 4 1 0\n", "net.txt:1:3:", "larger than the padded input"},
      {"a 8 8 3 3 4 4 1 2\n", "net.txt:1:3:", "more than half the kernel"},
      {"a 8 8 3 3 4 4 1 1 act_zero=1.5\n", "net.txt:1:19:", "act_zero"},
      {"a 8 8 3 3 4 4 1 1 act_scale=0\n", "net.txt:1:19:", "act_scale"},
      {"a 8 8 3 3 4 4 1 1 colour=red\n", "net.txt:1:19:", "unknown option 'colour'"},
      {"a 8 8 3 3 4 4 1 1 act_zero=0.1 act_zero=0.2\n", "net.txt:1:32:", "given twice"},
      {"a 8 8 3 3 act_zero=0.1\n", "net.txt:1:11:", "found 5 before option"},
      {"# only comments\n\n", "net.txt", "no layers"},
      {"a 99999999999999 8 3 3 4 4 1 1\n", "net.txt:1:3:", "field 'H'"},
  };
  for (const Case& c : cases) {
    const std::string e = error_of(c.text);
    EXPECT_NE(e.find(c.want1), std::string::npos) << "input: " << c.text << "message: " << e;
    EXPECT_NE(e.find(c.want2), std::string::npos) << "input: " << c.text << "message: " << e;
  }
}

TEST(WorkloadParser, UserTensorsAreReadAndShapeChecked) {
  const fs::path dir = fs::temp_directory_path() / ("sysmt_wl_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // Layer 2x2 input, 3 channels, 1x1 kernel, 2 outputs: x is 4 x 3, w is 3 x 2.
  std::ofstream(dir / "x.csv") << "1,2,3\n4,5,6\n7,8,9\n10,11,12\n";
  std::ofstream(dir / "w.csv") << "1,-1\n2,-2\n3,-128\n";
  std::ofstream(dir / "x_bad.csv") << "1,2,3\n4,5,6\n";
  std::ofstream(dir / "w_range.csv") << "1,-1\n2,-2\n3,-129\n";
  const Workload wl = parse_workload("l 2 2 1 1 3 2 1 0 x=x.csv w=w.csv\n", "net.txt", dir);
  ASSERT_TRUE(wl.layers[0].x.has_value());
  ASSERT_TRUE(wl.layers[0].w.has_value());
  EXPECT_EQ(wl.layers[0].x->at(1, 0, 2), 9);  // pixel (1,0) is row 2
  EXPECT_EQ(wl.layers[0].w->at(2, 1), -128);
  std::string e = error_of("l 2 2 1 1 3 2 1 0 x=x_bad.csv\n", dir);
  EXPECT_NE(e.find("x_bad.csv"), std::string::npos) << e;
  EXPECT_NE(e.find("H*W = 4 rows"), std::string::npos) << e;
  EXPECT_NE(e.find("found 2 x 3"), std::string::npos) << e;
  e = error_of("l 2 2 1 1 3 2 1 0 w=w_range.csv\n", dir);
  EXPECT_NE(e.find("w_range.csv:3"), std::string::npos) << e;
  e = error_of("l 2 2 1 1 3 2 1 0 w=missing.csv\n", dir);
  EXPECT_NE(e.find("missing.csv"), std::string::npos) << e;
  fs::remove_all(dir);
}

// Shapes derived by hand from the ResNet-18 architecture (torchvision): output size and GEMM M, K, N.
TEST(ShippedWorkloads, ResNet18ShapesMatchHandTable) {
  struct Row {
    const char* name;
    int oh, M, K, N;
  };
  const std::vector<Row> want = {
      {"conv1", 112, 12544, 147, 64},
      {"layer1.0.conv1", 56, 3136, 576, 64},
      {"layer1.0.conv2", 56, 3136, 576, 64},
      {"layer1.1.conv1", 56, 3136, 576, 64},
      {"layer1.1.conv2", 56, 3136, 576, 64},
      {"layer2.0.conv1", 28, 784, 576, 128},
      {"layer2.0.conv2", 28, 784, 1152, 128},
      {"layer2.0.downsample", 28, 784, 64, 128},
      {"layer2.1.conv1", 28, 784, 1152, 128},
      {"layer2.1.conv2", 28, 784, 1152, 128},
      {"layer3.0.conv1", 14, 196, 1152, 256},
      {"layer3.0.conv2", 14, 196, 2304, 256},
      {"layer3.0.downsample", 14, 196, 128, 256},
      {"layer3.1.conv1", 14, 196, 2304, 256},
      {"layer3.1.conv2", 14, 196, 2304, 256},
      {"layer4.0.conv1", 7, 49, 2304, 512},
      {"layer4.0.conv2", 7, 49, 4608, 512},
      {"layer4.0.downsample", 7, 49, 256, 512},
      {"layer4.1.conv1", 7, 49, 4608, 512},
      {"layer4.1.conv2", 7, 49, 4608, 512},
      {"fc", 1, 1, 512, 1000},
  };
  const Workload wl = load_workload(kSrc + "/configs/workloads/resnet18.txt");
  ASSERT_EQ(wl.layers.size(), want.size());
  const std::vector<GemmShape> shapes = gemm_shapes(wl);
  std::uint64_t total = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const Layer& l = wl.layers[i];
    EXPECT_EQ(l.name, want[i].name);
    EXPECT_EQ(l.shape.out_h(), want[i].oh) << l.name;
    EXPECT_EQ(l.shape.out_w(), want[i].oh) << l.name;
    EXPECT_EQ(shapes[i].M, want[i].M) << l.name;
    EXPECT_EQ(shapes[i].K, want[i].K) << l.name;
    EXPECT_EQ(shapes[i].N, want[i].N) << l.name;
    total += static_cast<std::uint64_t>(want[i].M) * want[i].K * want[i].N;
  }
  EXPECT_EQ(wl.macs(), total);
  EXPECT_NEAR(static_cast<double>(total) / 1e9, 1.81, 0.01);  // the published 1.8 G MACs
}

TEST(ShippedWorkloads, Vgg16AndMobileNetPointwise) {
  const Workload vgg = load_workload(kSrc + "/configs/workloads/vgg16.txt");
  ASSERT_EQ(vgg.layers.size(), 16u);
  EXPECT_NEAR(static_cast<double>(vgg.macs()) / 1e9, 15.47, 0.01);  // published 15.5 G MACs
  EXPECT_EQ(vgg.layers[13].shape.Cin, 7 * 7 * 512);                 // fc6
  const Workload mb = load_workload(kSrc + "/configs/workloads/mobilenet_v1_pointwise.txt");
  ASSERT_EQ(mb.layers.size(), 15u);
  EXPECT_EQ(mb.layers[0].shape.out_h(), 112);
  for (size_t i = 1; i < 14; ++i) EXPECT_EQ(mb.layers[i].shape.KH, 1) << mb.layers[i].name;
  EXPECT_EQ(mb.layers[13].shape.H, 7);
  EXPECT_EQ(mb.layers[13].shape.Cin, 1024);
}

}  // namespace
}  // namespace sysmt
