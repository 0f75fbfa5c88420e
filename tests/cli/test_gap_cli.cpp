#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "cli_run.hpp"

using nlohmann::json;

TEST_CASE("gap: L = 0 gives s/λ — the double-well-like loss refutes the claim", "[cli]") {
  auto r = run_villani("gap --loss 0 --lambda 0.5 --temperature 2 --format json", "gap0");
  REQUIRE(r.code == 0);
  json j = json::parse(r.out);
  CHECK(j["poincare"]["value"].get<double>() == Approx(4.0).epsilon(1e-6));
  CHECK(j["gaussian_reference"]["value"].get<double>() == Approx(4.0));
  CHECK(j["muckenhoupt"]["contains_poincare"] == true);
  CHECK(j["bakry_emery"]["applies"] == true);
  // C_LS = C_P = s/λ for the Gaussian: inside the bracket; the discrete maximum approaches it from below.
  CHECK(j["log_sobolev_bracket"]["lower"].get<double>() <= 4.0 * (1 + 1e-9));
  CHECK(j["log_sobolev_bracket"]["upper"].get<double>() >= 4.0);
  CHECK(j["log_sobolev_bracket"]["computed"]["value"].get<double>() == Approx(4.0).epsilon(2e-3));
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

TEST_CASE("gap --certify: certificate, counterexample and bad statements", "[cli]") {
  // L = 0, λ = s = 1: Ψ_s = t² − 1, minimum 3 on 2 ≤ |t| ≤ 5.
  auto r = run_villani("gap --loss 0 --lambda 1 --grid 400 --format json --certify 'psi>=2.99 on r in [2,5]'", "gapc1");
  REQUIRE(r.code == 0);
  json j = json::parse(r.out);
  REQUIRE(j.contains("certificate"));
  CHECK(j["certificate"]["verdict"] == "certified");
  CHECK(j["certificate"]["boxes_covered"].get<long>() >= 2);
  CHECK(j["certificate"]["min_lower_enclosure"].get<double>() >= 0);
  r = run_villani("gap --loss 0 --lambda 1 --grid 400 --format json --certify 'psi>=3.01 on r in [2,5]'", "gapc2");
  REQUIRE(r.code == 0);
  j = json::parse(r.out);
  const auto& ce = j["certificate"]["counterexample"];
  CHECK(j["certificate"]["verdict"] == "counterexample");
  const double t = ce["theta"][0].get<double>();
  CHECK(std::fabs(t) >= 2);
  CHECK(std::fabs(t) < 2.0025);
  CHECK(ce["value"].get<double>() == Approx(t * t - 1).epsilon(1e-12));
  CHECK(ce["margin"].get<double>() < 0);
  CHECK(ce["confirmed_100_digits"] == true);
  // 2-D coercivity, table output carries a readable line.
  r = run_villani("gap --loss 'softplus(t1*t2)' --lambda 1 --grid 40 --certify 'coercive c=0.51,C=0 on r in [0.5,3]'",
                  "gapc3");
  REQUIRE(r.code == 0);
  CHECK(r.out.find("counterexample to F(θ) ≥ 0.51") != std::string::npos);
  // Budget exhausted: inconclusive, still exit 0.
  // (double well: min Ψ_s ≈ −4.56063 on 0.5 ≤ |t| ≤ 2, interior, so 5 boxes cannot decide −4.5607.)
  r = run_villani("gap --loss '10*exp(-t^2/2)' --lambda 1 --grid 400 --format json "
                  "--certify 'psi>=-4.5607 on r in [0.5,2]' "
                  "--certify-max-boxes 5", "gapc4");
  REQUIRE(r.code == 0);
  j = json::parse(r.out);
  CHECK(j["certificate"]["verdict"] == "inconclusive");
  CHECK(j["certificate"].contains("undecided_box"));
  for (const char* bad : {"gap --loss 0 --lambda 1 --certify 'psi>3 on r in [2,5]'",
                          "gap --loss 0 --lambda 1 --certify 'coercive c=1 on r in [0,1]'",
                          "gap --loss 0 --lambda 1 --certify 'psi>=3 on r in [5,2]'"}) {
    const auto rb = run_villani(bad, "gapcbad");
    INFO(bad << " -> " << rb.err);
    CHECK(rb.code == 2);
    CHECK(rb.err.find("--certify") != std::string::npos);
  }
}

TEST_CASE("gap at the edges: large box, metastability, a far well, never exit 3", "[cli]") {
  // Conditioning: e^{−V} ≈ 1e-49 at the edges of --box 15 (the Lanczos solve gave 2.5e7).
  auto r = run_villani("gap --loss 0 --lambda 1 --box 15 --format json", "gapedge0");
  REQUIRE(r.code == 0);
  json j = json::parse(r.out);
  CHECK(std::fabs(j["poincare"]["value"].get<double>() - 1) < 1e-8);
  CHECK(j["poincare"]["truncation"]["checked"] == true);
  // Metastability: C_P ≈ 10^27 and 10^56 (was "TridiagEigen: eigen decomposition failed", exit 3).
  for (const char* s : {"0.1", "0.05"}) {
    r = run_villani(std::string("gap --loss '10*exp(-t^2/2)' --lambda 1 --temperature ") + s + " --format json",
                    "gapedge1");
    INFO("s = " << s << ": " << r.err);
    REQUIRE(r.code == 0);
    j = json::parse(r.out);
    const double l10 = j["poincare"]["log10_value"].get<double>();
    CHECK(l10 > 25);
    CHECK(j["poincare"]["relative_error"].get<double>() < 1e-6);
    CHECK(std::fabs(j["muckenhoupt"]["median"].get<double>()) < 1e-9);
    REQUIRE(j["eyring_kramers"]["applies"] == true);
    CHECK(std::fabs(j["eyring_kramers"]["ratio"].get<double>() - 1) < 2 * std::stod(s));
    // C_LS ≥ C_P.
    CHECK(j["log_sobolev_bracket"]["computed"]["value"].get<double>() >=
          j["poincare"]["value"].get<double>() - j["poincare"]["error_estimate"].get<double>());
  }
  // A deep narrow well holding ~1e-18 of the mass at t = 10 (was dropped: 1.0 ± 1e-11).
  r = run_villani("gap --loss '-11.9*exp(-(t-10)^2/(2*0.02^2))' --lambda 1 --format json", "gapedge2");
  REQUIRE(r.code == 0);
  j = json::parse(r.out);
  CHECK(j["box"]["wells_added"].get<int>() == 1);
  CHECK(j["poincare"]["value"].get<double>() > 50);
  // 2-D where double cannot warrant the value: exit 2 naming --box, not exit 3.
  r = run_villani("gap --loss '10*exp(-t1^2/2) + 10*exp(-t2^2/2)' --lambda 1 --temperature 0.1 --grid 40", "gapedge3");
  INFO(r.err);
  CHECK((r.code == 0 || r.code == 2));
  if (r.code == 2) CHECK(r.err.find("--box") != std::string::npos);
}

TEST_CASE("gap beyond double range: C_P of 10^4336 and a box-truncated C_P are printed, never exit 3", "[cli]") {
  // A double well with ΔV = 1000/0.1 = 10^4: C_P ≈ e^{ΔV/s}·… ≈ 10^4336, beyond double. The table printed
  // "[inf, inf]" (exit 3) and the JSON held silent nulls.
  auto r = run_villani("gap --loss '1000*(t^2-1)^2' --lambda 1 --temperature 0.1", "gapbig0");
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("10^4336.5") != std::string::npos);
  CHECK(r.out.find("violated by a factor 10^4336") != std::string::npos);
  r = run_villani("gap --loss '1000*(t^2-1)^2' --lambda 1 --temperature 0.1 --format json", "gapbig1");
  REQUIRE(r.code == 0);
  json j = json::parse(r.out);
  const double l10 = j["poincare"]["log10_value"].get<double>();
  // Eyring–Kramers, computed independently from the Laplace masses, agrees to O(s).
  CHECK(std::fabs(l10 - j["eyring_kramers"]["log10_value"].get<double>()) < 0.01);
  // Muckenhoupt B/2 ≤ C_P ≤ 4B, in log10.
  const double lb = j["muckenhoupt"]["log10_B"].get<double>();
  CHECK(lb - std::log10(2.0) <= l10);
  CHECK(l10 <= lb + std::log10(4.0));
  CHECK(j["poincare"]["value"].is_null());
  const auto& paths = j["beyond_double_range"]["paths"];
  CHECK(std::find(paths.begin(), paths.end(), "/poincare/value") != paths.end());
  CHECK(j["claims"]["paper_c_ls_bound"]["status"] == "violated");

  // L = 2^sin(t)·t²: barriers grow like 1.5·t², so C_P grows with the box without bound (the
  // measure has no Poincaré inequality). The box truncation has no finite error: "unbounded", not
  // "± inf" (exit 3).
  r = run_villani("gap --loss '2^sin(t)*t^2' --lambda 1 --format json", "gapbig2");
  INFO(r.err);
  REQUIRE(r.code == 0);
  j = json::parse(r.out);
  CHECK(j["poincare"]["relative_error"].is_null());
  CHECK(j["poincare"]["truncation"]["relative"].is_null());
  CHECK(j["poincare"]["truncation"]["log10_factor"].get<double>() > 100);
  CHECK(j["claims"]["paper_c_ls_bound"]["status"] == "violated");
  r = run_villani("gap --loss '2^sin(t)*t^2' --lambda 1", "gapbig3");
  REQUIRE(r.code == 0);
  CHECK(r.out.find("± unbounded: the box truncates C_P") != std::string::npos);
}

