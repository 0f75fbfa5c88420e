// End-to-end runs through the villani executable: SGLD records and compare, SIGINT + --resume
// keeps every recorded step exactly once, PAC-Bayes bounds above the measured test error, and
// bad input exits 2.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "experiments/run_record.hpp"
#include "tests/support/text_files.hpp"

namespace fs = std::filesystem;
using villani::experiments::RunRecord;
using villani::testing::count_lines;

namespace {
std::string tmpdir(const std::string& name) {
  const std::string d = std::string(VILLANI_TEST_TMP) + "/experiments_cli_" + name;
  fs::remove_all(d);
  return d;
}
int sh(const std::string& cmd, std::string* out = nullptr) {
  // Per process: ctest runs this file's cases in parallel.
  const std::string file = std::string(VILLANI_TEST_TMP) + "/experiments_cli_out." + std::to_string(::getpid()) + ".txt";
  const std::string full = cmd + " > " + file + " 2>&1";
  const int rc = std::system(full.c_str());
  if (out) {
    std::ifstream f(file);
    std::stringstream ss;
    ss << f.rdbuf();
    *out = ss.str();
  }
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}
}  // namespace

TEST_CASE("villani run sgld writes records and villani compare reads them", "[cli][runs]") {
  const auto d = tmpdir("sgld");
  std::string out;
  REQUIRE(sh(std::string(VILLANI_EXE) + " run sgld --preset tiny --lambda 1 --steps 300 --train-sequences 8 --quick --out " + d, &out) == 0);
  const auto R = RunRecord::load(d + "/lambda=1");
  REQUIRE(R.contains("summary"));
  CHECK(R["summary"]["complete"].get<bool>());
  CHECK(R["metrics"].size() == 301);
  CHECK(R["config"]["kind"] == "sgld");
  CHECK(R.contains("hardware"));
  REQUIRE(sh(std::string(VILLANI_EXE) + " compare " + d, &out) == 0);
  INFO(out);
  CHECK(out.find("SGLD relaxation") != std::string::npos);
  CHECK(out.find("consistent") != std::string::npos);
  CHECK(fs::exists(d + "/compare/compare.json"));
  CHECK(fs::exists(d + "/compare/sgld_norm2.gp"));
}

TEST_CASE("SIGINT then --resume records every step exactly once", "[cli][runs]") {
  const auto d = tmpdir("resume");
  const std::string args = " run sgld --preset tiny --lambda 0.5 --steps 1000 --record-every 2 --train-sequences 4 --quick --out " + d;
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);
    execl(VILLANI_EXE, VILLANI_EXE, "run", "sgld", "--preset", "tiny", "--lambda", "0.5", "--steps", "1000",
          "--record-every", "2", "--train-sequences", "4", "--quick", "--out", d.c_str(), (char*)nullptr);
    _exit(127);
  }
  const std::string met = d + "/lambda=0.5/metrics.jsonl";
  for (int i = 0; i < 600 && count_lines(met) < 40; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  const std::size_t before = count_lines(met);
  CHECK(before >= 40);
  CHECK(before < 501);
  std::string out;
  REQUIRE(sh(std::string(VILLANI_EXE) + args + " --resume", &out) == 0);
  const auto R = RunRecord::load(d + "/lambda=0.5");
  std::vector<long> steps;
  for (const auto& m : R["metrics"]) steps.push_back(m["step"].get<long>());
  REQUIRE(steps.size() == 501);  // 0, 2, …, 1000
  for (std::size_t i = 0; i < steps.size(); ++i) CHECK(steps[i] == static_cast<long>(2 * i));
  CHECK(R["summary"]["complete"].get<bool>());
  // A second --resume has nothing left to do and changes nothing.
  REQUIRE(sh(std::string(VILLANI_EXE) + args + " --resume", &out) == 0);
  CHECK(count_lines(met) == 501);
  // Without --resume the directory is refused.
  CHECK(sh(std::string(VILLANI_EXE) + args, &out) == 2);
}

TEST_CASE("PAC-Bayes certificates: every certificate is at least the measured test error", "[cli][runs][pacbayes]") {
  // Bigram posterior with a data-dependent prior on the synthetic language (i.i.d. sequences),
  // one λ that tightens and one that does not; a bound below the test error is a bug (or a
  // δ-event, probability ≤ 0.05 in all).
  const auto d = tmpdir("pb");
  std::string out;
  REQUIRE(sh(std::string(VILLANI_EXE) + " run pacbayes --lambda 1e-3,1 --quick --train-sequences 6000 --test-sequences 4000 --samples 2 --out " + d, &out) == 0);
  for (const char* l : {"lambda=1e-3", "lambda=1"}) {
    const auto R = RunRecord::load(d + "/" + l);
    const auto& S = R["summary"];
    INFO(l << " " << S.dump());
    CHECK(S["n_bound"].get<long>() + S["n_prior"].get<long>() == R["config"]["train_sequences"].get<long>());
    for (const char* loss : {"zero_one", "clipped_ce"}) {
      const auto& b = S[loss];
      CHECK(b["certificate"].get<double>() >= b["test_risk_Q"].get<double>());
      CHECK(b["certificate"].get<double>() >= b["train_risk_upper"].get<double>());
      CHECK(b["train_risk_upper"].get<double>() >= b["train_risk_mc"].get<double>());
      CHECK(b["mcallester"].get<double>() >= b["seeger"].get<double>() - 1e-12);
      CHECK(b["certificate"].get<double>() <= 1.0);
    }
    // The posterior's 0–1 error cannot beat the Bayes predictor of the language.
    CHECK(S["zero_one"]["test_risk_Q"].get<double>() >= S["bayes_error"].get<double>() - 0.02);
  }
  // At λ = 1e-3 (prior variance s/λ = 0.1) the certificate is non-vacuous and beats the
  // constant predictor.
  const auto S = RunRecord::load(d + "/lambda=1e-3")["summary"];
  CHECK(S["zero_one"]["certificate"].get<double>() < S["constant_predictor_test_error"].get<double>());
  REQUIRE(sh(std::string(VILLANI_EXE) + " compare " + d + " --out " + d + "/plots", &out) == 0);
  CHECK(out.find("PAC-Bayes") != std::string::npos);
  CHECK(out.find("certificate") != std::string::npos);
  CHECK(fs::exists(d + "/plots/pacbayes.dat"));
  if (std::system("command -v gnuplot > /dev/null 2>&1") == 0) CHECK(fs::exists(d + "/plots/pacbayes.svg"));
}

TEST_CASE("bad input to villani run and compare exits 2 naming the argument", "[cli][runs]") {
  std::string out;
  CHECK(sh(std::string(VILLANI_EXE) + " run sgld --lambda -1 --out " + tmpdir("bad1"), &out) == 2);
  CHECK(out.find("--lambda") != std::string::npos);
  CHECK(sh(std::string(VILLANI_EXE) + " run sgld --preset huge --out " + tmpdir("bad2"), &out) == 2);
  CHECK(out.find("--preset") != std::string::npos);
  CHECK(sh(std::string(VILLANI_EXE) + " run sgld --data ptb:/nonexistent --out " + tmpdir("bad3"), &out) == 2);
  CHECK(out.find("--data") != std::string::npos);
  CHECK(sh(std::string(VILLANI_EXE) + " compare /nonexistent-dir", &out) == 2);
  CHECK(sh(std::string(VILLANI_EXE) + " run spectrum --device gpu --out " + tmpdir("bad4"), &out) == 2);
  CHECK(out.find("--device") != std::string::npos);
}
