// L2 vs decoupled decay and the three mechanisms, with LibTorch's optimizers in float64.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <set>
#include <string>

#include "experiments/companion/claims.hpp"
#include "experiments/companion/torch_checks.hpp"
#include "experiments/companion/torch_record.hpp"
#include "numerics/errors.hpp"
#include "tests/support/json_keys.hpp"

using namespace villani::experiments::companion;
using villani::testing::json_keys;


TEST_CASE("SGD with L2 equals decoupled decay λη — Adam L2 differs from AdamW", "[companion]") {
  DecoupledOptions o;
  o.steps = 300;
  const auto r = run_l2_vs_decoupled(o);
  CHECK(r.sgd.max_rel_distance <= 1e-12);
  CHECK(r.adam.final_rel_distance > 1e-4);
  CHECK(r.adamw_convention.rel_distance_to_theta_times_1_minus_lr_wd < 1e-12);
  CHECK(r.adamw_convention.rel_distance_to_theta_times_1_minus_wd > 1e-6);
  CHECK(r.adamw_convention.convention == AdamWConvention::LrTimesWeightDecay);

  // The record / --format json rendering: the keys the run records have always had, same numbers.
  const nlohmann::json j = to_json(r);
  CHECK(json_keys(j) == std::set<std::string>{"steps", "lr", "adam_lr", "lambda", "decoupled_lambda", "dtype", "sgd",
                                         "adam", "adamw_convention"});
  CHECK(json_keys(j["sgd"]) == std::set<std::string>{"max_rel_distance", "final_rel_distance", "loss", "loss_decoupled",
                                                "regularized_objective"});
  CHECK(j["steps"].get<int>() == 300);
  CHECK(j["decoupled_lambda"].get<double>() == o.lambda * o.lr);
  CHECK(j["sgd"]["max_rel_distance"].get<double>() == r.sgd.max_rel_distance);
  CHECK(j["adam"]["norm_adamw"].get<double>() == r.adam.norm_adamw);
  CHECK(j["adamw_convention"]["convention"] == "theta <- theta*(1 - lr*weight_decay) - lr*adam_direction");
}

TEST_CASE("scale invariance, Euler identities and the K-FAC damping scaling", "[companion]") {
  MechanismOptions o;
  o.steps = 40;
  std::vector<nlohmann::json> lines;
  const auto r = run_mechanisms(o, [&](const MechanismStep& s) { lines.push_back(to_json(s)); });
  const auto& si = r.scale_invariant;
  CHECK(si.max_cos_grad_w < 1e-10);
  CHECK(si.max_norm_growth_rel_error < 1e-12);
  CHECK(si.kfac_scaling_rel_error < 1e-9);
  // Without decay ‖W‖² only grows; with decay it ends smaller.
  const auto& nd = si.without_decay;
  CHECK(nd.w_norm_sq_final > nd.w_norm_sq_initial);
  CHECK(si.with_decay.w_norm_sq_final < nd.w_norm_sq_final);
  const auto& gn = r.gauss_newton;
  CHECK(gn.euler_rel_error < 1e-10);
  CHECK(gn.jx_identity_rel_error < 1e-10);
  CHECK(gn.with_decay.gauss_newton_norm_sq == Approx(gn.with_decay.depth_sq_mean_f_sq).epsilon(1e-9));

  // Rendered: the path rows are metrics lines with "section", numbered after the training steps.
  // Every 25 steps and the last: steps 25, 40 without decay, 65, 80 with decay, then the λ grid.
  REQUIRE(r.minimizer_path.rows.size() == 10);
  REQUIRE(lines.size() == 4 + 10);
  CHECK(lines[1]["step"].get<int>() == 40);
  CHECK(lines[1]["decay"] == false);
  CHECK(lines[3]["step"].get<int>() == 80);
  CHECK(lines[3]["w_norm_sq"].get<double>() == si.with_decay.w_norm_sq_final);
  CHECK(lines[4]["section"] == "minimizer_path");
  CHECK(lines[4]["step"].get<int>() == 81);
  CHECK(lines[4]["theta_norm"].get<double>() == r.minimizer_path.rows[0].theta_norm);
  const nlohmann::json j = to_json(r);
  CHECK(json_keys(j) == std::set<std::string>{"minimizer_path", "scale_invariant", "gauss_newton", "steps", "lr",
                                         "lambda", "kfac_damping", "dtype"});
  CHECK(j["gauss_newton"]["runs"]["with_decay"]["gauss_newton_norm_sq"].get<double>() ==
        gn.with_decay.gauss_newton_norm_sq);
  CHECK(j["scale_invariant"]["runs"]["without_decay"]["w_norm_sq_final"].get<double>() == nd.w_norm_sq_final);
}

