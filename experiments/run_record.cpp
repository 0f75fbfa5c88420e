#include "experiments/run_record.hpp"

#include "numerics/memory.hpp"

#include "experiments/formats.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <limits>
#include <fstream>
#include <sstream>
#include <thread>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "numerics/checked.hpp"
#include "numerics/errors.hpp"
#include "numerics/io.hpp"

#ifndef VILLANI_GIT_REVISION
#define VILLANI_GIT_REVISION "unknown"
#endif

namespace villani::experiments {

namespace fs = std::filesystem;

namespace {
// A record's files are regular files of bounded size: a FIFO, /dev/zero behind a symlink or a
// file that never ends made compare hang (issue 26). The text of `path`, or InputError(arg).
constexpr std::uintmax_t kMaxRecordFile = std::uintmax_t(1) << 30;  // 1 GiB
std::string read_record_file(const std::string& path, const std::string& arg) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec && ec.value() == ELOOP) throw InputError(arg, path + " is a symbolic-link loop");
  if (!fs::exists(st)) throw InputError(arg, "cannot read " + path + " (no such file)");
  if (!fs::is_regular_file(st))
    throw InputError(arg, path + " is not a regular file (a directory, FIFO or device); a run record holds files");
  return read_file_capped(path, kMaxRecordFile, arg);
}

// JSON nested deeper than this is refused while parsing (200000 levels overflowed the stack).
constexpr int kMaxJsonDepth = 64;
nlohmann::json parse_bounded(const std::string& text, const std::string& path, const std::string& arg) {
  return parse_json_bounded(text, kMaxJsonDepth, arg, path, "run record");
}

nlohmann::json read_json(const std::string& path, const std::string& arg) {
  return parse_bounded(read_record_file(path, arg), path, arg);
}

// Why one line of metrics.jsonl is not a record ("" when it is one). prev: the previous step.
std::string line_problem(const std::string& line, std::int64_t prev, nlohmann::json& out) {
  try {
    out = parse_bounded(line, "the line", "DIR");
  } catch (const std::exception& e) {
    return std::string("not valid JSON (") + e.what() + ")";
  }
  if (!out.is_object()) return "not a JSON object";
  if (!out.contains("step") || !out.at("step").is_number_integer()) return "no integer \"step\"";
  const std::int64_t step = out.at("step").get<std::int64_t>();
  if (step <= prev)
    return "step " + std::to_string(step) + " does not follow step " + std::to_string(prev) + " (out of order or repeated)";
  return "";
}
}  // namespace

MetricsFile read_metrics_file(const std::string& path, const std::string& argument) {
  MetricsFile m;
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(path, ec))) return m;  // a missing file reads as no records
  const std::string text = read_record_file(path, argument);
  std::size_t pos = 0, line_no = 0;
  std::int64_t prev = std::numeric_limits<std::int64_t>::min();
  while (pos < text.size()) {
    ++line_no;
    const std::size_t nl = text.find('\n', pos);
    const bool last = nl == std::string::npos;
    const std::string line = text.substr(pos, last ? std::string::npos : nl - pos);
    nlohmann::json j;
    const std::string why = line.find_first_not_of(" \t\r") == std::string::npos ? "blank" : line_problem(line, prev, j);
    if (last) {
      // No newline at the end: a write cut short (kill mid-append) unless the line is whole.
      if (why.empty()) {
        m.missing_newline = true;
        m.records.push_back(j);
        m.good_end = text.size();
      } else {
        m.torn_line = line_no;
        m.torn_bytes = text.size() - pos;
      }
      break;
    }
    if (why == "blank") {
      // An empty line holds no record; it loses nothing.
    } else if (!why.empty()) {
      throw InputError(argument, fmt::format("{}:{}: damaged record: {}. The {} records before line {} are intact; "
                                             "repair the file by fixing or deleting line {} (and any damaged line "
                                             "after it), then run again",
                                             path, line_no, why, m.records.size(), line_no, line_no));
    } else {
      m.records.push_back(j);
      prev = j.at("step").get<std::int64_t>();
    }
    pos = nl + 1;
    m.good_end = pos;
  }
  return m;
}

