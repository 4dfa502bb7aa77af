// `sysmt quantize`: trained float weights (train/, .fw32) to the integer network file (.q8) that
// `sysmt accuracy` runs: BN folded, activations calibrated on training images (docs/accuracy.md).
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cli/cli.hpp"
#include "common/error.hpp"
#include "sim/nn/quantize.hpp"

namespace sysmt::cli {

namespace {

struct QuantizeOptions {
  std::string weights, out, data = nn::default_dataset_dir().string(), calibration = "percentile:99.99", name;
  int images = 1000;
  bool quiet = false;
};

nn::Calibration parse_calibration(const std::string& s, int images) {
  nn::Calibration c;
  c.images = images;
  if (s == "max") {
    c.method = "max";
    return c;
  }
  const std::string pre = "percentile:";
  if (s.rfind(pre, 0) == 0) {
    std::size_t pos = 0;
    double p = -1;
    try {
      p = std::stod(s.substr(pre.size()), &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos == s.size() - pre.size() && pos > 0 && p > 50 && p <= 100) {
      c.method = "percentile";
      c.percentile = p;
      return c;
    }
  }
  throw InputError(fmt::format("--calibration '{}': expected max or percentile:P with P in (50, 100]", s));
}

void run(const QuantizeOptions& o) {
  const nn::Calibration cal = parse_calibration(o.calibration, o.images);
  const nn::TensorMap t = nn::read_tensors(o.weights);
  std::string name = o.name;
  if (name.empty()) name = std::filesystem::path(o.weights).stem().string();
  const nn::FNet f = nn::fmresnet_from_tensors(t, name, o.weights);
  const nn::Dataset train = nn::load_fashion_mnist(o.data, "train");
  const nn::Dataset test = nn::load_fashion_mnist(o.data, "t10k");
  auto progress = [&](const std::string& l) {
    if (!o.quiet) std::fprintf(stderr, "sysmt quantize: %s\n", l.c_str());
  };
  nn::QuantizeResult r = nn::quantize(f, train, test, cal, progress);
  r.net.info.insert(r.net.info.begin(), {"source", std::filesystem::path(o.weights).filename().string()});
  nn::write_qnet(o.out, r.net);
  std::printf("%s\n", o.out.c_str());
}

void add_quantize(CLI::App& app) {
  auto o = std::make_shared<QuantizeOptions>();
  CLI::App* sub =
      app.add_subcommand("quantize", "Quantize trained float weights (.fw32) into the integer network file (.q8) (docs/accuracy.md)");
  sub->add_option("weights", o->weights, "Float weights written by train/ (sysmt-train)")->required();
  sub->add_option("-o,--output", o->out, "Integer network file to write (.q8)")->required();
  sub->add_option("--data", o->data, "Fashion-MNIST folder (Debian package dataset-fashion-mnist)")->capture_default_str();
  sub->add_option("--calibration", o->calibration, "Activation calibration: max or percentile:P")->capture_default_str();
  sub->add_option("--calib-images", o->images, "Calibrate on the first N training images")
      ->check(CLI::Range(1, 60000))
      ->capture_default_str();
  sub->add_option("--name", o->name, "Network name in the file (default: the weight file's stem)");
  sub->add_flag("-q,--quiet", o->quiet, "No progress lines");
  sub->callback([o] { run(*o); });
}

const Register reg(75, add_quantize);

}  // namespace

}  // namespace sysmt::cli