TEST_CASE("minimizer path: θ*(λ) shrinks, dθ*/dλ = −(∇²F)⁻¹θ*, θ* = −∇L(θ*)/λ", "[companion]") {
  MinimizerPathOptions o;
  o.lambdas = {1e4, 3e-3, 0.03, 0.3};  // unsorted on purpose; rows come back ascending
  o.samples = 120;
  const auto r = run_minimizer_path(o);
  const auto& rows = r.rows;
  REQUIRE(rows.size() == 4);
  CHECK(r.max_grad_norm <= 1e-10);
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const auto& row = rows[k];
    const double lam = row.lambda;
    if (k > 0) {
      CHECK(lam > rows[k - 1].lambda);
      CHECK(row.theta_norm < rows[k - 1].theta_norm);
    }
    // Implicit-function derivative against a central difference of independent solves.
    CHECK(row.fd_vs_ift_rel_error < 1e-6);
    CHECK(row.dnorm_sq_dlambda_ift < 0);
    CHECK(row.dnorm_sq_dlambda_fd == Approx(row.dnorm_sq_dlambda_ift).epsilon(1e-6));
    CHECK(row.fixed_point_rel_error < 1e-10);
    CHECK(row.hessian_closed_form_rel_error < 1e-12);
    // ∇²L ⪰ 0 with a null direction (equal shift of every class's row): λ_min(∇²F) = λ.
    CHECK(row.hessian_min_eig == Approx(lam).epsilon(1e-9));
    CHECK(row.theta_norm <= row.norm_bound_grad0_over_lambda);
  }
  // λ → ∞: λθ* → −∇L(0), so λ‖θ*‖ → ‖∇L(0)‖ with an O(1/λ) correction.
  const double g0 = r.grad_loss_at_zero_norm;
  CHECK(rows[3].lambda * rows[3].theta_norm == Approx(g0).epsilon(1e-3));
  CHECK(r.monotone_decreasing);

  // The claim's verdict is computed from the same run at its defaults.
  villani::validators::Registry reg;
  register_torch_companion_claims(reg);
  bool found = false;
  for (const auto& c : reg.claims())
    if (c.id == "minimizer-moves-with-lambda") {
      found = true;
      const auto res = c.check(villani::validators::CheckContext{});
      CHECK(res.verdict == villani::validators::Verdict::Holds);
      CHECK(res.details["rows"].size() == 10);
    }
  CHECK(found);
}

TEST_CASE("bad optimizer options are input errors", "[companion]") {
  MinimizerPathOptions p;
  p.lambdas = {0.1};
  CHECK_THROWS_AS(validate(p), villani::InputError);
  p.lambdas = {0.1, -1};
  CHECK_THROWS_AS(validate(p), villani::InputError);
  p.lambdas = {0.1, 0.1};
  CHECK_THROWS_AS(validate(p), villani::InputError);
  DecoupledOptions o;
  o.lr = -1;
  CHECK_THROWS_AS(validate(o), villani::InputError);
  MechanismOptions m;
  m.hidden = 1;
  CHECK_THROWS_AS(validate(m), villani::InputError);
}

// `run boursier` needs no LibTorch: tests/cli/test_run_cli.cpp runs it in every build.
TEST_CASE("villani run l2-vs-decoupled / mechanisms write run records — bad input exits 2", "[companion]") {
  const std::string exe = VILLANI_EXE;
  const std::string dir = std::string(VILLANI_TEST_TMP) + "/companion_run";
  std::system(("rm -rf '" + dir + "'").c_str());
  const int rc2 = std::system((exe + " run l2-vs-decoupled --steps 20 --format json --out '" + dir + "/l' > /dev/null").c_str());
  CHECK(WEXITSTATUS(rc2) == 0);
  const int rc3 = std::system((exe + " run mechanisms --steps 5 --path-lambdas 0.01,0.1,1 --out '" + dir +
                               "/m' > /dev/null").c_str());
  CHECK(WEXITSTATUS(rc3) == 0);
  CHECK(std::system(("test -s '" + dir + "/m/minimizer_path.md' && grep -q minimizer_path '" + dir +
                     "/m/metrics.jsonl' && test $(grep -c minimizer_path '" + dir + "/m/metrics.jsonl') -eq 3")
                        .c_str()) == 0);
  CHECK(WEXITSTATUS(std::system((exe + " run mechanisms --path-lambdas 0.1 2> /dev/null").c_str())) == 2);
  CHECK(WEXITSTATUS(std::system((exe + " run mechanisms --lambda nan 2> /dev/null").c_str())) == 2);
}