std::shared_ptr<const DirLock> DirLock::acquire(const std::string& dir, const std::string& argument,
                                                const std::string& what, const std::string& advice) {
  const std::string path = dir + "/.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw OutputError(path, "cannot open the lock file '" + path + "': " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {0};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "unknown";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    if (err == EWOULDBLOCK)
      throw InputError(argument, (what.empty() ? "'" + dir + "'" : what) + " is in use by another villani process (pid " +
                                     pid + "); " + (advice.empty() ? "wait for it to finish, or give another directory" : advice));
    throw InputError(argument, "cannot lock '" + path + "': " + std::strerror(err));
  }
  // The holder's pid, for the message a second writer gets (the lock itself is the flock).
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The lock holds without the pid; the message then says "unknown".
  }
  return std::shared_ptr<const DirLock>(new DirLock(fd));
}

DirLock::~DirLock() { ::close(fd_); }  // closing releases the flock

RunRecord RunRecord::open(const std::string& dir, const nlohmann::json& config, bool resume) {
  RunRecord r;
  r.dir_ = dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir)) throw InputError("--out", "cannot create directory '" + dir + "'");
  r.lock_ = DirLock::acquire(dir, resume ? "--resume" : "--out");
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
    // Strict: a damaged line stops the resume (exit 2, file and line named) and nothing is
    // deleted. Only a torn last line (a kill mid-append) is dropped: its step runs again.
    const MetricsFile mf = read_metrics_file(met, "--resume");
    if (mf.torn_line) {
      write_file_atomic(met, read_record_file(met, "--resume").substr(0, mf.good_end));
      std::cerr << "villani: " << met << ":" << mf.torn_line << ": dropped an incomplete last line (" << mf.torn_bytes
                << " bytes, a write cut short); its step is computed again\n";
    } else if (mf.missing_newline) {
      std::ofstream(met, std::ios::app | std::ios::binary) << "\n";
    }
    r.metrics_ = mf.records;
    if (!r.metrics_.empty()) r.last_step_ = r.metrics_.back().at("step").get<std::int64_t>();
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
  const std::string path = dir_ + "/metrics.jsonl";
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw OutputError(path, "cannot append to '" + path + "': " + std::strerror(errno));
  const ssize_t n = ::write(fd, line.data(), line.size());
  const int err = n < 0 ? errno : (static_cast<std::size_t>(n) != line.size() ? ENOSPC : 0);
  if (err != 0) {
    // A partial line would be a torn record: cut it off again, so the file ends at the last
    // whole step and `--resume` continues from there once space is back.
    struct stat st {};
    if (n > 0 && ::fstat(fd, &st) == 0) (void)::ftruncate(fd, st.st_size - n);
    ::close(fd);
    throw OutputError(path, "cannot append to '" + path + "': " + std::strerror(err) +
                                (err == ENOSPC ? " (the disk is full; free space and continue with --resume)" : ""));
  }
  ::fsync(fd);
  ::close(fd);
  last_step_ = step;
  metrics_.push_back(m);
}

void RunRecord::write_hardware(const nlohmann::json& h) { write_file_atomic(dir_ + "/hardware.json", h.dump(2) + "\n"); }
void RunRecord::write_summary(const nlohmann::json& s) {
  write_file_atomic(dir_ + "/summary.json", s.dump(2) + "\n");
  // The process's peak resident set when the run finished (issue 24: every report carries it).
  write_file_atomic(dir_ + "/memory.json",
                    nlohmann::json{{"peak_rss_bytes", numerics::peak_rss_bytes()}}.dump(2) + "\n");
}

nlohmann::json RunRecord::load(const std::string& dir) {
  std::error_code dir_ec;
  if (!fs::is_directory(dir, dir_ec)) throw InputError("DIR", "'" + dir + "' is not a run record directory");
  nlohmann::json j;
  j["dir"] = dir;
  j["config"] = read_json(dir + "/config.json", "DIR");
  if (fs::exists(dir + "/hardware.json")) j["hardware"] = read_json(dir + "/hardware.json", "DIR");
  if (fs::exists(dir + "/summary.json")) j["summary"] = read_json(dir + "/summary.json", "DIR");
  if (fs::exists(dir + "/memory.json")) j["memory"] = read_json(dir + "/memory.json", "DIR");
  const MetricsFile mf = read_metrics_file(dir + "/metrics.jsonl", "DIR");
  if (mf.torn_line)
    throw InputError("DIR", fmt::format("{}/metrics.jsonl:{}: incomplete last line ({} bytes, a write cut short); "
                                        "finish the run with `villani run … --resume --out …` (it drops the line and "
                                        "computes that step again), or delete the partial line",
                                        dir, mf.torn_line, mf.torn_bytes));
  j["metrics"] = mf.records;
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
