#include "numerics/slq.hpp"

#include <Eigen/Dense>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>

#include "numerics/errors.hpp"
#include "numerics/lanczos.hpp"
#include "numerics/sampling.hpp"

namespace villani::numerics {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;

QuadratureRule lanczos_rule(const LinearOperator& a, const Vec& z, Index steps) {
  const RitzPairs p = ritz_pairs(lanczos_tridiagonal(a, z, steps));
  QuadratureRule r;
  r.nodes = p.values;
  r.weights = p.vectors.row(0).transpose().array().square();
  return r;
}

}  // namespace

double SpectralDensity::mean() const {
  double s = 0.0;
  for (const auto& r : rules) s += r.weights.dot(r.nodes);
  return rules.empty() ? 0.0 : s / static_cast<double>(rules.size());
}

double SpectralDensity::min_node() const {
  double m = std::numeric_limits<double>::infinity();
  for (const auto& r : rules) m = std::min(m, r.nodes.minCoeff());
  return m;
}

double SpectralDensity::max_node() const {
  double m = -std::numeric_limits<double>::infinity();
  for (const auto& r : rules) m = std::max(m, r.nodes.maxCoeff());
  return m;
}

SpectralDensity stochastic_lanczos_quadrature(const LinearOperator& a, Index probes, Index steps,
                                              std::uint64_t seed, Probe probe) {
  if (probes < 1) throw InputError("probes", fmt::format("must be ≥ 1; got {}", probes));
  if (steps < 1) throw InputError("steps", fmt::format("must be ≥ 1; got {}", steps));
  const Index n = a.rows();
  steps = std::min(steps, n);
  Random rng(seed);
  SpectralDensity d;
  d.n = n;
  const std::int64_t before = a.matvecs();
  for (Index p = 0; p < probes; ++p) {
    Vec z = probe == Probe::Rademacher ? rng.rademacher_vector(n) : rng.normal_vector(n);
    while (!(z.norm() > 0.0)) z = rng.normal_vector(n);
    d.rules.push_back(lanczos_rule(a, z, steps));
  }
  d.matvecs = a.matvecs() - before;
  return d;
}

Vec smoothed_density(const SpectralDensity& density, const Vec& grid, double sigma) {
  check_positive("sigma", sigma);
  if (!grid.allFinite()) throw InputError("grid", "contains NaN or inf");
  if (density.rules.empty()) throw InputError("density", "no quadrature rules");
  const double c = 1.0 / (std::sqrt(2.0 * M_PI) * sigma * static_cast<double>(density.rules.size()));
  Vec out = Vec::Zero(grid.size());
  for (const auto& r : density.rules)
    for (Index j = 0; j < r.nodes.size(); ++j)
      out.array() += c * r.weights[j] *
                     (-0.5 * ((grid.array() - r.nodes[j]) / sigma).square()).exp();
  return out;
}

}  // namespace villani::numerics
