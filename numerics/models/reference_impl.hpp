// ModelImpl<Arch>: a ReferenceModel from an architecture (architectures.hpp). Derivatives by
// Boost.Math autodiff, forward mode:
//   gradient + exact Laplacian: d passes of fvar<R,2> seeded along e_i: the first Taylor
//     coefficient is ∂_i L, twice the second is ∂²_i L; ΔL = Σ_i ∂²_i L.
//   HVP: d passes of fvar<fvar<R,1>,1> seeded along e_i (outer) and v (inner): (Hv)_i.
// The d passes are independent and run on all hardware threads (parallel_chunks).
// Internal to numerics/models/.
#pragma once
#include <boost/math/differentiation/autodiff.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>

#include "numerics/models/architectures.hpp"
#include "numerics/models/presets.hpp"

namespace villani::numerics::models {

namespace ad = boost::math::differentiation;

/// Runs fn(begin, end) over [0, n) in contiguous chunks on up to hardware_concurrency()
/// threads (capped at 16; one thread below 32 items). Each chunk writes disjoint outputs.
template <class Fn>
void parallel_chunks(std::size_t n, Fn&& fn) {
  std::size_t threads = std::min<std::size_t>(16, std::max(1u, std::thread::hardware_concurrency()));
  if (n < 32) threads = 1;
  threads = std::min(threads, n);
  if (threads <= 1) {
    fn(std::size_t(0), n);
    return;
  }
  std::vector<std::thread> pool;
  std::exception_ptr error;
  std::mutex m;
  for (std::size_t t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      try {
        fn(n * t / threads, n * (t + 1) / threads);
      } catch (...) {
        std::lock_guard<std::mutex> lock(m);
        if (!error) error = std::current_exception();
      }
    });
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

template <class Arch>
class ModelImpl final : public ReferenceModel {
 public:
  explicit ModelImpl(Arch a) : a_(std::move(a)) {
    if (a_.dim() < 1) throw InputError("spec", "zero-dimensional model");
  }
  Eigen::Index dim() const override { return a_.dim(); }
  std::string name() const override { return a_.name(); }
  std::vector<std::string> nonsmooth_ops() const override { return a_.nonsmooth(); }
  nlohmann::json spec() const override { return a_.spec(); }
  std::vector<std::pair<std::string, Eigen::Index>> layout() const override {
    std::vector<std::pair<std::string, Eigen::Index>> out;
    for (const auto& [n, s] : a_.layout()) out.emplace_back(n, s);
    return out;
  }
  Vec initial_theta(std::uint64_t seed) const override {
    DataRng rng(seed * 0x9E3779B97F4A7C15ULL + 12345);
    Vec th(dim());
    Eigen::Index i = 0;
    for (const auto& [n, s] : a_.layout()) {
      const std::string last = n.substr(n.rfind('.') == std::string::npos ? 0 : n.rfind('.') + 1);
      const bool ln_weight = n.find("ln") != std::string::npos && last == "w";
      const bool bias = !ln_weight && !last.empty() && last[0] == 'b';
      for (long j = 0; j < s; ++j, ++i)
        th[i] = ln_weight ? 1.0 + rng.uniform(-0.1, 0.1)
                          : (bias ? rng.uniform(-0.1, 0.1) : rng.uniform(-0.5, 0.5));
    }
    return th;
  }

  double value(const Vec& theta) const override {
    check_theta(theta);
    return a_.template loss<double>(theta.data());
  }
  Vec gradient(const Vec& theta) const override {
    check_theta(theta);
    auto th = theta_from_double<double>(theta);
    Vec g(dim());
    grad_lap<double, 1>(th, &g, nullptr);
    return g;
  }
  double laplacian(const Vec& theta) const override {
    check_theta(theta);
    auto th = theta_from_double<double>(theta);
    double lap = 0;
    grad_lap<double, 2, Vec>(th, nullptr, &lap);
    return lap;
  }
  Vec hvp(const Vec& theta, const Vec& v) const override {
    check_theta(theta);
    if (v.size() != dim())
      throw InputError("v", fmt::format("{}: expected {} entries; got {}", name(), dim(), v.size()));
    if (!v.allFinite()) throw InputError("v", "direction contains NaN or inf");
    using F = ad::detail::fvar<ad::detail::fvar<double, 1>, 1>;
    const auto n = static_cast<std::size_t>(dim());
    // t seeded in the inner fvar (direction v), s in the outer (direction e_i).
    const auto vars = ad::make_ftuple<double, 1, 1>(0.0, 0.0);
    const F& s = std::get<0>(vars);
    const F& t = std::get<1>(vars);
    std::vector<F> x0(n);
    for (std::size_t j = 0; j < n; ++j) x0[j] = F(theta[static_cast<Eigen::Index>(j)]) + t * v[static_cast<Eigen::Index>(j)];
    Vec out(dim());
    parallel_chunks(n, [&](std::size_t begin, std::size_t end) {
      std::vector<F> x = x0;
      for (std::size_t i = begin; i < end; ++i) {
        x[i] = x0[i] + s;
        out[static_cast<Eigen::Index>(i)] = a_.template loss<F>(x.data()).derivative(1, 1);
        x[i] = x0[i];
      }
    });
    return out;
  }

