// `sysmt verify`: verification of any config without touching CMake. Generates the RTL (or takes a
// folder of it), verilates it together with the regression harness into a cache folder keyed by a hash
// of everything that goes into the model (a second run reuses it), runs random GEMMs against the golden
// and cycle models, and prints a one-screen verdict. Exit status 0 only on pass.
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cli/cli.hpp"
#include "cli/options.hpp"
#include "common/cache.hpp"
#include "common/config.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/hash.hpp"
#include "common/limits.hpp"
#include "common/output.hpp"
#include "common/process.hpp"
#include "gen/rtl_generate.hpp"
#include "gen/rtl_print.hpp"

namespace sysmt::cli {

namespace {

namespace fs = std::filesystem;

struct VerifyOptions {
  std::string config, rtl, cache, trace;
  int gemms = 20;
  std::uint64_t seed = 1;
  std::uint64_t trace_from = 0, trace_to = ~0ull >> 1;
};

// The harness sources (verify/ and the models it links), as staged or installed under
// <share>/sysmt/src; harness.txt lists them, one path relative to that folder a line.
std::vector<std::string> harness_sources(const fs::path& src) {
  std::vector<std::string> files;
  std::istringstream in(read_file(data_file("src/harness.txt")));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) {
      if (!fs::exists(src / line))
        throw ToolError("verify: harness source " + (src / line).string() + " is missing: the installation is incomplete");
      files.push_back(line);
    }
  return files;
}

// The text of an RTL file as far as the model is concerned: without the generator's header lines that name
// the config file (rtl::is_config_file_line: provenance and regenerate command), so that the same design reached through
// a renamed or moved config file, or a copy of the generated folder, has the same key. The design's
// content (every module, the config's name and settings as they appear in the RTL) stays in the key.
std::string rtl_key_text(const std::string& text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    eol = eol == std::string::npos ? text.size() : eol + 1;
    if (!rtl::is_config_file_line(text.substr(pos, eol - pos))) out.append(text, pos, eol - pos);
    pos = eol;
  }
  return out;
}

// P (the PE's accumulate stages) from a generated folder's manifest; InputError naming the file when it
// is not a JSON object with an integer pipeline_stages of 0..kMaxPipelineStages.
int manifest_pipeline(const fs::path& manifest) {
  const std::string where = visible(manifest.string());
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(manifest));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(where + ": not a valid manifest (JSON: " + visible(e.what()) + "); regenerate the folder with sysmt generate");
  }
  if (!j.is_object() || !j.contains("pipeline_stages"))
    throw InputError(where + ": not a sysmt manifest (no key 'pipeline_stages'); regenerate the folder with sysmt generate");
  const auto& p = j["pipeline_stages"];
  if (!p.is_number_integer() || p.get<long long>() < 0 || p.get<long long>() > kMaxPipelineStages)
    throw InputError(where + ": key 'pipeline_stages': expected an integer 0.." + std::to_string(kMaxPipelineStages) + ", found " +
                     visible(p.dump()));
  return p.get<int>();
}

