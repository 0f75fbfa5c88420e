#include "experiments/run_record.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "numerics/errors.hpp"
#include "numerics/io.hpp"

#ifndef VILLANI_GIT_REVISION
#define VILLANI_GIT_REVISION "unknown"
#endif

namespace villani::experiments {

namespace fs = std::filesystem;

namespace {
nlohmann::json read_json(const std::string& path, const std::string& arg) {
  std::ifstream f(path);
  if (!f) throw InputError(arg, "cannot read " + path);
  try {
    return nlohmann::json::parse(f);
  } catch (const std::exception& e) {
    throw InputError(arg, path + " is not valid JSON: " + e.what());
  }
}

// Reads metrics.jsonl; drops a trailing partial line (no newline or not JSON) and rewrites the
// file without it so appends continue cleanly.
std::vector<nlohmann::json> read_metrics(const std::string& path, bool repair) {
  std::vector<nlohmann::json> out;
  std::ifstream f(path, std::ios::binary);
  if (!f) return out;
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  std::size_t pos = 0, good_end = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) break;  // partial last line
    const std::string line = text.substr(pos, nl - pos);
    if (!line.empty()) {
      try {
        out.push_back(nlohmann::json::parse(line));
      } catch (const std::exception&) {
        break;  // corrupt tail: keep what precedes it
      }
    }
    pos = nl + 1;
    good_end = pos;
  }
  if (repair && good_end != text.size()) write_file_atomic(path, text.substr(0, good_end));
  return out;
}
}  // namespace

RunRecord RunRecord::open(const std::string& dir, const nlohmann::json& config, bool resume) {
  RunRecord r;
  r.dir_ = dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir)) throw InputError("--out", "cannot create directory '" + dir + "'");
  const std::string cfg = dir + "/config.json";
  const std::string met = dir + "/metrics.jsonl";
  if (resume) {
    if (!fs::exists(cfg))
      throw InputError("--resume", "no run record to resume in '" + dir + "' (config.json missing)");
    const nlohmann::json old = read_json(cfg, "--resume");
    for (auto it = config.begin(); it != config.end(); ++it)
      if (!old.contains(it.key()) || old.at(it.key()) != it.value())
        throw InputError("--resume", "config key '" + it.key() +
                                         "' differs from the recorded run in '" + dir + "'");
    r.metrics_ = read_metrics(met, true);
    for (const auto& m : r.metrics_)
      if (m.contains("step")) r.last_step_ = std::max<std::int64_t>(r.last_step_, m.at("step").get<std::int64_t>());
  } else {
    if (fs::exists(met) && fs::file_size(met) > 0)
      throw InputError("--out", "'" + dir + "' already holds a run; use --resume or another --out");
    write_file_atomic(cfg, config.dump(2) + "\n");
  }
  return r;
}

void RunRecord::append(const nlohmann::json& m) {
  if (!m.contains("step") || !m.at("step").is_number_integer())
    throw DomainError("RunRecord::append: metrics need an integer \"step\"");
  const std::int64_t step = m.at("step").get<std::int64_t>();
  if (step <= last_step_)
    throw DomainError("RunRecord::append: step " + std::to_string(step) + " already recorded");
  const std::string line = m.dump() + "\n";
  FILE* f = std::fopen((dir_ + "/metrics.jsonl").c_str(), "ab");
  if (!f) throw std::runtime_error("cannot append to " + dir_ + "/metrics.jsonl");
  const bool ok = std::fwrite(line.data(), 1, line.size(), f) == line.size();
  std::fflush(f);
  ::fsync(::fileno(f));
  std::fclose(f);
  if (!ok) throw std::runtime_error("short write to " + dir_ + "/metrics.jsonl");
  last_step_ = step;
  metrics_.push_back(m);
}

void RunRecord::write_hardware(const nlohmann::json& h) { write_file_atomic(dir_ + "/hardware.json", h.dump(2) + "\n"); }
void RunRecord::write_summary(const nlohmann::json& s) { write_file_atomic(dir_ + "/summary.json", s.dump(2) + "\n"); }

nlohmann::json RunRecord::load(const std::string& dir) {
  if (!fs::is_directory(dir)) throw InputError("DIR", "'" + dir + "' is not a run record directory");
  nlohmann::json j;
  j["dir"] = dir;
  j["config"] = read_json(dir + "/config.json", "DIR");
  if (fs::exists(dir + "/hardware.json")) j["hardware"] = read_json(dir + "/hardware.json", "DIR");
  if (fs::exists(dir + "/summary.json")) j["summary"] = read_json(dir + "/summary.json", "DIR");
  j["metrics"] = read_metrics(dir + "/metrics.jsonl", false);
  return j;
}

std::string git_revision() { return VILLANI_GIT_REVISION; }

nlohmann::json host_info() {
  nlohmann::json h;
  char name[256] = {0};
  ::gethostname(name, sizeof name - 1);
  h["hostname"] = name;
  h["hardware_threads"] = std::thread::hardware_concurrency();
  std::ifstream cpu("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpu, line))
    if (line.rfind("model name", 0) == 0) {
      h["cpu"] = line.substr(line.find(':') + 2);
      break;
    }
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  h["date_utc"] = buf;
  h["git_revision"] = git_revision();
  return h;
}

}  // namespace villani::experiments
