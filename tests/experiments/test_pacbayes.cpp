// PAC-Bayes with backprop (issue 16): the LibTorch KL the posterior is trained on agrees with
// theory::gaussian_kl (50-digit sums), and the Bayes error of the synthetic language matches the
// measured error of the true-transition predictor.
#include <catch2/catch.hpp>
#include <random>

#include "experiments/compare.hpp"
#include "experiments/data.hpp"
#include "experiments/pacbayes.hpp"
#include "theory/pac_bayes.hpp"

using namespace villani;
using namespace villani::experiments;

TEST_CASE("the training loop's diagonal-Gaussian KL equals theory::gaussian_kl", "[experiments][pacbayes]") {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> z;
  std::uniform_real_distribution<double> u(1e-5, 0.3);
  for (std::size_t d : {1u, 17u, 4096u}) {
    std::vector<double> mu(d), s2(d), mu0(d);
    for (std::size_t i = 0; i < d; ++i) {
      mu[i] = z(rng);
      mu0[i] = mu[i] + 0.1 * z(rng);
      s2[i] = u(rng);
    }
    for (double pv : {1e-3, 0.1, 2.0}) {
      const double ref = static_cast<double>(theory::gaussian_kl(mu, s2, mu0, Wide(pv)));
      INFO("d=" << d << " pv=" << pv);
      CHECK(torch_gaussian_kl(mu, s2, mu0, pv) == Approx(ref).epsilon(1e-11));
      CHECK(torch_gaussian_kl(mu, s2, {}, pv) ==
            Approx(static_cast<double>(theory::gaussian_kl(mu, s2, {}, Wide(pv)))).epsilon(1e-11));
    }
  }
}

TEST_CASE("Bayes 0–1 error of the synthetic language matches its measured value", "[experiments][pacbayes]") {
  const int V = 16;
  const auto lang = MarkovLanguage::make(V, 0.5, 20260001);
  const auto x = lang.sample(400000, 99);
  long wrong = 0;
  for (std::size_t t = 0; t + 1 < x.size(); ++t) {
    const auto* row = &lang.transition[static_cast<std::size_t>(x[t]) * V];
    int best = 0;
    for (int j = 1; j < V; ++j)
      if (row[j] > row[best]) best = j;
    wrong += x[t + 1] != best;
  }
  const double measured = static_cast<double>(wrong) / static_cast<double>(x.size() - 1);
  const double e = synthetic_bayes_error(V);
  CHECK(e > 0);
  CHECK(e < 1 - 1.0 / V);
  // Binomial standard error ≈ 8e-4 (a Markov chain mixes fast): 5 of them.
  CHECK(std::abs(measured - e) < 4e-3);
}

TEST_CASE("lambda_curve finds where a certificate stops tightening", "[experiments][pacbayes]") {
  // U shape (given out of order): tightens up to λ* = 1e-2.
  const auto u = lambda_curve({{1.0, 0.85}, {1e-4, 0.81}, {1e-2, 0.76}, {1e-3, 0.77}, {0.1, 0.78}});
  CHECK(u.tightens);
  CHECK(u.best_lambda == 1e-2);
  CHECK(u.decreasing_to_best);
  CHECK(u.increasing_after_best);
  CHECK(u.text.find("λ* = 0.01") != std::string::npos);
  // Flat within the tolerance, then growing: does not tighten.
  const auto f = lambda_curve({{1e-4, 0.7883}, {1e-3, 0.7882}, {1e-1, 0.87}});
  CHECK_FALSE(f.tightens);
  CHECK(f.text.find("flat") != std::string::npos);
  // Smallest at the smallest λ.
  const auto g = lambda_curve({{1e-3, 0.5}, {1e-2, 0.6}});
  CHECK_FALSE(g.tightens);
  CHECK(g.best_lambda == 1e-3);
}
