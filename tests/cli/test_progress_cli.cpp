// Progress on stderr (issue 19, cli/progress.hpp): the line format and its throttling with a
// fake clock; and through the executable: live lines under a pseudo-terminal (`script` from
// util-linux) before the command ends, stdout unchanged byte for byte with and without progress,
// plain lines when stderr is a file, --quiet, and bad values of --quiet.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <vector>

#include "cli/progress.hpp"
#include "cli_run.hpp"

using villani::cli::Progress;

namespace {

std::string tmp(const std::string& name) { return std::string(VILLANI_TEST_TMP) + "/progress_" + name; }

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int sh(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

bool have_script() { return sh("command -v script > /dev/null 2>&1") == 0; }

// Runs `villani ARGS` with stdout and stderr on a pseudo-terminal; returns what it printed.
std::string under_pty(const std::string& args, const std::string& tag, int* code = nullptr) {
  const std::string out = tmp(tag + ".pty");
  const int rc = sh("script -qec " + quote(std::string(VILLANI_EXE) + " " + args) + " /dev/null > " + out + " 2>&1");
  if (code) *code = rc;
  return slurp(out);
}

// Lines of a plain (non-terminal) stderr that mention `needle`.
std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
  std::vector<std::string> v;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l.find(needle) != std::string::npos) v.push_back(l);
  return v;
}

// Whether `help_args` lists `name` as one of its entries (an indented line "  name …"; a build
// without LibTorch names the `run` kinds that need it on another line).
bool built(const std::string& help_args, const std::string& name) {
  return run_villani(help_args, "progress_help").out.find("\n  " + name + " ") != std::string::npos;
}

// Drops every "seconds" key (wall times differ from run to run).
void drop_seconds(nlohmann::json& j) {
  if (j.is_object()) {
    j.erase("seconds");
    for (auto& [k, v] : j.items()) drop_seconds(v);
  } else if (j.is_array()) {
    for (auto& v : j) drop_seconds(v);
  }
}

}  // namespace

TEST_CASE("progress: line format, rate and time left", "[cli][progress]") {
  CHECK(Progress::format_duration(7.2) == "7s");
  CHECK(Progress::format_duration(125) == "2m05s");
  CHECK(Progress::format_duration(3720) == "1h02m");
  const std::string l = Progress::format_line("[sgld λ=0.1]", 120, 400, "step", "loss 3.2104", 3.0, 120, false);
  CHECK(l == "[sgld λ=0.1] 120/400 steps (30%) · loss 3.2104 · 40 steps/s · 3s elapsed · ETA 7s");
  // Slow units read as seconds per unit; a budget makes the time left an upper limit.
  CHECK(Progress::format_line("certify", 2, 10, "box", "", 8.0, 2, true) ==
        "certify 2/10 boxes (20%) · 4 s/box · 8s elapsed · ETA ≤ 32s");
  CHECK(Progress::format_line("bench hvp: building the model", 0, 0, "", "", 0.2, 0, false) ==
        "bench hvp: building the model");
}

