#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <map>
#include <set>
#include <sys/wait.h>

#include "cli_run.hpp"

using nlohmann::json;

TEST_CASE("reproduce --format json: every claim has a computed verdict", "[cli][reproduce]") {
  const std::string dir = std::string(VILLANI_TEST_TMP) + "/reproduce_out";
  std::filesystem::remove_all(dir);
  const auto r = run_villani("reproduce --format json --out " + dir, "reproduce");
  INFO(r.err);
  REQUIRE(r.code == 0);
  const json j = json::parse(r.out);
  REQUIRE(j.at("claims").is_array());
  REQUIRE_FALSE(j["claims"].empty());
  const std::set<std::string> verdicts{"holds", "violated", "inconclusive", "not-applicable"};
  std::set<std::string> ids;
  for (const auto& c : j["claims"]) {
    for (const char* k : {"id", "statement", "source", "verdict", "evidence", "command"})
      CHECK(c.contains(k));
    CHECK(verdicts.count(c["verdict"].get<std::string>()) == 1);
    CHECK_FALSE(c["evidence"].get<std::string>().empty());
    CHECK(ids.insert(c["id"].get<std::string>()).second);  // ids unique
  }
  // The temperature claim is decided by the exact Gaussian case: the bound ignores s, so it
  // must fail for large s.
  bool found = false;
  for (const auto& c : j["claims"])
    if (c["id"] == "cls-bound-temperature") {
      found = true;
      CHECK(c["verdict"] == "violated");
    }
  CHECK(found);
  // The landscape claims are decided by the Villani criteria on the reference models: the
  // ReLU net is not C^∞ (the audit names relu), the smooth ones are, and the fitted Ψ_s
  // exponent along the shared directions is 2 ± 0.1 on every smooth model.
  std::map<std::string, json> by_id;
  for (const auto& c : j["claims"]) by_id[c["id"].get<std::string>()] = c;
  for (const char* id : {"cinf-logistic", "cinf-mlp-gelu", "cinf-tiny-transformer", "cinf-mlp-relu",
                         "quadratic-growth", "gaussian-tails", "growth-condition-all-s",
                         "psi-growth-quadratic", "psi-growth-coefficient"})
    CHECK(by_id.count(id) == 1);
  CHECK(by_id["cinf-mlp-relu"]["verdict"] == "violated");
  CHECK(by_id["cinf-mlp-relu"]["evidence"].get<std::string>().find("relu") != std::string::npos);
  CHECK(by_id["cinf-logistic"]["verdict"] == "holds");
  CHECK(by_id["cinf-mlp-gelu"]["verdict"] == "holds");
  CHECK(by_id["psi-growth-quadratic"]["verdict"] == "holds");
  CHECK(std::filesystem::exists(dir + "/report.md"));
  std::ifstream f(dir + "/report.json");
  CHECK(json::parse(f)["claims"].size() == j["claims"].size());
}

#include <csignal>
#include <thread>
#include <unistd.h>

TEST_CASE("reproduce: SIGINT keeps the claims already decided in the --out report",
          "[cli][reproduce]") {
  const std::string dir = std::string(VILLANI_TEST_TMP) + "/reproduce_sigint";
  std::filesystem::remove_all(dir);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::setenv("VILLANI_REPRODUCE_DELAY_MS", "4000", 1);
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execl(VILLANI_EXE, VILLANI_EXE, "reproduce", "--out", dir.c_str(), "--results", "",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait for the first decided claim to reach the report, then interrupt.
  json report;
  for (int i = 0; i < 600; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream f(dir + "/report.json");
    if (!f) continue;
    try {
      report = json::parse(f);
    } catch (...) {
      continue;  // never happens with atomic writes, but do not fail on it
    }
    if (!report["claims"].empty()) break;
  }
  REQUIRE_FALSE(report["claims"].empty());
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  std::ifstream f(dir + "/report.json");
  const json after = json::parse(f);
  CHECK(after["claims"].size() >= report["claims"].size());
  CHECK(after["summary"]["interrupted"] == true);
  for (const auto& c : after["claims"]) CHECK(c.contains("verdict"));
}

TEST_CASE("reproduce includes recorded results labelled with device and date",
          "[cli][reproduce]") {
  const std::string res = std::string(VILLANI_TEST_TMP) + "/recorded";
  std::filesystem::remove_all(res);
  std::filesystem::create_directories(res + "/gpu-run");
  std::filesystem::create_directories(res + "/broken");
  {
    std::ofstream f(res + "/gpu-run/claim.json");
    f << json{{"id", "psi-growth-125m"}, {"statement", "s"}, {"source", "src"},
              {"verdict", "holds"}, {"evidence", "measured"}, {"command", "villani run psi"},
              {"device", "NVIDIA H100"}, {"date", "2026-11-20"}}.dump();
    std::ofstream g(res + "/broken/claim.json");
    g << "{ not json";
  }
  const auto r = run_villani("reproduce --format json --only no-such-claim --results " + res, "recorded");
  REQUIRE(r.code == 0);
  const json j = json::parse(r.out);
  REQUIRE(j["claims"].size() == 2);
  bool gpu = false, broken = false;
  for (const auto& c : j["claims"]) {
    if (c["id"] == "psi-growth-125m@recorded") {
      gpu = true;
      CHECK(c["verdict"] == "holds");
      CHECK(c["evidence"].get<std::string>().find("NVIDIA H100") != std::string::npos);
      CHECK(c["evidence"].get<std::string>().find("2026-11-20") != std::string::npos);
    }
    if (c["id"] == "recorded:broken") {
      broken = true;
      CHECK(c["verdict"] == "inconclusive");
    }
  }
  CHECK(gpu);
  CHECK(broken);
}

TEST_CASE("reproduce decides the Boursier claims in every build, the one without LibTorch included",
          "[cli][reproduce]") {
  // Their checks are Eigen double (experiments/companion/boursier_claims.cpp), so a build without
  // LibTorch registers and decides them. The Cover count is exact on this data: it holds.
  const auto r = run_villani("reproduce --format json --results '' --only boursier-cover-count", "reproduce_cover");
  INFO(r.err);
  REQUIRE(r.code == 0);
  const json j = json::parse(r.out);
  REQUIRE(j.at("claims").size() == 1);
  const json& c = j["claims"][0];
  CHECK(c["id"] == "boursier-cover-count");
  CHECK(c["verdict"] == "holds");
  CHECK(c["command"].get<std::string>().rfind("villani run boursier ", 0) == 0);
  // 2·Σ_{i<d} C(n−1, i) for n = 8, d = 2 and d = 3: 16 and 58; orthogonal n = 8: 2^8.
  bool d2 = false, d3 = false, orth = false;
  for (const auto& row : c["details"]["rows"]) {
    if (row.contains("d") && row["n"] == 8 && row["d"] == 2) d2 = row["sampled"] == 16;
    if (row.contains("d") && row["n"] == 8 && row["d"] == 3) d3 = row["sampled"] == 58;
    if (row.contains("orthogonal") && row["n"] == 8) orth = row["orthogonal"] == 256 && row["planar_arcs"] == 16;
  }
  CHECK(d2);
  CHECK(d3);
  CHECK(orth);
}
