#include "numerics/sampling.hpp"

#include <boost/random/normal_distribution.hpp>
#include <cmath>
#include <fmt/format.h>

#include "numerics/errors.hpp"

namespace villani::numerics {

double Random::uniform() {
  // (k + 0.5)/2^53 for a 53-bit integer k: never 0 or 1.
  return (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53;
}

double Random::normal() { return boost::random::normal_distribution<double>()(engine_); }

double Random::rademacher() { return (engine_() >> 63) ? 1.0 : -1.0; }

template <class Scalar>
Eigen::Matrix<Scalar, Eigen::Dynamic, 1> Random::normal_vector_as(Eigen::Index n) {
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> v(n);
  boost::random::normal_distribution<double> gauss;
  for (Eigen::Index i = 0; i < n; ++i) v[i] = static_cast<Scalar>(gauss(engine_));
  return v;
}
template Vec Random::normal_vector_as<double>(Eigen::Index);
template Eigen::VectorXf Random::normal_vector_as<float>(Eigen::Index);

Vec Random::normal_vector(Eigen::Index n) { return normal_vector_as<double>(n); }

Vec Random::rademacher_vector(Eigen::Index n) {
  Vec v(n);
  for (Eigen::Index i = 0; i < n; ++i) v[i] = rademacher();
  return v;
}

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t k) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (k + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

Vec sample_sphere(Eigen::Index d, Random& rng) {
  if (d < 1) throw InputError("d", fmt::format("dimension must be ≥ 1; got {}", d));
  for (;;) {
    Vec g = rng.normal_vector(d);
    const double nrm = g.norm();
    if (nrm > 0.0 && std::isfinite(nrm)) return g / nrm;  // nrm = 0 has probability 0
  }
}

Eigen::MatrixXd sample_sphere(Eigen::Index d, Eigen::Index count, std::uint64_t seed) {
  if (d < 1) throw InputError("d", fmt::format("dimension must be ≥ 1; got {}", d));
  if (count < 0) throw InputError("count", fmt::format("must be ≥ 0; got {}", count));
  Random rng(seed);
  Eigen::MatrixXd u(d, count);
  for (Eigen::Index j = 0; j < count; ++j) u.col(j) = sample_sphere(d, rng);
  return u;
}

Eigen::MatrixXd sample_shell(const Vec& centre, double radius, Eigen::Index count,
                             std::uint64_t seed) {
  if (centre.size() < 1) throw InputError("centre", "empty centre vector");
  if (!centre.allFinite()) throw InputError("centre", "contains NaN or inf");
  check_nonnegative("radius", radius);
  Eigen::MatrixXd p = radius * sample_sphere(centre.size(), count, seed);
  p.colwise() += centre;
  return p;
}

std::vector<Shell> sample_shells(const Vec& centre, const std::vector<double>& radii,
                                 Eigen::Index per_shell, std::uint64_t seed) {
  std::vector<Shell> out;
  out.reserve(radii.size());
  for (std::size_t k = 0; k < radii.size(); ++k)
    out.push_back({radii[k], sample_shell(centre, radii[k], per_shell, derive_seed(seed, k))});
  return out;
}

}  // namespace villani::numerics
