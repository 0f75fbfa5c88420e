// L2 vs decoupled decay and the three mechanisms, with LibTorch's optimizers in float64.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "experiments/companion/torch_checks.hpp"
#include "numerics/errors.hpp"

using namespace villani::experiments::companion;

TEST_CASE("SGD with L2 equals decoupled decay λη; Adam L2 differs from AdamW", "[companion]") {
  DecoupledOptions o;
  o.steps = 300;
  const auto r = run_l2_vs_decoupled(o);
  CHECK(r["sgd"]["max_rel_distance"].get<double>() <= 1e-12);
  CHECK(r["adam"]["final_rel_distance"].get<double>() > 1e-4);
  CHECK(r["adamw_convention"]["rel_distance_to_theta_times_1_minus_lr_wd"].get<double>() < 1e-12);
  CHECK(r["adamw_convention"]["rel_distance_to_theta_times_1_minus_wd"].get<double>() > 1e-6);
}

TEST_CASE("scale invariance, Euler identities and the K-FAC damping scaling", "[companion]") {
  MechanismOptions o;
  o.steps = 40;
  const auto r = run_mechanisms(o);
  const auto& si = r["scale_invariant"];
  CHECK(si["max_cos_grad_w"].get<double>() < 1e-10);
  CHECK(si["max_norm_growth_rel_error"].get<double>() < 1e-12);
  CHECK(si["kfac_scaling_rel_error"].get<double>() < 1e-9);
  // Without decay ‖W‖² only grows; with decay it ends smaller.
  const auto& nd = si["runs"]["without_decay"];
  CHECK(nd["w_norm_sq_final"].get<double>() > nd["w_norm_sq_initial"].get<double>());
  CHECK(si["runs"]["with_decay"]["w_norm_sq_final"].get<double>() < nd["w_norm_sq_final"].get<double>());
  const auto& gn = r["gauss_newton"];
  CHECK(gn["euler_rel_error"].get<double>() < 1e-10);
  CHECK(gn["jx_identity_rel_error"].get<double>() < 1e-10);
  CHECK(gn["runs"]["with_decay"]["gauss_newton_norm_sq"].get<double>() ==
        Approx(gn["runs"]["with_decay"]["depth_sq_mean_f_sq"].get<double>()).epsilon(1e-9));
}

TEST_CASE("bad optimizer options are input errors", "[companion]") {
  DecoupledOptions o;
  o.lr = -1;
  CHECK_THROWS_AS(validate(o), villani::InputError);
  MechanismOptions m;
  m.hidden = 1;
  CHECK_THROWS_AS(validate(m), villani::InputError);
}

TEST_CASE("villani run boursier / l2-vs-decoupled write run records; bad input exits 2", "[companion]") {
  const std::string exe = VILLANI_EXE;
  const std::string dir = std::string(VILLANI_TEST_TMP) + "/companion_run";
  std::system(("rm -rf '" + dir + "'").c_str());
  const int rc = std::system((exe + " run boursier --n 4 --planar-n 4 --seeds 3 --m-extra 1 --out '" + dir +
                              "/b' > /dev/null").c_str());
  CHECK(WEXITSTATUS(rc) == 0);
  CHECK(std::system(("test -s '" + dir + "/b/summary.json' && test -s '" + dir + "/b/metrics.jsonl' && test -s '" +
                     dir + "/b/success.gp'").c_str()) == 0);
  const int rc2 = std::system((exe + " run l2-vs-decoupled --steps 20 --format json --out '" + dir + "/l' > /dev/null").c_str());
  CHECK(WEXITSTATUS(rc2) == 0);
  CHECK(WEXITSTATUS(std::system((exe + " run boursier --seeds 0 2> /dev/null").c_str())) == 2);
  CHECK(WEXITSTATUS(std::system((exe + " run boursier --n x 2> /dev/null").c_str())) == 2);
  CHECK(WEXITSTATUS(std::system((exe + " run mechanisms --lambda nan 2> /dev/null").c_str())) == 2);
}
