#include "cli/progress.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <iostream>
#include <sys/ioctl.h>
#include <unistd.h>

namespace villani::cli {

namespace {

constexpr double kTerminalRedraw = 0.25;  // seconds between redraws of the live line
constexpr double kTerminalBeat = 1.0;     // a terminal line older than this is re-shown

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string plural(const std::string& unit) {
  if (unit.empty()) return unit;
  const char last = unit.back();
  const bool es = last == 's' || last == 'x' || last == 'z' ||
                  (unit.size() > 1 && (unit.compare(unit.size() - 2, 2, "ch") == 0 || unit.compare(unit.size() - 2, 2, "sh") == 0));
  return unit + (es ? "es" : "s");
}

// Cuts s to at most n characters (UTF-8 code points), never inside a character.
std::string cut(const std::string& s, int n) {
  if (n <= 0) return s;
  int chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (chars == n) return s.substr(0, i);
    ++chars;
  }
  return s;
}

}  // namespace

Progress::Mode Progress::mode_for(bool quiet) {
  if (quiet) return Mode::Off;
  return ::isatty(STDERR_FILENO) ? Mode::Terminal : Mode::Plain;
}

Progress::Progress(bool quiet) : Progress(mode_for(quiet), std::cerr, {}, 5.0, 0, true) {}

Progress::Progress(Mode mode, std::ostream& os, Clock clock, double plain_interval, int width, bool heartbeat)
    : mode_(mode), os_(os), clock_(std::move(clock)), plain_interval_(plain_interval), width_(width) {
  if (width_ == 0 && mode_ == Mode::Terminal && &os_ == &std::cerr) {
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1) width_ = ws.ws_col - 1;
  }
  if (heartbeat && mode_ != Mode::Off) ticker_ = std::thread([this] { beat(); });
}

Progress::~Progress() {
  if (ticker_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    ticker_.join();
  }
  end();
}

void Progress::beat() {
  std::unique_lock<std::mutex> lock(mu_);
  const double every = mode_ == Mode::Terminal ? kTerminalBeat : plain_interval_;
  while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; })) {
    if (!have_last_) continue;
    const double t = now();
    if (t - last_shown_ >= every) show_locked(t);
  }
}

double Progress::now() const { return clock_ ? clock_() : steady_seconds(); }

std::string Progress::format_duration(double s) {
  if (!(s >= 0) || !std::isfinite(s)) return "?";
  const long t = std::lround(s);
  if (t < 60) return fmt::format("{}s", t);
  if (t < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
}

std::string Progress::format_line(const std::string& task, long done, long total, const std::string& unit,
                                  const std::string& detail, double elapsed, long done_since_start,
                                  bool budget) {
  std::string s = task;
  if (total > 0) {
    s += fmt::format(" {}/{}", done, total);
    if (!unit.empty()) s += " " + plural(unit);
    s += fmt::format(" ({}%)", static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total)));
  } else if (done > 0) {
    s += fmt::format(" {}", done);
    if (!unit.empty()) s += " " + plural(unit);
  }
  if (!detail.empty()) s += " · " + detail;
  const bool rated = done_since_start > 0 && elapsed > 0;
  if (rated) {
    const double rate = static_cast<double>(done_since_start) / elapsed;
    const std::string u = unit.empty() ? "unit" : unit;
    if (rate >= 1) s += fmt::format(" · {:.3g} {}/s", rate, plural(u));
    else s += fmt::format(" · {:.3g} s/{}", 1.0 / rate, u);
  }
  if (elapsed >= 1) s += " · " + format_duration(elapsed) + " elapsed";
  if (rated && total > 0 && done < total) {
    const double left = static_cast<double>(total - done) * elapsed / static_cast<double>(done_since_start);
    s += std::string(" · ETA ") + (budget ? "≤ " : "") + format_duration(left);
  }
  return s;
}

void Progress::update(const std::string& task, long done, long total, const std::string& unit,
                      const std::string& detail, bool budget) {
  if (mode_ == Mode::Off) return;
  std::lock_guard<std::mutex> lock(mu_);
  update_locked(task, done, total, unit, detail, budget);
}

void Progress::update_locked(const std::string& task, long done, long total, const std::string& unit,
                             const std::string& detail, bool budget) {
  const double t = now();
  const bool fresh = task != task_;
  if (fresh) {
    task_ = task;
    task_start_ = t;
    task_done0_ = done;
  }
  have_last_ = true;
  last_done_ = done;
  last_total_ = total;
  last_unit_ = unit;
  last_detail_ = detail;
  last_budget_ = budget;
  const double since = t - last_shown_;
  if (mode_ == Mode::Terminal) {
    if (!fresh && since < kTerminalRedraw) return;
  } else if (!fresh && since < plain_interval_) {
    return;
  }
  show_locked(t);
}

void Progress::show_locked(double t) {
  last_shown_ = t;
  const std::string line = format_line(task_, last_done_, last_total_, last_unit_, last_detail_, t - task_start_,
                                       last_done_ - task_done0_, last_budget_);
  if (mode_ == Mode::Terminal) {
    os_ << "\r\033[K" << cut(line, width_) << std::flush;
    line_drawn_ = true;
  } else {
    os_ << line << "\n" << std::flush;
  }
}

void Progress::clear_locked() {
  if (line_drawn_) os_ << "\r\033[K" << std::flush;
  line_drawn_ = false;
}

void Progress::note(const std::string& line) {
  if (mode_ == Mode::Off) return;
  std::lock_guard<std::mutex> lock(mu_);
  clear_locked();
  os_ << line << "\n" << std::flush;
  if (mode_ == Mode::Terminal) last_shown_ = -1e300;  // redraw the live line at the next update
}

void Progress::end() {
  if (mode_ == Mode::Off) return;
  std::lock_guard<std::mutex> lock(mu_);
  have_last_ = false;  // nothing to re-show until the next update
  if (mode_ != Mode::Terminal) return;
  clear_locked();
  last_shown_ = -1e300;
}

void Progress::handle(const ProgressEvent& e) {
  switch (e.kind) {
    case ProgressEvent::Kind::Update: update(e.task, e.done, e.total, e.unit, e.detail, e.budget); break;
    case ProgressEvent::Kind::Note: note(e.task); break;
    case ProgressEvent::Kind::End: end(); break;
  }
}

ProgressFn Progress::fn() {
  if (mode_ == Mode::Off) return {};
  return [this](const ProgressEvent& e) { handle(e); };
}

CLI::Option* add_quiet_flag(CLI::App& app, bool& quiet) {
  return app.add_flag("--quiet,-q", quiet,
                      "no progress on stderr (shown there only; stdout is the same either way)");
}

}  // namespace villani::cli