  Evaluation<double> evaluate(const Vec& theta, double lambda) const override {
    check_theta(theta);
    check_nonnegative("lambda", lambda);
    return eval<double>(theta_from_double<double>(theta), lambda);
  }
  Evaluation<Real50> evaluate50(const std::vector<Real50>& theta, const Real50& lambda) const override {
    return eval_via<Real50, AdReal50>(theta, lambda);
  }
  Evaluation<Real100> evaluate100(const std::vector<Real100>& theta, const Real100& lambda) const override {
    return eval_via<Real100, AdReal100>(theta, lambda);
  }
  Real50 value50(const std::vector<Real50>& theta) const override {
    check_mp(theta);
    return a_.template loss<Real50>(theta.data());
  }
  Real100 value100(const std::vector<Real100>& theta) const override {
    check_mp(theta);
    return a_.template loss<Real100>(theta.data());
  }
  Interval50 value_enclosure50(const std::vector<Real50>& theta) const override {
    return enclosure<Interval50>(theta);
  }
  Interval100 value_enclosure100(const std::vector<Real100>& theta) const override {
    return enclosure<Interval100>(theta);
  }

  const Arch& arch() const { return a_; }

  /// Gradient (into *g when non-null) and Laplacian (into *lap, Order 2) of L by d forward
  /// passes; returns L.
  template <class R, std::size_t Order, class G>
  R grad_lap(const std::vector<R>& theta, G* g, R* lap) const {
    using F = ad::detail::fvar<R, Order>;
    const std::size_t n = theta.size();
    std::vector<F> x0(n);
    for (std::size_t j = 0; j < n; ++j) x0[j] = F(theta[j]);
    std::vector<R> d2(Order >= 2 ? n : 0);
    R value = a_.template loss<R>(theta.data());
    parallel_chunks(n, [&](std::size_t begin, std::size_t end) {
      std::vector<F> x = x0;
      for (std::size_t i = begin; i < end; ++i) {
        x[i] = ad::make_fvar<R, Order>(theta[i]);
        const F y = a_.template loss<F>(x.data());
        if (g) (*g)[static_cast<Eigen::Index>(i)] = y.derivative(1);
        if constexpr (Order >= 2) d2[i] = y.derivative(2);
        x[i] = x0[i];
      }
    });
    R sum(0);  // summed in index order: the result does not depend on the thread count
    for (const auto& c : d2) sum += c;
    if (lap) *lap = sum;
    return value;
  }

 private:
  template <class R>
  Evaluation<R> eval(const std::vector<R>& theta, const R& lambda) const {
    Evaluation<R> e;
    std::vector<R> g(theta.size());
    R lap(0);
    const R L = grad_lap<R, 2>(theta, &g, &lap);
    R norm2(0), g2(0);
    for (std::size_t i = 0; i < theta.size(); ++i) {
      norm2 += theta[i] * theta[i];
      g[i] += lambda * theta[i];
      g2 += g[i] * g[i];
    }
    e.value = L + lambda * norm2 / 2;
    e.gradient = std::move(g);
    e.grad_norm2 = g2;
    e.laplacian = lap + lambda * R(static_cast<long>(theta.size()));
    return e;
  }

  template <class P, class A>
  Evaluation<P> eval_via(const std::vector<P>& theta, const P& lambda) const {
    check_mp(theta);
    if (!(lambda >= 0) || !isfinite(lambda)) throw InputError("lambda", "must be finite and >= 0");
    std::vector<A> th(theta.size());
    for (std::size_t i = 0; i < theta.size(); ++i) th[i] = convert<A>(theta[i]);
    const Evaluation<A> e = eval<A>(th, convert<A>(lambda));
    Evaluation<P> out;
    out.value = convert<P>(e.value);
    out.grad_norm2 = convert<P>(e.grad_norm2);
    out.laplacian = convert<P>(e.laplacian);
    out.gradient.resize(e.gradient.size());
    for (std::size_t i = 0; i < e.gradient.size(); ++i) out.gradient[i] = convert<P>(e.gradient[i]);
    return out;
  }

  template <class I, class P>
  I enclosure(const std::vector<P>& theta) const {
    check_mp(theta);
    std::vector<I> th(theta.size());
    for (std::size_t i = 0; i < theta.size(); ++i) th[i] = I(theta[i]);  // exact: same precision
    return a_.template loss<I>(th.data());
  }

  template <class P>
  void check_mp(const std::vector<P>& theta) const {
    if (static_cast<Eigen::Index>(theta.size()) != dim())
      throw InputError("theta", fmt::format("{}: expected {} parameters; got {}", name(), dim(), theta.size()));
    for (const auto& t : theta)
      if (!isfinite(t)) throw InputError("theta", name() + ": parameters contain NaN or inf");
  }

  Arch a_;
};

}  // namespace villani::numerics::models
