#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_run.hpp"

using nlohmann::json;

TEST_CASE("check logistic at λ = 0.1: four criteria hold, growth near λ²/s", "[cli][check]") {
  const auto r = run_villani("check --model logistic --lambda 0.1 --directions 8 --format json", "check1");
  REQUIRE(r.code == 0);
  const json j = json::parse(r.out);
  for (const char* k : {"smoothness", "coercivity", "integrability", "growth"}) CHECK(j["criteria"][k]["verdict"] == "holds");
  CHECK(std::abs(j["growth"]["exponent"].get<double>() - 2) < 0.1);
  CHECK(j["growth"]["coefficient"].get<double>() == Approx(0.01).epsilon(0.1));
  CHECK(j["growth"]["predicted_coefficient"].get<double>() == Approx(0.01));
}

TEST_CASE("check mlp-relu: smoothness fails naming relu, the rest reported", "[cli][check]") {
  const auto r = run_villani("check --model mlp-relu --lambda 0.1 --directions 4 --probes 2 --format json", "check2");
  REQUIRE(r.code == 0);
  const json j = json::parse(r.out);
  CHECK(j["criteria"]["smoothness"]["verdict"] == "fails");
  CHECK(j["criteria"]["smoothness"]["evidence"].get<std::string>().find("relu") != std::string::npos);
  CHECK(j["criteria"]["growth"].contains("verdict"));
  CHECK(j["growth"]["shells"].size() == 10);
}

TEST_CASE("check bad input exits 2 naming the argument", "[cli][check]") {
  CHECK(run_villani("check --model logistic --lambda 0", "check3").code == 2);
  CHECK(run_villani("check --model logistic --lambda -1", "check3").code == 2);
  CHECK(run_villani("check --model nosuchmodel --lambda 0.1", "check3").code == 2);
  const std::string bad = std::string(VILLANI_TEST_TMP) + "/bad_spec.json";
  std::ofstream(bad) << "{\"kind\": \"mlp\", ";
  const auto r = run_villani("check --model " + bad + " --lambda 0.1", "check4");
  CHECK(r.code == 2);
  CHECK(r.err.find("--model") != std::string::npos);
  CHECK(run_villani("check --model logistic --lambda 0.1 --radii -3", "check5").code == 2);
}

TEST_CASE("check --out writes json, markdown and the gnuplot SVG", "[cli][check]") {
  const std::string dir = std::string(VILLANI_TEST_TMP) + "/check_out";
  std::filesystem::remove_all(dir);
  const auto r = run_villani("check --model logistic --lambda 0.1 --directions 4 --probes 1 --out " + dir, "check6");
  REQUIRE(r.code == 0);
  CHECK(std::filesystem::exists(dir + "/check.json"));
  CHECK(std::filesystem::exists(dir + "/check.md"));
  CHECK(std::filesystem::exists(dir + "/psi.gp"));
  CHECK(std::filesystem::exists(dir + "/psi.svg"));
}