TEST_CASE("progress: plain lines at most every interval, a new task at once, terminal redraws", "[cli][progress]") {
  double t = 0;
  std::ostringstream os;
  {
    Progress p(Progress::Mode::Plain, os, [&] { return t; }, 5.0);
    for (int k = 0; k <= 100; ++k) {  // 100 steps over 10 s: lines at 0, 5 and 10 s
      t = 0.1 * k;
      p.update("[run]", k, 100, "step");
    }
    t = 10.5;
    p.update("[next]", 0, 10, "step");  // a new task prints at once
    t = 11;
    p.update("[next]", 1, 10, "step");  // then waits for the interval
    p.note("a note stays");
    p.end();
  }
  const std::string s = os.str();
  CHECK(s.find('\r') == std::string::npos);
  CHECK(s.find('\033') == std::string::npos);
  CHECK(lines_with(s, "[run]").size() == 3);
  CHECK(lines_with(s, "[next]").size() == 1);
  CHECK(s.find("[run] 50/100 steps (50%) · 10 steps/s · 5s elapsed · ETA 5s\n") != std::string::npos);
  CHECK(s.find("a note stays\n") != std::string::npos);

  std::ostringstream term;
  {
    Progress p(Progress::Mode::Terminal, term, [&] { return t; }, 5.0, 20);
    t = 0;
    p.update("a task with a long name", 1, 10, "step");
    t = 0.1;
    p.update("a task with a long name", 2, 10, "step");  // within 0.25 s: not drawn
    p.note("kept");
    t = 0.2;
    p.update("a task with a long name", 3, 10, "step");  // after a note: drawn again at once
  }
  const std::string u = term.str();
  // Cut to 20 characters; the note clears the line first; the destructor clears it at the end.
  CHECK(u == "\r\033[Ka task with a long n\r\033[Kkept\n\r\033[Ka task with a long n\r\033[K");

  std::ostringstream off;
  Progress q(Progress::Mode::Off, off);
  CHECK(!q.fn());
  q.update("x", 1, 2, "step");
  q.note("n");
  CHECK(off.str().empty());
}

TEST_CASE("progress: a heartbeat re-shows the last line while one step takes long", "[cli][progress]") {
  std::ostringstream os;
  {
    Progress p(Progress::Mode::Plain, os, {}, 0.3, 0, true);
    p.update("bench hvp: first repetitions (warm-up)", 0, 3, "figure", "measuring gradient");
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    p.end();
    const std::size_t n = lines_with(os.str(), "measuring gradient").size();
    CHECK(n >= 2);  // the update, then at least one beat 0.3 s later
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    CHECK(lines_with(os.str(), "measuring gradient").size() == n);  // silent after end()
  }
}

TEST_CASE("progress: bench hvp and gap --certify draw live lines on a terminal before they end",
          "[cli][progress]") {
  if (!have_script()) {
    WARN("`script` (util-linux) not found: pseudo-terminal test skipped");
    return;
  }
  if (built("bench --help", "hvp")) {
    int code = -1;
    const std::string o = under_pty("bench hvp --quick --preset tiny --device cpu", "hvp", &code);
    INFO(o);
    CHECK(code == 0);
    const auto first = o.find("\r\033[K");
    const auto table = o.find("villani bench hvp");  // the result table on stdout
    REQUIRE(first != std::string::npos);
    REQUIRE(table != std::string::npos);
    CHECK(first < table);
    CHECK(o.find("bench hvp: measuring seconds per value, gradient and HVP of tiny") < table);
    CHECK(o.find("the timed repetitions will take about") < table);
    CHECK(o.find("\r\033[Kbench hvp: timing gradient") < table);
  } else {
    WARN("bench hvp not built (no LibTorch): its part of the test skipped");
  }
  // L = 0, λ = s = 1 in 2-D: Ψ_s = ‖θ‖² − 2 = 2 on the whole inner circle, so no box touching
  // it certifies and the bisection runs on until the box budget.
  int code = -1;
  const std::string o = under_pty(
      "gap --loss 0 --dim 2 --lambda 1 --grid 40 --certify 'psi>=2 on r in [2,3]' --certify-max-boxes 20000", "cert",
      &code);
  INFO(o);
  CHECK(code == 0);
  const auto live = o.find("\r\033[Kcertify ");
  const auto table = o.find("villani gap:");
  REQUIRE(live != std::string::npos);
  REQUIRE(table != std::string::npos);
  CHECK(live < table);
  CHECK(o.find("/20000 boxes") < table);
  CHECK(o.find("decided") < table);
}