TEST_CASE("gap: a loss whose normal form overflows double in between is evaluated at 50 digits there", "[cli]") {
  // GiNaC writes (1 + t²/1000)^1000 as (1000 + t²)^1000·1000^−1000: beyond |t| ≈ 7.6 both factors
  // leave double (was exit 2 "F/s is not finite at t = -8"). The same function written so that
  // double never overflows, exp(1000·log(1 + t²/1000)), is the independent reference.
  auto a = run_villani("gap --loss '(1 + t^2/1000)^1000' --lambda 1 --format json", "gapwide0");
  INFO(a.err);
  REQUIRE(a.code == 0);
  auto b = run_villani("gap --loss 'exp(1000*log(1+t^2/1000))' --lambda 1 --format json", "gapwide1");
  REQUIRE(b.code == 0);
  const json ja = json::parse(a.out), jb = json::parse(b.out);
  const double ca = ja["poincare"]["value"].get<double>(), cb = jb["poincare"]["value"].get<double>();
  CHECK(std::fabs(ca - cb) <= 1e-9 * cb);
  // F ≥ 1 + (3/2)t²: strongly convex with V'' ≥ 3 near the minimum, so C_P < 1/3 (and > 0.2 here).
  CHECK(ca < 1.0 / 3);
  CHECK(ca > 0.2);
}
