// Runs the generator stages and writes their output atomically (temporary folder, then rename).
#include "gen/rtl_generate.hpp"

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/output.hpp"
#include "gen/rtl_print.hpp"

namespace sysmt::rtl {

namespace fs = std::filesystem;

namespace {

const char* kGenerator = "sysmt generate";

std::string manifest(const Config& c, const Design& d, const ArrayFacts& f, const std::vector<GeneratedFile>& verilog) {
  nlohmann::ordered_json j;
  j["generator"] = kGenerator;
  j["version"] = SYSMT_VERSION;
  j["name"] = c.name;
  j["config_file"] = fs::path(c.source).filename().string();
  j["config_hash"] = c.hash();
  j["rows"] = f.rows;
  j["cols"] = f.cols;
  j["threads"] = f.threads;
  j["acc_bits"] = f.acc_bits;
  j["rounding"] = to_string(c.rounding);
  j["zero_skip"] = to_string(c.zero_skip);
  j["pipeline_stages"] = f.pipeline_stages;
  j["latency"] = f.latency;
  j["latency_formula"] =
      "LAT = cols + 1 + pipeline_stages: in_last accepted at edge E -> row r on out_data "
      "in the cycle after edge E + LAT + r";
  j["drain_interval"] = f.drain_interval;
  j["drain_interval_formula"] =
      "D = max(rows, cols): an in_last beat is refused (in_ready = 0) until D edges "
      "after the previous accepted in_last";
  j["throughput"] = "one K-group per cycle while every tile has at least D K-groups";
  j["product_bits"] = f.product_bits;
  j["flip_flops"] = f.flip_flops;
  j["top"] = d.top;
  nlohmann::ordered_json mods = nlohmann::ordered_json::array();
  for (size_t i = 0; i < d.modules.size(); ++i) mods.push_back({{"name", d.modules[i].name}, {"file", verilog[i].name}});
  j["modules"] = mods;
  nlohmann::ordered_json ports = nlohmann::ordered_json::array();
  for (const Module& m : d.modules)
    if (m.name == d.top)
      for (const Port& p : m.ports)
        ports.push_back({{"name", p.name}, {"dir", p.dir == Dir::In ? "input" : "output"}, {"width", p.width.bits}});
  j["ports"] = ports;
  return j.dump(2) + "\n";
}

// True when `dir` is empty or looks like an earlier output of this generator (plain files only, among
// them a manifest naming the generator).
bool replaceable(const fs::path& dir) {
  bool has_manifest = false, empty = true;
  for (const auto& e : fs::directory_iterator(dir)) {
    empty = false;
    if (!e.is_regular_file()) return false;
    if (e.path().extension() == ".json") {
      try {
        auto j = nlohmann::json::parse(read_file(e.path()));
        has_manifest |= j.is_object() && j.value("generator", "") == kGenerator;
      } catch (const std::exception&) {
      }
    }
  }
  return empty || has_manifest;
}

}  // namespace

Generated generate_rtl(const Config& c) {
  Design d = build_design(c);
  check_design(d);
  Generated g;
  g.facts = array_facts(c);
  const fs::path src(c.source);
  const std::string base = src.filename().string();
  // Named configs live in configs/; the header's command names that path, never an absolute one.
  const std::string ref = src.parent_path().filename() == "configs" ? "configs/" + base : base;
  Provenance p{std::string(kGenerator) + " " + SYSMT_VERSION, base, ref, c.hash()};
  auto printed = print_design(d, p);
  std::string filelist;
  for (auto& [name, text] : printed) {
    g.files.push_back({name, text});
    filelist += name + "\n";
  }
  std::vector<GeneratedFile> verilog = g.files;
  g.files.push_back({c.name + ".f", filelist});
  g.files.push_back({c.name + ".json", manifest(c, d, g.facts, verilog)});
  return g;
}

void write_generated(const Generated& g, const fs::path& dir) {
  OutputSet out;
  const fs::path tmp = out.folder(dir, replaceable);
  for (const GeneratedFile& f : g.files) write_file(tmp / f.name, f.content);
  out.commit();
}

}  // namespace sysmt::rtl
