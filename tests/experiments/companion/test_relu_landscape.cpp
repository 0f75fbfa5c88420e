// Two-layer ReLU landscape code: derivatives against finite differences, the convex program
// against the closed form, weak duality, pattern counts against Cover's formula.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <set>
#include <string>

#include "experiments/companion/boursier.hpp"
#include "experiments/companion/boursier_record.hpp"
#include "numerics/errors.hpp"
#include "tests/support/json_keys.hpp"

using namespace villani::experiments::companion;
using villani::testing::json_keys;

TEST_CASE("ReLU net gradient matches central differences away from kinks", "[companion]") {
  const ReluData d = planar_data(5, 4);
  ReluNet net = init_balanced(3, 2, 1.0, 9);
  const double beta = 0.3;
  Eigen::MatrixXd gW;
  Eigen::VectorXd ga;
  gradient(d, net, beta, gW, ga);
  const double h = 1e-6;
  for (int j = 0; j < 3; ++j) {
    for (int k = 0; k < 2; ++k) {
      ReluNet p = net, m = net;
      p.W(j, k) += h;
      m.W(j, k) -= h;
      CHECK(gW(j, k) == Approx((objective(d, p, beta) - objective(d, m, beta)) / (2 * h)).margin(1e-7));
    }
    ReluNet p = net, m = net;
    p.a[j] += h;
    m.a[j] -= h;
    CHECK(ga[j] == Approx((objective(d, p, beta) - objective(d, m, beta)) / (2 * h)).margin(1e-7));
  }
}

TEST_CASE("convex reformulation reproduces the closed-form optimum of orthogonal data", "[companion]") {
  for (const char* labels : {"ones", "signs"}) {
    const ReluData d = orthogonal_data(5, labels, 2);
    const ConvexResult c = solve_convex(d, 0.2, 20000, 1e-11);
    const double closed = orthogonal_optimum(d.y, 0.2);
    CHECK(c.value == Approx(closed).epsilon(1e-8));
    CHECK(c.dual_lower <= closed + 1e-12);
    CHECK(c.gap <= 1e-9);
    CHECK(objective(d, c.network, 0.2) == Approx(c.value).epsilon(1e-10));
    CHECK(c.patterns == 32);
  }
  // ‖y₊‖ ≤ β: the zero network is optimal and p* = ½‖y‖².
  Eigen::VectorXd y(2);
  y << 0.05, -0.05;
  CHECK(orthogonal_optimum(y, 0.1) == Approx(0.5 * y.squaredNorm()));
}

TEST_CASE("dual certificate is a lower bound for every network (weak duality)", "[companion]") {
  for (auto d : {orthogonal_data(4, "signs", 5), planar_data(6, 8)}) {
    const ConvexResult c = solve_convex(d, 0.1, 20000, 1e-10);
    for (int s = 0; s < 20; ++s) {
      const ReluNet net = init_balanced(1 + s % 5, static_cast<int>(d.X.cols()), 0.3 + 0.2 * s, 100 + s);
      const double P = objective(d, net, 0.1);
      const Certificate cert = certify(d, predict(d, net), P, 0.1);
      CHECK(cert.dual_lower <= c.value + 1e-9);
      CHECK(cert.dual_lower <= P + 1e-12);
    }
  }
}

TEST_CASE("planar dual constraint equals a dense search over the circle", "[companion]") {
  const ReluData d = planar_data(7, 21);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> g;
  for (int t = 0; t < 5; ++t) {
    Eigen::VectorXd v(7);
    for (int i = 0; i < 7; ++i) v[i] = g(rng);
    const auto [pos, neg] = dual_constraint(d, v);
    double bp = 0, bn = 0;
    for (int k = 0; k < 200000; ++k) {
      const double a = 2 * M_PI * k / 200000.0;
      Eigen::Vector2d z(std::cos(a), std::sin(a));
      const double val = v.dot((d.X * z).cwiseMax(0.0));
      bp = std::max(bp, val);
      bn = std::max(bn, -val);
    }
    // The exact maximum is never below the sampled one; the grid (step 3e-5 rad) misses a
    // maximum at an arc end point by at most ~3e-5·‖v‖‖X‖ (first order at a corner).
    CHECK(pos >= bp - 1e-12);
    CHECK(neg >= bn - 1e-12);
    CHECK(pos == Approx(bp).epsilon(1e-4));
    CHECK(neg == Approx(bn).epsilon(1e-4));
  }
}

TEST_CASE("activation patterns: Cover's count, exact enumerations", "[companion]") {
  CHECK(cover_count(6, 6) == 64);       // 2^n when d ≥ n
  CHECK(cover_count(6, 2) == 12);       // 2n on the plane
  CHECK(cover_count(5, 3) == 2 * (1 + 4 + 6));
  CHECK(enumerate_patterns(planar_data(9, 1)).size() == 18);
  CHECK(enumerate_patterns(orthogonal_data(6, "ones", 1)).size() == 64);
  Eigen::MatrixXd X = Eigen::MatrixXd::Random(6, 3);
  const int seen = sampled_pattern_count(X, 100000, 4);
  CHECK(seen <= cover_count(6, 3));
  CHECK(seen >= cover_count(6, 3) - 2);  // tiny regions may be missed
}