void run_verify(const VerifyOptions& o) {
  const Config cfg = load_config(o.config);
  if (o.gemms < 1) throw InputError("verify: --gemms must be at least 1");
  check_memory(verilator_memory(cfg), "verifying the " + std::to_string(cfg.rows) + "x" + std::to_string(cfg.cols) + " array");
  // The trace is this command's one output file: checked now (its folder must exist), put in place at the end.
  OutputSet outputs;
  const bool trace = !o.trace.empty();
  const fs::path trace_tmp = trace ? outputs.file(o.trace) : fs::path();
  const fs::path cache = o.cache.empty() ? cache_dir("verify") : fs::path(o.cache);
  {
    std::error_code ec;
    const fs::file_status st = fs::status(cache, ec);
    if (fs::exists(st) && !fs::is_directory(st))
      throw InputError("verify: --cache " + visible(cache.string()) + ": exists and is not a folder; name a folder for the model cache");
  }
  const fs::path src = data_file("src");
  const std::vector<std::string> harness = harness_sources(src);
  if (!on_path("verilator")) throw ToolError("verify: verilator not found on PATH (install it: scripts/install-deps.sh)");

  // 1. The RTL: generated from the config, or a user's folder (for example a modified copy).
  std::vector<std::pair<std::string, std::string>> rtl;  // file name, content
  int pipeline = 0;
  if (o.rtl.empty()) {
    const rtl::Generated g = rtl::generate_rtl(cfg);
    pipeline = g.facts.pipeline_stages;
    for (const auto& f : g.files)
      if (f.name.size() > 2 && f.name.substr(f.name.size() - 2) == ".v") rtl.emplace_back(f.name, f.content);
  } else {
    if (!fs::is_directory(o.rtl)) throw InputError("verify: --rtl " + visible(o.rtl) + ": not a folder");
    for (const auto& e : fs::directory_iterator(o.rtl))
      if (e.path().extension() == ".v") rtl.emplace_back(e.path().filename().string(), read_file(e.path()));
    if (rtl.empty()) throw InputError("verify: --rtl " + visible(o.rtl) + ": no .v files");
    // P from the folder's manifest when it has one (a generated folder), else from the config (a netlist).
    const fs::path manifest = fs::path(o.rtl) / (cfg.name + ".json");
    pipeline = fs::exists(manifest) ? manifest_pipeline(manifest) : cfg.pipeline_stages();
  }
  std::sort(rtl.begin(), rtl.end());

  // 2. The model, cached under a hash of every input of the Verilator build: the RTL's content (not the
  // config's file name), the harness sources and the sysmt version. An entry counts only when its stamp,
  // written last, lists the model binary with the size and hash it was built with.
  std::string key_text = std::string("sysmt verify model v2 ") + SYSMT_VERSION + (trace ? " trace" : "") + "\n";
  for (const auto& [name, text] : rtl) key_text += name + "\n" + rtl_key_text(text);
  for (const auto& h : harness) key_text += h + "\n" + read_file(src / h);
  const std::string key = hex64(fnv1a64(key_text));
  const fs::path dir = cache / (cfg.name + "-" + key);
  const fs::path exe = dir / "obj" / "Vdut";
  std::fprintf(stderr, "[verify] %s: %dx%d, %d threads, %s rounding, zero_skip %s\n", cfg.name.c_str(), cfg.rows, cfg.cols, cfg.threads,
               to_string(cfg.rounding), to_string(cfg.zero_skip));
  std::string model_note;
  const std::string damage = check_cache_entry(dir, key);
  if (damage.empty()) {
    model_note = "reused from " + dir.string();
    std::fprintf(stderr, "[verify] model %s\n", model_note.c_str());
  } else {
    if (damage != "missing") {
      std::fprintf(stderr, "[verify] note: cache entry %s is damaged (%s); rebuilding it\n", dir.string().c_str(), damage.c_str());
      // Moved aside first, so that a run using it concurrently keeps its files until it ends.
      const fs::path aside = cache / (cfg.name + "-" + key + ".damaged" + std::to_string(::getpid()));
      std::error_code ec;
      register_temporary(aside);
      fs::rename(dir, aside, ec);
      fs::remove_all(ec ? dir : aside, ec);
      unregister_temporary(aside);
    }
    std::error_code ec;
    fs::create_directories(cache, ec);
    if (ec) throw InputError("verify: cannot create the model cache " + visible(cache.string()) + ": " + ec.message());
    const fs::path tmp = cache / (cfg.name + "-" + key + ".tmp" + std::to_string(::getpid()));
    register_temporary(tmp);  // removed on an interrupt
    fs::remove_all(tmp, ec);
    fs::create_directories(tmp / "rtl");
    std::string files;
    for (const auto& [name, text] : rtl) {
      write_file(tmp / "rtl" / name, text);
      files += " " + shell_quote((tmp / "rtl" / name).string());
    }
    const std::string inc = "-I" + src.string();
    std::string cmd = "verilator --cc --exe --build -j 2 --top-module " + cfg.name +
                      " --prefix Vdut --x-assign unique --x-initial unique -Wno-fatal" + (trace ? " --trace-fst" : "") + " --Mdir " +
                      shell_quote((tmp / "obj").string()) + " -CFLAGS " + shell_quote("-std=c++17 " + inc) + " -LDFLAGS -lyaml-cpp" + files;
    for (const auto& h : harness)
      if (h.size() > 4 && h.substr(h.size() - 4) == ".cpp") cmd += " " + shell_quote((src / h).string());
    write_file(tmp / "build.sh", "#!/bin/sh\n" + cmd + "\n");
    const auto t0 = std::chrono::steady_clock::now();
    const int rc = run_command(cmd, RunOptions{"", tmp / "build.log", "verify: building the model with Verilator"}).exit_code;
    if (rc != 0 || !fs::exists(tmp / "obj" / "Vdut")) {
      std::string log = tail_lines(tmp / "build.log", 25);
      fs::remove_all(tmp, ec);
      unregister_temporary(tmp);
      throw ToolError("verify: the Verilator build failed", cmd, log);
    }
    write_cache_stamp(tmp, key, SYSMT_VERSION, {"obj/Vdut"});  // last: the entry is complete
    fs::rename(tmp, dir, ec);
    if (ec) fs::remove_all(tmp, ec);  // another run finished the same model first
    unregister_temporary(tmp);
    if (!check_cache_entry(dir, key).empty()) throw ToolError("verify: the model cache entry " + dir.string() + " could not be completed");
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0).count();
    model_note = fmt::format("built in {} s, cached in {}", s, dir.string());
  }

  // 3. Run, in its own process group like every tool; its verdict is the last line of its output.
  const fs::path run_dir = tool_tmpdir();
  const fs::path run_out = run_dir / "verify-run.out";
  std::string cmd = shell_quote(exe.string()) + " " + shell_quote(fs::absolute(o.config).string()) + " " + std::to_string(o.gemms) + " " +
                    std::to_string(o.seed) + " " + std::to_string(pipeline);
  if (trace) cmd += " " + shell_quote(trace_tmp.string()) + " " + std::to_string(o.trace_from) + " " + std::to_string(o.trace_to);
  run_command(cmd + " 2> " + shell_quote((run_dir / "verify-run.err").string()),
              RunOptions{"", run_out, fmt::format("verify: {} GEMMs", o.gemms)});
  std::string out = fs::exists(run_out) ? read_file(run_out) : std::string();
  nlohmann::json r;
  try {
    // The verdict is the runner's last line.
    while (!out.empty() && out.back() == '\n') out.pop_back();
    const size_t nl = out.rfind('\n');
    r = nlohmann::json::parse(nl == std::string::npos ? out : out.substr(nl + 1));
  } catch (const std::exception&) {
    throw ToolError("verify: the model run ended without a verdict; its output:\n" + out + tail_lines(run_dir / "verify-run.err", 20));
  }
  if (trace) {
    if (!fs::exists(trace_tmp)) throw ToolError("verify: the model run wrote no trace to " + trace_tmp.string(), cmd, "");
    outputs.commit();
  }
  const bool pass = r["pass"].get<bool>();
  std::string cov;
  for (auto& [k, v] : r["coverage"].items()) cov += fmt::format("{}: {}  ", k, v.get<std::uint64_t>());
  std::string missed;
  for (auto& m : r["coverage_missed"]) missed += m.get<std::string>() + " ";
  std::cout << fmt::format("sysmt verify: {}  {}\n", cfg.name, pass ? "PASS" : "FAIL");
  std::cout << fmt::format("  config    {} (hash {}), {}x{}, {} threads, {}-bit acc, {} rounding, zero_skip {}\n", o.config, cfg.hash(),
                           cfg.rows, cfg.cols, cfg.threads, cfg.acc_bits, to_string(cfg.rounding), to_string(cfg.zero_skip));
  std::cout << fmt::format("  RTL       {}\n", o.rtl.empty() ? std::string("generated from the config") : o.rtl);
  std::cout << fmt::format("  model     {}\n", model_note);
  std::cout << fmt::format("  GEMMs     {} of {} bit-exact against the golden model, every beat on the cycle model's edge (seed {})\n",
                           r["gemms_passed"].get<int>(), o.gemms, o.seed);
  std::cout << fmt::format("  cycles    {}\n", r["cycles"].get<std::uint64_t>());
  std::cout << fmt::format("  coverage  {}\n", cov);
  std::cout << fmt::format("  missed    {}\n", missed.empty() ? std::string("none") : missed + "(run more --gemms)");
  if (trace) std::cout << fmt::format("  trace     {} (edges {}..{})\n", o.trace, o.trace_from, o.trace_to);
  if (!pass) {
    std::cout << "  failing   " << r["failed_case"].get<std::string>() << "\n";
    std::cout << "  first mismatch: " << r["failure"].get<std::string>() << "\n";
    if (r["verilator_error"].get<bool>()) std::cout << "  Verilator reported an error during simulation\n";
    std::cout << fmt::format("  reproduce: sysmt verify {} --gemms {} --seed {}{}\n", o.config, o.gemms, o.seed,
                             o.rtl.empty() ? "" : " --rtl " + o.rtl);
    throw CLI::RuntimeError(1);
  }
}

void add_verify(CLI::App& app) {
  auto o = std::make_shared<VerifyOptions>();
  CLI::App* sub = app.add_subcommand("verify", "Verify a config's generated RTL against the golden and cycle models (Verilator)");
  sub->add_option("config", o->config, "Array configuration (YAML)")->required();
  sub->add_option("--gemms", o->gemms, "Number of random GEMMs")->capture_default_str();
  add_seed_option(sub, o->seed, "Seed of the random GEMMs (and of the random initial state)");
  add_max_memory_option(sub);
  sub->add_option("--rtl", o->rtl, "Verify this folder of Verilog instead of generating it from the config");
  sub->add_option("--cache", o->cache, "Model cache folder (default $SYSMT_CACHE/verify or ~/.cache/sysmt/verify)");
  auto* tr = sub->add_option("--trace", o->trace, "Write an FST waveform of the run here");
  sub->add_option("--trace-from", o->trace_from, "First edge to trace")->needs(tr);
  sub->add_option("--trace-to", o->trace_to, "Last edge to trace")->needs(tr);
  sub->callback([o] { run_verify(*o); });
}

const Register reg(30, add_verify);

}  // namespace

}  // namespace sysmt::cli
