// Data-parallel runs on c10d (issue 17): two local ranks over loopback (villani launch) against
// one process on the example TorchScript LM, the token file split between the ranks. Loss,
// ‖∇F‖, the exact trace, XTrace with one seed, the top-3 eigenvalues, and all of these after 50
// gradient-descent steps (--descend: one all-reduced gradient per step) agree to 1e-12; bad input
// exits 2 on every rank with the same message; a rank killed mid-run makes the other exit non-zero
// with a message naming it, well within 60 s.
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "experiments/example_models.hpp"
#include "numerics/torch/c10d_communicator.hpp"

#include <catch2/catch.hpp>

namespace fs = std::filesystem;
using namespace villani;
using nlohmann::json;

namespace {

std::string slurp(const std::string& f) {
  std::ifstream in(f);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

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
  const std::string msg = "bad input: --tokens: holds 1 sequence(s), fewer than the 2 ranks";
  const auto first = r.err.find(msg);
  REQUIRE(first != std::string::npos);
  CHECK(r.err.find(msg, first + 1) != std::string::npos);  // both ranks said it
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
  auto start = [&](int rank, const std::string& err) {
    const pid_t p = ::fork();
    if (p == 0) {
      ::setenv("RANK", std::to_string(rank).c_str(), 1);
      ::setenv("WORLD_SIZE", "2", 1);
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", port.c_str(), 1);
      ::setenv("VILLANI_DIST_TIMEOUT", "20", 1);
      if (!std::freopen(err.c_str(), "w", stderr) || !std::freopen("/dev/null", "w", stdout)) std::_Exit(99);
      // Practically endless: a million Hutchinson probes.
      ::execl(VILLANI_EXE, VILLANI_EXE, "hessian", "--model", m.pt.c_str(), "--tokens", m.tokens.c_str(), "--lambda",
              "0", "--trace", "hutchinson", "--trace-matvecs", "1000000", "--top", "0", "-q", nullptr);
      std::_Exit(98);
    }
    return p;
  };
  const pid_t r0 = start(0, err0);
  const pid_t r1 = start(1, std::string(VILLANI_TEST_TMP) + "/dist_kill_rank1.err");
  std::this_thread::sleep_for(std::chrono::seconds(8));  // both loaded, joined and in their HVP loop
  int st = 0;
  REQUIRE(::waitpid(r0, &st, WNOHANG) == 0);  // rank 0 still running
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
    FAIL("rank 0 did not exit within 60 s of rank 1's death");
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string err = slurp(err0);
  INFO(err);
  CHECK(WIFEXITED(st));
  CHECK(WEXITSTATUS(st) != 0);
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