TEST_CASE("progress: stdout of --format json is the same with and without progress", "[cli][progress]") {
  // check: deterministic JSON, compared byte for byte; progress on a file (plain), a terminal
  // (when `script` exists) and --quiet.
  const std::string args = "check --model logistic --lambda 0.1 --directions 8 --probes 0 --format json";
  const std::string qf = tmp("q.json"), pf = tmp("p.json"), tf = tmp("t.json");
  REQUIRE(sh(std::string(VILLANI_EXE) + " " + args + " --quiet > " + qf + " 2> " + tmp("q.err")) == 0);
  REQUIRE(sh(std::string(VILLANI_EXE) + " " + args + " > " + pf + " 2> " + tmp("p.err")) == 0);
  const std::string quiet = slurp(qf);
  REQUIRE(!quiet.empty());
  CHECK(slurp(pf) == quiet);
  CHECK(slurp(tmp("q.err")).empty());
  CHECK(slurp(tmp("p.err")).find("check: Ψ on shells") != std::string::npos);
  if (have_script()) {
    // stdout to a file, stderr on the terminal: live lines there, stdout untouched.
    REQUIRE(sh("script -qec " + quote(std::string(VILLANI_EXE) + " " + args + " > " + tf) + " /dev/null > " +
               tmp("t.pty") + " 2>&1") == 0);
    CHECK(slurp(tf) == quiet);
    CHECK(slurp(tmp("t.pty")).find("\r\033[Kcheck: Ψ on shells") != std::string::npos);
  }
  // gap --certify: the same JSON but for its wall times.
  const std::string g = "gap --loss 0 --lambda 1 --grid 400 --format json --certify 'psi>=2.99 on r in [2,5]'";
  const auto a = run_villani(g, "progress_gap_p"), b = run_villani(g + " --quiet", "progress_gap_q");
  REQUIRE(a.code == 0);
  REQUIRE(b.code == 0);
  CHECK(b.err.empty());
  CHECK(a.out.find('\r') == std::string::npos);
  auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
  drop_seconds(ja);
  drop_seconds(jb);
  CHECK(ja == jb);
}

TEST_CASE("progress: a run writes plain progress lines to a non-terminal stderr", "[cli][progress]") {
  if (!built("run --help", "sgld")) {
    WARN("run sgld not built (no LibTorch): test skipped");
    return;
  }
  const std::string d = tmp("run");
  sh("rm -rf " + d);
  const auto r = run_villani("run sgld --preset tiny --lambda 0.5,1 --steps 80 --train-sequences 4 --quick --out " + d,
                             "progress_run");
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.find('\r') == std::string::npos);
  CHECK(r.err.find('\033') == std::string::npos);
  // At least the first line of each λ (a new task prints at once) with step/total and loss.
  for (const char* task : {"[sgld λ=0.5] ", "[sgld λ=1] "}) {
    bool seen = false;
    for (const auto& l : lines_with(r.err, task))
      seen = seen || (l.find("/80 steps") != std::string::npos && l.find("loss ") != std::string::npos);
    CHECK(seen);
  }
  // stdout holds the results only.
  CHECK(r.out.find("[sgld") == std::string::npos);
  CHECK(r.out.find("records: ") != std::string::npos);
  // --quiet: nothing on stderr.
  sh("rm -rf " + d);
  const auto q = run_villani("run sgld --preset tiny --lambda 1 --steps 50 --train-sequences 4 --quick --quiet --out " + d,
                             "progress_runq");
  REQUIRE(q.code == 0);
  CHECK(q.err.empty());
}

TEST_CASE("progress: a bad value of --quiet exits 2 naming it", "[cli][progress]") {
  for (const char* args : {"gap --loss 0 --lambda 1 --quiet=maybe", "check --model logistic --lambda 0.1 --quiet=maybe",
                           "bench gap --quick --quiet=x", "reproduce --only none --quiet=yes-please"}) {
    const auto r = run_villani(args, "progress_bad");
    INFO(args << " -> " << r.err);
    CHECK(r.code == 2);
    CHECK(r.err.find("--quiet") != std::string::npos);
  }
}
