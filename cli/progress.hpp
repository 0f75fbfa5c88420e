// The progress display of the `villani` executable (issue 19; docs/design.md "Interfaces users
// meet").
// The one place that shows how far long work has got. Layers below report ProgressEvents
// through a ProgressFn (numerics/progress.hpp) and never print; a command owns one Progress and
// hands `fn()` down.
//
//   - stderr is a terminal: one line redrawn in place (\r, erase to end of line), at most four
//     times a second, cut to the terminal's width; notes are printed above it.
//   - stderr is not a terminal (a log, CI): a plain line when a task starts and then at most one
//     every `plain_interval` seconds (5 s), plus the notes. No \r, no escape codes.
//   - --quiet: nothing at all.
// While one step takes long (the first gradient of a 125M model), a heartbeat re-shows the last
// line with the elapsed time: every second on a terminal, every `plain_interval` in a log.
// stdout is never touched, so `--format json` output is the same byte for byte with and without
// progress. The line reads
//   [sgld λ=0.1] 120/400 steps (30%) · loss 3.2104 · 41.2 steps/s · 3s elapsed · ETA 7s
// (task, count, detail, rate, elapsed time, time left); the rate and time left are measured
// from the first event of the current task.
//
// Use from a command (cli/cmd_*.cpp):
//
//   bool quiet = false;
//   add_quiet_flag(app, quiet);                        // --quiet, -q
//   ...parse...
//   Progress progress(quiet);                          // mode from --quiet and isatty(stderr)
//   progress.update("hessian", k, n, "matvec", fmt::format("λ_max ≈ {:.6g}", top));
//   progress.note("expected about 40 s");              // a line that stays
//   options.progress = progress.fn();                  // hand down (valid while `progress` lives)
//   progress.end();                                    // before printing results to stdout
//
// end() also runs in the destructor. All members are safe to call from several threads.
#pragma once
#include <condition_variable>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <string>
#include <thread>

#include "numerics/progress.hpp"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace villani::cli {

class Progress {
 public:
  enum class Mode { Off, Terminal, Plain };
  /// Seconds on a monotonic clock (tests inject their own).
  using Clock = std::function<double()>;

  /// Off when quiet; Terminal when stderr is a terminal; Plain otherwise.
  static Mode mode_for(bool quiet);

  /// Shows progress on std::cerr in mode_for(quiet), with the heartbeat.
  explicit Progress(bool quiet);
  /// Full control (tests): `width` cuts terminal lines to that many characters (0: the
  /// terminal's width when `os` is std::cerr on a terminal, else no cut). No heartbeat unless
  /// asked (it runs on a thread and reads the clock).
  Progress(Mode mode, std::ostream& os, Clock clock = {}, double plain_interval = 5.0, int width = 0,
           bool heartbeat = false);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  Mode mode() const { return mode_; }
  bool terminal() const { return mode_ == Mode::Terminal; }

  /// `done` of `total` `unit`s (singular; 0 total: unknown) of `task`. A new task restarts the
  /// rate and the time left. `budget`: total is an upper limit, so the time left reads "≤ …".
  void update(const std::string& task, long done, long total, const std::string& unit,
              const std::string& detail = {}, bool budget = false);
  /// A line that stays (terminal: printed above the live line; plain: printed at once).
  void note(const std::string& line);
  /// Takes the live line away (terminal); call before writing results.
  void end();
  /// Dispatches an event from a lower layer.
  void handle(const ProgressEvent& e);
  /// A callback for the layers below; valid while this object lives. Empty when Off, so the
  /// layers skip even formatting their reports.
  ProgressFn fn();

  /// The line as shown (exposed for tests): count, detail, rate, elapsed, time left.
  static std::string format_line(const std::string& task, long done, long total, const std::string& unit,
                                 const std::string& detail, double elapsed, long done_since_start,
                                 bool budget);
  /// 7s, 2m05s, 1h02m.
  static std::string format_duration(double seconds);

 private:
  void update_locked(const std::string& task, long done, long total, const std::string& unit,
                     const std::string& detail, bool budget);
  void show_locked(double t);
  void clear_locked();
  double now() const;
  void beat();

  Mode mode_;
  std::ostream& os_;
  Clock clock_;
  double plain_interval_;
  int width_;
  std::mutex mu_;
  std::string task_;
  double task_start_ = 0;
  long task_done0_ = 0;
  double last_shown_ = -1e300;
  bool line_drawn_ = false;
  // The last update, re-shown by the heartbeat while nothing new comes.
  bool have_last_ = false;
  long last_done_ = 0, last_total_ = 0;
  std::string last_unit_, last_detail_;
  bool last_budget_ = false;
  bool stop_ = false;
  std::condition_variable cv_;
  std::thread ticker_;
};

/// Adds `--quiet,-q` ("no progress on stderr") to a command.
CLI::Option* add_quiet_flag(CLI::App& app, bool& quiet);

}  // namespace villani::cli
