// Run records (docs/design.md "Run record"): one directory per experiment run holding
//   config.json     the run's configuration (written once, atomically)
//   hardware.json   device, threads, software versions, git revision
//   metrics.jsonl   one JSON object per finished step, appended and flushed line by line
//   summary.json    final or partial results (atomic rewrite)
//   checkpoint.*    whatever the run needs to resume (written atomically by the run)
// Comparisons read run records, never live state. No LibTorch in this header.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace villani::experiments {

class RunRecord {
 public:
  /// Opens dir for a run. resume=false: the directory must not hold metrics yet (InputError
  /// "--out" otherwise) and config.json is written. resume=true: config.json must exist and
  /// equal `config` on the keys in `config` (InputError "--resume" otherwise); a partial last
  /// line of metrics.jsonl (from a kill mid-write) is dropped.
  /// The record is locked (flock on dir/.lock, holding this process's pid) for as long as the
  /// RunRecord or a copy of it lives: a second writer, a second --resume of it, or a
  /// `reproduce --out` into it is refused with InputError("--out"/"--resume") naming the holder's
  /// pid, instead of interleaving metrics.jsonl (issue 26).
  static RunRecord open(const std::string& dir, const nlohmann::json& config, bool resume);

  const std::string& dir() const { return dir_; }
  /// Steps already recorded (resume continues after the last one); -1 when none.
  std::int64_t last_step() const { return last_step_; }
  /// All recorded metric lines in order.
  const std::vector<nlohmann::json>& metrics() const { return metrics_; }

  /// Appends one step's metrics; `m` must contain an integer "step" greater than last_step().
  void append(const nlohmann::json& m);
  void write_hardware(const nlohmann::json& h);
  void write_summary(const nlohmann::json& s);
  /// Path inside the record directory.
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  /// Reads a finished or partial record (config, hardware, metrics, summary when present).
  static nlohmann::json load(const std::string& dir);

 private:
  std::string dir_;
  std::int64_t last_step_ = -1;
  std::vector<nlohmann::json> metrics_;
  std::shared_ptr<const class DirLock> lock_;
};

/// An exclusive lock on a results directory (flock on DIR/.lock, which holds the holder's pid),
/// released when the last copy goes. InputError(argument) naming the holder when another process
/// has it. RunRecord::open and `reproduce --out` take one.
class DirLock {
 public:
  /// `what` and `advice` replace "'DIR'" and the advice in the message when given (a lock that
  /// stands for something else than the directory: `launch` locks its port through one).
  static std::shared_ptr<const DirLock> acquire(const std::string& dir, const std::string& argument,
                                                const std::string& what = "", const std::string& advice = "");
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;
};

/// The git revision of the source tree villani was built from (or "unknown").
std::string git_revision();
/// Basic host facts: hostname, cpu model, hardware threads, date (UTC).
nlohmann::json host_info();

}  // namespace villani::experiments
