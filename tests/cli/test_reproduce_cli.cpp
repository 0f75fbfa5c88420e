#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

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
  CHECK(std::filesystem::exists(dir + "/report.md"));
  std::ifstream f(dir + "/report.json");
  CHECK(json::parse(f)["claims"].size() == j["claims"].size());
}
