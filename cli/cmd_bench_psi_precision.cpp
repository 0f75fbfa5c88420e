// villani bench psi-precision [--preset NAME] [--quick]: time for one exact
// Ψ_s = −ΔF + ‖∇F‖²/s (F = L + (λ/2)‖θ‖², λ = 1e-3, s = 1) of a reference model in double,
// at 50 and at 100 digits (--quick: a d = 92 transformer), the slowdown ratios, and how many digits double got right.
#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "cli/bench.hpp"
#include "numerics/models/presets.hpp"

namespace villani::cli {
namespace {

template <class F>
double seconds(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

nlohmann::json run(const BenchOptions& o) {
  using namespace numerics::models;
  std::shared_ptr<const ReferenceModel> m;
  if (o.quick)
    m = model_from_spec({{"kind", "transformer"}, {"vocab", 6}, {"width", 2}, {"heads", 1},
                         {"layers", 1}, {"batch", 2}, {"seq_len", 3}, {"seed", 1}});
  else
    m = make_reference(o.preset.empty() ? "tiny-transformer" : o.preset);
  const numerics::Vec th = m->initial_theta(1);
  const double lambda = 1e-3, s = 1.0;

  Evaluation<double> ed;
  // double is fast: repeat to get a stable time, report the mean
  int reps = 0;
  double td_total = 0;
  while (reps < 3 || (td_total < 1.0 && reps < 50)) {
    progress_update(o.progress, "bench psi-precision", 0, 3, "figure", fmt::format("double, repetition {}", reps + 1));
    td_total += seconds([&] { ed = m->evaluate(th, lambda); });
    ++reps;
  }
  const double td = td_total / reps;
  progress_update(o.progress, "bench psi-precision", 1, 3, "figure",
                  fmt::format("50 digits (double took {:.3g} s)", td));
  Evaluation<Real50> e50;
  const double t50 = seconds([&] { e50 = m->evaluate50(theta_from_double<Real50>(th), Real50("1e-3")); });
  progress_update(o.progress, "bench psi-precision", 2, 3, "figure",
                  fmt::format("100 digits (50 digits took {:.3g} s)", t50));
  Evaluation<Real100> e100;
  const double t100 =
      seconds([&] { e100 = m->evaluate100(theta_from_double<Real100>(th), Real100("1e-3")); });

  const double psi_d = ed.psi(s);
  const Real50 psi50 = e50.psi(Real50(s));
  const Real100 psi100 = e100.psi(Real100(s));
  const double err_d = std::abs(psi_d - to_double(psi100)) / std::abs(to_double(psi100));
  const Real100 err50 = abs(Real100(psi50) - psi100) / abs(psi100);
  const double digits_d = err_d > 0 ? -std::log10(err_d) : 17.0;
  const double digits50 = err50 > 0 ? -std::log10(to_double(err50)) : 50.0;

  nlohmann::json figures = {{"model", m->name()},
                            {"d", m->dim()},
                            {"lambda", lambda},
                            {"s", s},
                            {"seconds_double", td},
                            {"seconds_50", t50},
                            {"seconds_100", t100},
                            {"ratio_50_over_double", t50 / td},
                            {"ratio_100_over_double", t100 / td},
                            {"psi_double", psi_d},
                            {"psi_100", to_string(psi100, 40)},
                            {"digits_double", digits_d},
                            {"digits_50", digits50}};
  nlohmann::json table = nlohmann::json::array();
  table.push_back({"model", m->name(), ""});
  table.push_back({"d", std::to_string(m->dim()), ""});
  table.push_back({"time, double", fmt::format("{:.4g}", td), fmt::format("s (mean of {})", reps)});
  table.push_back({"time, 50 digits", fmt::format("{:.4g}", t50), "s"});
  table.push_back({"time, 100 digits", fmt::format("{:.4g}", t100), "s"});
  table.push_back({"ratio 50 / double", fmt::format("{:.3g}", t50 / td), "x"});
  table.push_back({"ratio 100 / double", fmt::format("{:.3g}", t100 / td), "x"});
  table.push_back({"Psi_s (100 digits)", to_string(psi100, 30), ""});
  table.push_back({"correct digits, double", fmt::format("{:.1f}", digits_d), "digits"});
  table.push_back({"correct digits, 50", fmt::format("{:.1f}", digits50), "digits"});
  return {{"figures", figures},
          {"table", table},
          {"notes",
           {"Psi_s = -ΔF + |∇F|^2/s with F = L + (λ/2)|θ|^2, λ = 1e-3, s = 1, at θ0 = initial_theta(1).",
            "Exact derivatives: double: the model's hand-written reverse pass (gradient) and the sum "
            "of d forward-over-reverse HVPs (Laplacian); 50/100 digits (cpp_bin_float_50/100): "
            "Boost.Math autodiff forward mode, d passes of a second-order fvar (measured faster there).",
            "Correct digits measured against the 100-digit value."}}};
}

const BenchRegistrar reg{{"psi-precision",
                          "time of one exact Psi_s (gradient + Laplacian) in double vs 50 / 100 digits",
                          run}};

}  // namespace
}  // namespace villani::cli