TEST_CASE("coverage prediction and half-width interpolation", "[companion]") {
  CHECK(predicted_success(3, 0, 1) == Approx(1.0 / 16));
  CHECK(predicted_success(0, 0, 5) == 1.0);
  CHECK(half_width({2, 4, 8}, {0.0, 0.25, 0.75}) == Approx(std::exp2(2.5)));
  CHECK(std::isnan(half_width({2, 4}, {0.1, 0.2})));
  CHECK(half_width({2, 4}, {0.6, 0.9}) == 2);
}

TEST_CASE("orthogonal data: GD fails at width 2 and succeeds at width 2^(n+3)", "[companion]") {
  BoursierOptions o;
  o.orthogonal_n = {4};
  o.planar_n = {};
  o.seeds = 8;
  o.init_scales = {0.01};
  std::vector<int> reported;
  const auto r = run_boursier(o, [&](const BoursierCell& c) { reported.push_back(c.m); });
  const auto& cells = r.cells;
  REQUIRE(cells.size() == 7);
  CHECK(reported == std::vector<int>{2, 4, 8, 16, 32, 64, 128});
  CHECK(cells[0].success_fraction <= 0.5);
  CHECK(cells[6].success_fraction >= 0.85);
  for (const auto& c : cells) CHECK(c.max_certified_gap_global <= 1e-6);
  CHECK(r.convex[0].abs_error_vs_closed_form.value() < 1e-8);
}


// What `villani run boursier --format json` prints and writes to summary.json / metrics.jsonl:
// the keys it has always had, absent values as null or left out as before, the computed numbers.
TEST_CASE("a computed Boursier result renders to the printed JSON with its keys and values", "[companion]") {
  BoursierOptions o;
  o.orthogonal_n = {4};
  o.planar_n = {4};
  o.seeds = 3;
  o.init_scales = {0.01};
  o.m_extra = 0;
  const BoursierResult r = run_boursier(o);
  const nlohmann::json j = to_json(r);
  CHECK(json_keys(j) == std::set<std::string>{"cells", "transitions", "convex", "fit", "beta", "labels"});
  CHECK(j["beta"].get<double>() == 0.1);
  CHECK(j["labels"] == "ones");
  // Widths 2…2^4 for each of the two data sets.
  REQUIRE(j["cells"].size() == 8);
  const std::set<std::string> cell_keys{"family", "n", "d", "m", "init_scale", "seeds", "global", "spurious",
                                        "undecided", "success_fraction", "p_star", "max_certified_gap_global",
                                        "rel_tol", "min_excess_spurious", "max_final_grad_norm", "mean_steps"};
  for (std::size_t k = 0; k < 8; ++k) {
    const auto& c = j["cells"][k];
    const BoursierCell& s = r.cells[k];
    const bool orth = k < 4;
    std::set<std::string> want = cell_keys;
    if (orth) want.insert("predicted_success");  // the coverage prediction exists for X = I_n only
    CHECK(json_keys(c) == want);
    CHECK(c["family"] == (orth ? "orthogonal" : "planar"));
    CHECK(c["m"].get<int>() == 2 << (k % 4));
    CHECK(c["d"].get<int>() == (orth ? 4 : 2));
    CHECK(c["global"].get<int>() + c["spurious"].get<int>() + c["undecided"].get<int>() == 3);
    CHECK(c["success_fraction"].get<double>() == s.global / 3.0);
    CHECK(c["min_excess_spurious"].is_null() == (s.spurious == 0));
    if (orth) CHECK(c["predicted_success"].get<double>() == predicted_success(4, 0, 2 << k));
  }
  // p* of X = I_4, y = 1, β = 0.1 in closed form: β‖y‖ − β²/2 = 0.2 − 0.005 (‖y‖ = 2 > β).
  CHECK(j["cells"][0]["p_star"].get<double>() == Approx(0.195).epsilon(1e-12));
  REQUIRE(j["transitions"].size() == 2);
  CHECK(j["transitions"][0].contains("m_half_predicted"));
  CHECK(j["transitions"][0].contains("m_half_predicted_grid"));
  CHECK(!j["transitions"][1].contains("m_half_predicted"));
  CHECK(j["transitions"][0]["two_pow_n"].get<double>() == 16);
  CHECK(j["transitions"][1]["pattern_count"].get<double>() == 8);  // Cover: 2·(C(3,0) + C(3,1))
  REQUIRE(j["convex"].size() == 2);
  CHECK(j["convex"][0]["closed_form"].get<double>() == Approx(0.195).epsilon(1e-12));
  CHECK(j["convex"][1]["closed_form"].is_null());
  CHECK(j["convex"][1]["abs_error_vs_closed_form"].is_null());
  // One orthogonal transition: too few points for the slope, so the line's keys are left out.
  REQUIRE(j["fit"].size() == 1);
  CHECK(json_keys(j["fit"][0]) == std::set<std::string>{"init_scale", "points"});
  CHECK(j["fit"][0]["points"].get<int>() == (r.transitions[0].m_half_fit ? 1 : 0));
  // A metrics line is the cell's rendering.
  CHECK(to_json(r.cells[5]) == j["cells"][5]);
}

TEST_CASE("bad options name the argument", "[companion]") {
  BoursierOptions o;
  o.seeds = 0;
  CHECK_THROWS_AS(validate(o), villani::InputError);
  o = BoursierOptions{};
  o.beta = std::nan("");
  CHECK_THROWS_AS(validate(o), villani::InputError);
  CHECK_THROWS_AS(orthogonal_data(4, "maybe", 1), villani::InputError);
}
