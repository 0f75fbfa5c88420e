#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_run.hpp"

using nlohmann::json;

TEST_CASE("gap: L = 0 gives s/λ; the double-well-like loss refutes the claim", "[cli]") {
  auto r = run_villani("gap --loss 0 --lambda 0.5 --temperature 2 --format json", "gap0");
  REQUIRE(r.code == 0);
  json j = json::parse(r.out);
  CHECK(j["poincare"]["value"].get<double>() == Approx(4.0).epsilon(1e-6));
  CHECK(j["gaussian_reference"]["value"].get<double>() == Approx(4.0));
  CHECK(j["muckenhoupt"]["contains_poincare"] == true);
  CHECK(j["bakry_emery"]["applies"] == true);
  r = run_villani("gap --loss '10*exp(-t^2/2)' --lambda 1 --format json --show-derivation", "gap1");
  REQUIRE(r.code == 0);
  j = json::parse(r.out);
  CHECK(j["poincare"]["value"].get<double>() == Approx(437.8).epsilon(2e-4));
  CHECK(j["claims"]["paper_c_ls_bound"]["value"].get<double>() == 2.0);
  CHECK(j["claims"]["paper_c_ls_bound"]["violated"] == true);
  CHECK(j["bakry_emery"]["applies"] == false);
  CHECK(j.contains("derivation"));
}

TEST_CASE("gap: bad input exits 2 naming the argument", "[cli]") {
  struct Case { const char* args; const char* names; };
  for (const Case c : {Case{"gap --loss 'exp(t' --lambda 1", "--loss"},
                       Case{"gap --loss 't+x' --lambda 1", "--loss"},
                       Case{"gap --loss 'log(t)' --lambda 1", "--loss"},
                       Case{"gap --loss 'tanh(t)' --lambda -1", "--lambda"},
                       Case{"gap --loss 0 --lambda 1 --box 3", "--box"}}) {
    const auto r = run_villani(c.args, "gapbad");
    INFO(c.args << " -> " << r.err);
    CHECK(r.code == 2);
    CHECK(r.err.find(c.names) != std::string::npos);
  }
}
