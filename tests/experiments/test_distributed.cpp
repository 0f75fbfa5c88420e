// Data-parallel runs on c10d (issue 17): two local ranks over loopback (villani launch) against
// one process on the example TorchScript LM, the token file split between the ranks. Loss,
// ‖∇F‖, the exact trace, XTrace with one seed, the top-3 eigenvalues, and all of these after 50
// gradient-descent steps (--descend: one all-reduced gradient per step) agree to 1e-12; bad input
// exits 2 on every rank with the same message; a rank killed mid-run makes the other exit non-zero
// with a message naming it, well within 60 s. `villani run sgld|train|psi|spectrum` (the synthetic
// language, GPT-Neo tiny, float64): 2 ranks equal 1 process step for step, rank 0 alone writes the
// record, and a run whose rank 1 was killed continues with --resume to the uninterrupted numbers.
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

#include "experiments/example_models.hpp"
#include "experiments/run_record.hpp"
#include "numerics/torch/c10d_communicator.hpp"
#include "tests/support/text_files.hpp"

#include <catch2/catch.hpp>

namespace fs = std::filesystem;
using namespace villani;
using nlohmann::json;
using villani::testing::count_lines;
using villani::testing::occurrences;
using villani::testing::slurp;

namespace {

struct Sh {
  int code;
  std::string out, err;
};

Sh sh(const std::string& args, const std::string& tag) {
  const std::string o = std::string(VILLANI_TEST_TMP) + "/dist_" + tag + ".out",
                    e = std::string(VILLANI_TEST_TMP) + "/dist_" + tag + ".err";
  const int rc = std::system((std::string(VILLANI_EXE) + " " + args + " > " + o + " 2> " + e).c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(o), slurp(e)};
}

struct Model {
  std::string pt, tokens;
};

Model example_model(int rows) {
  const std::string d = std::string(VILLANI_TEST_TMP) + "/dist_model_" + std::to_string(rows);
  fs::create_directories(d);
  Model m{d + "/lm.pt", d + "/tokens.txt"};
  experiments::write_example_torchscript(m.pt, 3);
  experiments::write_example_tokens(m.tokens, rows, 8, experiments::example_torchscript_vocab(), 5);
  return m;
}

bool close(double a, double b, double rel = 1e-12) { return std::abs(a - b) <= rel * std::max(1.0, std::abs(b)); }

// Forks `villani ARGS...` as rank `rank` of 2 at 127.0.0.1:port (stdout to /dev/null, stderr to err).
pid_t start_rank(int rank, const std::string& port, const std::string& err, const std::vector<std::string>& args) {
  const pid_t p = ::fork();
  if (p == 0) {
    ::setenv("RANK", std::to_string(rank).c_str(), 1);
    ::setenv("WORLD_SIZE", "2", 1);
    ::setenv("MASTER_ADDR", "127.0.0.1", 1);
    ::setenv("MASTER_PORT", port.c_str(), 1);
    ::setenv("VILLANI_DIST_TIMEOUT", "20", 1);
    if (!std::freopen(err.c_str(), "w", stderr) || !std::freopen("/dev/null", "w", stdout)) std::_Exit(99);
    std::vector<char*> argv{const_cast<char*>(VILLANI_EXE)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(VILLANI_EXE, argv.data());
    std::_Exit(98);
  }
  return p;
}

// Kills rank 1 (SIGKILL) and waits for rank 0 to exit; its exit status and the seconds it took.
std::pair<int, double> kill_rank1_and_wait(pid_t r0, pid_t r1) {
  int st = 0;
  ::kill(r1, SIGKILL);
  ::waitpid(r1, &st, 0);
  const auto t0 = std::chrono::steady_clock::now();
  pid_t done = 0;
  while ((done = ::waitpid(r0, &st, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60))
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (done == 0) {
    ::kill(r0, SIGKILL);
    ::waitpid(r0, &st, 0);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {done == 0 ? -1 : st, secs};
}

// The metrics of two records agree step for step on every θ-dependent figure.
void same_metrics(const std::string& a_dir, const std::string& b_dir, double rel) {
  const json a = experiments::RunRecord::load(a_dir), b = experiments::RunRecord::load(b_dir);
  REQUIRE(a["metrics"].size() == b["metrics"].size());
  REQUIRE(!a["metrics"].empty());
  for (std::size_t i = 0; i < a["metrics"].size(); ++i) {
    const json &x = a["metrics"][i], &y = b["metrics"][i];
    INFO("step " << x["step"] << ": " << x.dump() << " vs " << y.dump());
    REQUIRE(x["step"] == y["step"]);
    for (const char* k : {"loss", "F", "norm2", "grad_norm", "test_loss"}) {
      REQUIRE(x.contains(k) == y.contains(k));
      if (x.contains(k)) CHECK(close(y[k], x[k], rel));
    }
  }
}

// One process and 2 ranks (villani launch) on the same command; rank 0 alone prints one document.
void compare_one_and_two(const std::string& opts, const std::string& tag) {
  const Model m = example_model(6);  // 6 sequences: ranks hold 3 and 3
  const std::string base = "hessian --model " + m.pt + " --tokens " + m.tokens + " --format json -q " + opts;
  INFO(opts);
  const Sh one = sh(base, tag + "_one");
  REQUIRE(one.code == 0);
  const Sh two = sh("launch --nproc 2 -- villani " + base, tag + "_two");
  INFO(two.err);
  REQUIRE(two.code == 0);
  const json a = json::parse(one.out), b = json::parse(two.out);
  CHECK(close(b["point"]["loss"], a["point"]["loss"]));
  CHECK(close(b["point"]["objective"], a["point"]["objective"]));
  CHECK(close(b["point"]["grad_norm"], a["point"]["grad_norm"]));
  CHECK(close(b["point"]["theta_norm"], a["point"]["theta_norm"]));
  CHECK(b["distributed"]["ranks"] == 2);
  CHECK(!a.contains("distributed"));
  if (a.contains("trace")) {
    CHECK(close(b["trace"]["value"], a["trace"]["value"]));
    CHECK(close(b["trace"]["standard_error"], a["trace"]["standard_error"], 1e-10));
    CHECK(b["trace"]["cost"]["hvps"] == a["trace"]["cost"]["hvps"]);
  }
  if (a.contains("top")) {
    REQUIRE(b["top"]["values"].size() == 3);
    for (int i = 0; i < 3; ++i) CHECK(close(b["top"]["values"][i], a["top"]["values"][i]));
  }
}

}  // namespace

#define VILLANI_NEED_C10D()                                            \
  if (!numerics::torch_adapter::c10d_available()) {                    \
    WARN("built without c10d Gloo (libgloo-dev): nothing to test");    \
    return;                                                            \
  }

// [long]: the exact trace is d = 4,560 HVPs per run, ~30 s each on a busy 2-core machine. The
// Torch-free test "distributed objective: 3 thread ranks …" (test_numerics) checks the exact
// trace over ranks in the default run.
TEST_CASE("distributed: 2 ranks over loopback equal 1 process: loss, gradient, exact trace, top-3",
          "[distributed][cli][long]") {
  VILLANI_NEED_C10D();
  compare_one_and_two("--lambda 0.01 --trace exact --top 3", "exact");
}

TEST_CASE("distributed: 2 ranks over loopback equal 1 process: XTrace with the same seed", "[distributed][cli]") {
  VILLANI_NEED_C10D();
  compare_one_and_two("--lambda 0.01 --trace xtrace --trace-matvecs 48 --seed 7 --top 0", "xtrace");
}

// The 50 steps use λ = 1: the path then settles into a minimum of F, where gradient descent
// contracts. (With λ = 0.01 and η = 0.5 it wanders along negative curvature, λ_min(∇²L) ≈ −36 at
// these weights, which amplifies any change of summation order to ~1e-11 after 50 steps, split or
// not.)
TEST_CASE("distributed: 2 ranks over loopback equal 1 process after 50 gradient-descent steps",
          "[distributed][cli]") {
  VILLANI_NEED_C10D();
  compare_one_and_two("--lambda 1 --descend 50 --descend-lr 0.2 --trace none --top 3", "descend");
}

TEST_CASE("distributed: bad input exits 2 on every rank with the same message", "[distributed][cli]") {
  VILLANI_NEED_C10D();
  const Model m = example_model(1);  // one sequence cannot be split between 2 ranks
  const Sh r = sh("launch --nproc 2 -- villani hessian --model " + m.pt + " --tokens " + m.tokens +
                      " --lambda 0 --trace none --top 1 -q",
                  "bad");
  CHECK(r.code == 2);
  INFO(r.err);
  CHECK(occurrences(r.err, "bad input: --tokens: holds 1 sequence(s), fewer than the 2 ranks") == 2);  // both ranks
  const Sh p = sh("launch --nproc 2 -- villani hessian --model logistic --lambda 0.1 -q", "preset");
  CHECK(p.code == 2);
  CHECK(p.err.find("no token file to shard") != std::string::npos);
}

TEST_CASE("distributed: a rank killed mid-run makes the other exit non-zero naming it, within 60 s",
          "[distributed][cli]") {
  VILLANI_NEED_C10D();
  const Model m = example_model(6);
  const std::string port = std::to_string(20000 + ::getpid() % 20000);
  const std::string err0 = std::string(VILLANI_TEST_TMP) + "/dist_kill_rank0.err";
  // Practically endless: a million Hutchinson probes.
  const std::vector<std::string> args{"hessian", "--model", m.pt, "--tokens", m.tokens, "--lambda", "0", "--trace",
                                      "hutchinson", "--trace-matvecs", "1000000", "--top", "0", "-q"};
  const pid_t r0 = start_rank(0, port, err0, args);
  const pid_t r1 = start_rank(1, port, std::string(VILLANI_TEST_TMP) + "/dist_kill_rank1.err", args);
  std::this_thread::sleep_for(std::chrono::seconds(8));  // both loaded, joined and in their HVP loop
  int st = 0;
  REQUIRE(::waitpid(r0, &st, WNOHANG) == 0);  // rank 0 still running
  const auto [status, secs] = kill_rank1_and_wait(r0, r1);
  if (status == -1) FAIL("rank 0 did not exit within 60 s of rank 1's death");
  const std::string err = slurp(err0);
  INFO(err);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) != 0);
  CHECK(err.find("lost rank 1") != std::string::npos);
  CHECK(secs < 60);
}

TEST_CASE("distributed: bench hessian --nproc 2 reports per-HVP times and the communication share",
          "[distributed][cli]") {
  VILLANI_NEED_C10D();
  const Sh r = sh("bench hessian --nproc 2 --quick --format json -q", "bench");
  INFO(r.err);
  REQUIRE(r.code == 0);
  const json f = json::parse(r.out)["figures"];
  CHECK(f["nproc"] == 2);
  CHECK(f["hvp_seconds_one_process"].get<double>() > 0);
  CHECK(f["hvp_seconds_data_parallel"].get<double>() > 0);
  CHECK(f["hvp_seconds_split_probes"].get<double>() > 0);
  CHECK(f["comm_share"].get<double>() > 0);
  CHECK(f["comm_share"].get<double>() < 1);
  CHECK(f["trace_rel_difference"].get<double>() <= 1e-12);  // same probes, data split: equal traces
  const Sh bad = sh("bench gap --nproc 2 -q", "bench_bad");
  CHECK(bad.code == 2);
  CHECK(bad.err.find("--nproc") != std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// villani run sgld|train|psi|spectrum data-parallel.

namespace {

// 6 training sequences of the synthetic language (ranks hold 3 and 3), float64, 50 steps.
const std::string kRunData = " --preset tiny --train-sequences 6 --test-sequences 4 --seq 16 --dtype float64 -q";

// One process and 2 ranks on the same command; the records' metrics agree; rank 0 alone prints.
void compare_runs(const std::string& kind, const std::string& opts, const std::string& tag) {
  const std::string d1 = std::string(VILLANI_TEST_TMP) + "/dist_run_" + tag + "_one",
                    d2 = std::string(VILLANI_TEST_TMP) + "/dist_run_" + tag + "_two";
  fs::remove_all(d1);
  fs::remove_all(d2);
  const std::string base = "run " + kind + kRunData + " " + opts;
  INFO(base);
  const Sh one = sh(base + " --out " + d1, tag + "_one");
  INFO(one.err);
  REQUIRE(one.code == 0);
  const Sh two = sh("launch --nproc 2 -- villani " + base + " --out " + d2, tag + "_two");
  INFO(two.err);
  REQUIRE(two.code == 0);
  CHECK(one.out.find("records: ") != std::string::npos);
  // Rank 0 alone prints: the one-process output once, the same lines from two ranks once too.
  CHECK(two.out.find("records: ") == two.out.rfind("records: "));
  CHECK(two.out.find("records: ") != std::string::npos);
  const std::string sub = kind == "spectrum" ? "" : "/lambda=1";
  same_metrics(d1 + sub, d2 + sub, 1e-12);
  const json a = experiments::RunRecord::load(d1 + sub), b = experiments::RunRecord::load(d2 + sub);
  CHECK(b["config"]["ranks"] == 2);
  CHECK(a["config"]["train_sequences"] == 6);
  CHECK(b["config"]["train_sequences"] == 6);  // the whole set, not the shard
  CHECK(b["summary"]["complete"] == true);
  if (kind == "sgld" || kind == "train") {
    CHECK(close(b["summary"]["test_ce"], a["summary"]["test_ce"]));
    CHECK(b["metrics"].size() == 51);
  }
  if (kind == "sgld") {  // Lanczos over the all-reduced HVPs: the same Ritz values
    CHECK(close(b["summary"]["hessian_L"]["top"], a["summary"]["hessian_L"]["top"], 1e-9));
  }
  if (kind == "psi")  // ΔL: a mean of Hutchinson terms of both signs, so its own rounding is larger
    for (std::size_t i = 0; i < a["metrics"].size(); ++i) {
      CHECK(close(b["metrics"][i]["lap_L"], a["metrics"][i]["lap_L"], 1e-11));
      CHECK(close(b["metrics"][i]["psi_s"], a["metrics"][i]["psi_s"]));
      CHECK(close(b["metrics"][i]["grad_F_norm2"], a["metrics"][i]["grad_F_norm2"]));
    }
  if (kind == "spectrum") {
    CHECK(close(b["metrics"][0]["top_L"], a["metrics"][0]["top_L"], 1e-9));
    CHECK(close(b["metrics"][0]["top_F"], a["metrics"][0]["top_F"], 1e-9));
    CHECK(close(b["metrics"][0]["loss_L"], a["metrics"][0]["loss_L"]));
  }
}

}  // namespace

// λ = 1 and η = 0.05: the path contracts (as in the --descend test above), so the rounding of
// the split sums (~1e-16) stays far below 1e-12 after 50 steps.
TEST_CASE("distributed: run sgld with 2 ranks equals 1 process over 50 float64 steps", "[distributed][cli][runs]") {
  VILLANI_NEED_C10D();
  compare_runs("sgld", "--lambda 1 --lr 0.05 --steps 50 --record-every 1 --temperature 1e-4 --seed 3", "sgld");
}

// Minibatches of 4 of the 6 sequences, 2 accumulated: each rank takes the batch's sequences that
// it holds, weighted by their share of the batch.
TEST_CASE("distributed: run train (AdamW, minibatches) with 2 ranks equals 1 process over 50 float64 steps",
          "[distributed][cli][runs]") {
  VILLANI_NEED_C10D();
  compare_runs("train", "--optimizer adamw --lambda 1 --lr 1e-3 --steps 50 --record-every 1 --batch 4 --accum 2",
               "train");
}

// [long]: psi's 12 points and spectrum's 150 HVPs, ~50 s for both on a busy 2-core machine.
TEST_CASE("distributed: run psi and run spectrum with 2 ranks equal 1 process", "[distributed][cli][runs][long]") {
  VILLANI_NEED_C10D();
  compare_runs("psi", "--lambda 1 --temperature 0.1 --quick", "psi");
  compare_runs("spectrum", "--lambda 1 --quick", "spectrum");
}

TEST_CASE("distributed: run pacbayes refuses WORLD_SIZE > 1, run sgld refuses fewer sequences than ranks",
          "[distributed][cli][runs]") {
  VILLANI_NEED_C10D();
  const std::string d = std::string(VILLANI_TEST_TMP) + "/dist_run_bad";
  fs::remove_all(d);
  const Sh p = sh("launch --nproc 2 -- villani run pacbayes --quick -q --out " + d, "run_pb");
  CHECK(p.code == 2);
  CHECK(p.err.find("WORLD_SIZE: is 2: run pacbayes does not run data-parallel") != std::string::npos);
  const Sh r = sh("launch --nproc 2 -- villani run sgld --preset tiny --train-sequences 1 --steps 2 -q --out " + d,
                  "run_one_seq");
  CHECK(r.code == 2);
  INFO(r.err);
  CHECK(occurrences(r.err, "bad input: --train-sequences: holds 1 sequence(s), fewer than the 2 ranks") == 2);
  CHECK(!fs::exists(d + "/lambda=0.01/metrics.jsonl"));
}

// Rank 1 killed after the checkpoint at step 40: rank 0 exits non-zero naming it; --resume (as
// 2 ranks) continues from that checkpoint, and the completed record equals an uninterrupted
// one-process run step for step (checkpoints hold θ exactly; steps are seeded by their index).
TEST_CASE("distributed: run sgld with a rank killed mid-run exits naming it, and --resume completes it",
          "[distributed][cli][runs]") {
  VILLANI_NEED_C10D();
  const std::string d = std::string(VILLANI_TEST_TMP) + "/dist_run_kill",
                    ref = std::string(VILLANI_TEST_TMP) + "/dist_run_kill_ref";
  fs::remove_all(d);
  fs::remove_all(ref);
  const std::string opts = kRunData + " --lambda 1 --lr 0.05 --steps 100 --record-every 1 --seed 5";
  std::vector<std::string> args{"run", "sgld"};
  {
    std::istringstream in(opts + " --out " + d);
    for (std::string w; in >> w;) args.push_back(w);
  }
  const std::string port = std::to_string(20000 + (::getpid() + 7) % 20000);
  const std::string err0 = std::string(VILLANI_TEST_TMP) + "/dist_run_kill_rank0.err";
  const pid_t r0 = start_rank(0, port, err0, args);
  const pid_t r1 = start_rank(1, port, std::string(VILLANI_TEST_TMP) + "/dist_run_kill_rank1.err", args);
  const std::string met = d + "/lambda=1/metrics.jsonl";
  for (int i = 0; i < 3000 && count_lines(met) < 45; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  int st = 0;
  REQUIRE(::waitpid(r0, &st, WNOHANG) == 0);  // rank 0 still running
  const auto [status, secs] = kill_rank1_and_wait(r0, r1);
  const std::string err = slurp(err0);
  INFO(err);
  REQUIRE(status != -1);  // rank 0 exited within 60 s
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 4);
  CHECK(err.find("lost rank 1") != std::string::npos);
  CHECK(secs < 60);
  const std::size_t before = count_lines(met);
  CHECK(before >= 45);
  CHECK(before < 101);
  CHECK(fs::exists(d + "/lambda=1/checkpoint.pt"));
  // --resume as 2 ranks continues from the checkpoint; the record then equals one uninterrupted
  // process's.
  const Sh res = sh("launch --nproc 2 -- villani run sgld" + opts + " --out " + d + " --resume", "run_kill_resume");
  INFO(res.err);
  REQUIRE(res.code == 0);
  CHECK(res.err.find("replaying from step 0") == std::string::npos);  // continued from the checkpoint
  const Sh one = sh("run sgld" + opts + " --out " + ref, "run_kill_ref");
  REQUIRE(one.code == 0);
  same_metrics(ref + "/lambda=1", d + "/lambda=1", 1e-12);
  CHECK(experiments::RunRecord::load(d + "/lambda=1")["summary"]["complete"] == true);
}

// Ctrl-C under villani launch (here: SIGINT to the launcher alone, which passes it on): the ranks
// agree through the step's all-reduce, stop at the same step, rank 0 checkpoints, exit 130; a
// one-process --resume completes the record with every step exactly once.
TEST_CASE("distributed: SIGINT to villani launch stops the ranks together and --resume completes the run",
          "[distributed][cli][runs]") {
  VILLANI_NEED_C10D();
  const std::string d = std::string(VILLANI_TEST_TMP) + "/dist_run_sigint";
  fs::remove_all(d);
  const std::string opts = kRunData + " --lambda 1 --lr 0.05 --steps 150 --record-every 1 --seed 5";
  std::vector<std::string> args{"launch", "--nproc", "2", "--", "villani", "run", "sgld"};
  {
    std::istringstream in(opts + " --out " + d);
    for (std::string w; in >> w;) args.push_back(w);
  }
  const pid_t p = ::fork();
  if (p == 0) {
    const std::string err = std::string(VILLANI_TEST_TMP) + "/dist_run_sigint.err";
    if (!std::freopen("/dev/null", "w", stdout) || !std::freopen(err.c_str(), "w", stderr)) std::_Exit(99);
    std::vector<char*> argv{const_cast<char*>(VILLANI_EXE)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(VILLANI_EXE, argv.data());
    std::_Exit(98);
  }
  const std::string met = d + "/lambda=1/metrics.jsonl";
  for (int i = 0; i < 3000 && count_lines(met) < 25; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ::kill(p, SIGINT);
  int st = 0;
  ::waitpid(p, &st, 0);
  REQUIRE(WIFEXITED(st));
  CHECK(WEXITSTATUS(st) == 130);
  const std::size_t before = count_lines(met);
  CHECK(before >= 25);
  CHECK(before < 151);
  const Sh res = sh("run sgld" + opts + " --out " + d + " --resume", "run_sigint_resume");
  INFO(res.err);
  REQUIRE(res.code == 0);
  CHECK(res.err.find("replaying from step 0") == std::string::npos);
  const json R = experiments::RunRecord::load(d + "/lambda=1");
  REQUIRE(R["metrics"].size() == 151);
  for (std::size_t i = 0; i < R["metrics"].size(); ++i) CHECK(R["metrics"][i]["step"] == static_cast<long>(i));
  CHECK(R["summary"]["complete"] == true);
}
