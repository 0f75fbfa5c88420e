// ModelImpl<Arch>: a ReferenceModel from an architecture (architectures.hpp).
// Derivatives:
//   With a hand-written reverse pass (Arch::loss_grad, the transformer, MLP and logistic):
//     gradient: one forward + one backward pass in the scalar R;
//     HVP: the same reverse pass run on ad::fvar<R,1> seeded with θ + εv (forward over
//       reverse, Boost.Math autodiff for the ε direction only): Hv exactly, O(1) passes;
//     exact Laplacian: Σ_i (H e_i)_i over d such HVPs in double; at 50/100 digits the
//       forward-mode fvar<R,2> path below, which was measured faster there (exact_laplacian).
//   Forward mode (always available, used without loss_grad and by DerivativeChecks):
//     gradient + exact Laplacian: d passes of fvar<R,2> seeded along e_i: the first Taylor
//     coefficient is ∂_i L, twice the second is ∂²_i L; ΔL = Σ_i ∂²_i L.
//     HVP: d passes of fvar<fvar<R,1>,1> seeded along e_i (outer) and v (inner): (Hv)_i.
// The d passes are independent and run on all hardware threads (parallel_chunks); sums are
// taken in index order (thread-count independent).
// Internal to numerics/models/.
#pragma once
#include <boost/math/differentiation/autodiff.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <type_traits>
#include <exception>
#include <mutex>
#include <thread>

#include "numerics/models/architectures.hpp"
#include "numerics/models/derivative_checks.hpp"
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

/// Architectures with a hand-written reverse pass: S loss_grad<S>(const S* θ, S* ∇L).
template <class A, class = void>
struct arch_has_backprop : std::false_type {};
template <class A>
struct arch_has_backprop<A, std::void_t<decltype(std::declval<const A&>().template loss_grad<double>(
                           static_cast<const double*>(nullptr), static_cast<double*>(nullptr)))>>
    : std::true_type {};

template <class Arch>
class ModelImpl final : public ReferenceModel, public DerivativeChecks {
 public:
  static constexpr bool kBackprop = arch_has_backprop<Arch>::value;
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
    Vec g(dim());
    if constexpr (kBackprop) {
      a_.template loss_grad<double>(theta.data(), g.data());
    } else {
      auto th = theta_from_double<double>(theta);
      grad_lap<double, 1>(th, &g, nullptr);
    }
    return g;
  }
  double laplacian(const Vec& theta) const override {
    check_theta(theta);
    return exact_laplacian<double>(theta_from_double<double>(theta));
  }
  Vec hvp(const Vec& theta, const Vec& v) const override {
    check_theta(theta);
    check_direction(v);
    if constexpr (kBackprop) {
      const auto out = hvp_reverse<double>(theta_from_double<double>(theta), theta_from_double<double>(v));
      return Eigen::Map<const Vec>(out.data(), dim());
    } else {
      return autodiff_hvp(theta, v);
    }
  }

  // ---- DerivativeChecks
  bool has_backprop() const override { return kBackprop; }
  Vec autodiff_gradient(const Vec& theta) const override {
    check_theta(theta);
    Vec g(dim());
    grad_lap<double, 1>(theta_from_double<double>(theta), &g, nullptr);
    return g;
  }
  std::vector<Real50> autodiff_gradient50(const std::vector<Real50>& theta) const override {
    check_mp(theta);
    std::vector<AdReal50> g(theta.size());
    grad_lap<AdReal50, 1>(to_ad(theta), &g, nullptr);
    return from_ad(g);
  }
  std::vector<Real50> gradient50(const std::vector<Real50>& theta) const override {
    check_mp(theta);
    return from_ad(grad<AdReal50>(to_ad(theta)));
  }
  Vec autodiff_hvp(const Vec& theta, const Vec& v) const override {
    check_theta(theta);
    check_direction(v);
    const auto out = hvp_forward<double>(theta_from_double<double>(theta), theta_from_double<double>(v));
    return Eigen::Map<const Vec>(out.data(), dim());
  }
  std::vector<Real50> autodiff_hvp50(const std::vector<Real50>& theta, const std::vector<Real50>& v) const override {
    check_mp(theta);
    check_mp(v);
    return from_ad(hvp_forward<AdReal50>(to_ad(theta), to_ad(v)));
  }
  std::vector<Real50> hvp50(const std::vector<Real50>& theta, const std::vector<Real50>& v) const override {
    check_mp(theta);
    check_mp(v);
    if constexpr (kBackprop) return from_ad(hvp_reverse<AdReal50>(to_ad(theta), to_ad(v)));
    else return from_ad(hvp_forward<AdReal50>(to_ad(theta), to_ad(v)));
  }
  double laplacian_forward(const Vec& theta) const override {
    check_theta(theta);
    double lap = 0;
    grad_lap<double, 2, Vec>(theta_from_double<double>(theta), nullptr, &lap);
    return lap;
  }
  double laplacian_by_hvps(const Vec& theta) const override {
    check_theta(theta);
    return laplacian_hvps<double>(theta_from_double<double>(theta));
  }

  /// Hv by d passes of fvar<fvar<R,1>,1> (forward over forward).
  template <class R>
  std::vector<R> hvp_forward(const std::vector<R>& theta, const std::vector<R>& v) const {
    using F = ad::detail::fvar<ad::detail::fvar<R, 1>, 1>;
    const auto n = static_cast<std::size_t>(dim());
    // t seeded in the inner fvar (direction v), s in the outer (direction e_i).
    const auto vars = ad::make_ftuple<R, 1, 1>(R(0), R(0));
    const F& s = std::get<0>(vars);
    const F& t = std::get<1>(vars);
    std::vector<F> x0(n);
    for (std::size_t j = 0; j < n; ++j) x0[j] = F(theta[j]) + t * v[j];
    std::vector<R> out(n);
    parallel_chunks(n, [&](std::size_t begin, std::size_t end) {
      std::vector<F> x = x0;
      for (std::size_t i = begin; i < end; ++i) {
        x[i] = x0[i] + s;
        out[i] = a_.template loss<F>(x.data()).derivative(1, 1);
        x[i] = x0[i];
      }
    });
    return out;
  }

  /// Hv by one reverse pass on fvar<R,1> seeded with θ + εv: the ε-coefficient of ∇L.
  template <class R>
  std::vector<R> hvp_reverse(const std::vector<R>& theta, const std::vector<R>& v) const {
    using F = ad::detail::fvar<R, 1>;
    const std::size_t n = theta.size();
    const F eps = ad::make_fvar<R, 1>(R(0));
    std::vector<F> x(n), g(n);
    for (std::size_t j = 0; j < n; ++j) x[j] = F(theta[j]) + eps * v[j];
    a_.template loss_grad<F>(x.data(), g.data());
    std::vector<R> out(n);
    for (std::size_t j = 0; j < n; ++j) out[j] = g[j].derivative(1);
    return out;
  }

  /// ΔL = Σ_i (H e_i)_i over d forward-over-reverse passes (needs loss_grad), else Σ_i ∂²_i L
  /// by fvar<R,2> passes.
  template <class R>
  R laplacian_hvps(const std::vector<R>& theta) const {
    if constexpr (kBackprop) {
      using F = ad::detail::fvar<R, 1>;
      const std::size_t n = theta.size();
      std::vector<F> x0(n);
      for (std::size_t j = 0; j < n; ++j) x0[j] = F(theta[j]);
      std::vector<R> d2(n);
      parallel_chunks(n, [&](std::size_t begin, std::size_t end) {
        std::vector<F> x = x0, g(n);
        for (std::size_t i = begin; i < end; ++i) {
          x[i] = ad::make_fvar<R, 1>(theta[i]);
          a_.template loss_grad<F>(x.data(), g.data());
          d2[i] = g[i].derivative(1);
          x[i] = x0[i];
        }
      });
      R sum(0);
      for (const auto& c : d2) sum += c;
      return sum;
    } else {
      R lap(0);
      grad_lap<R, 2, std::vector<R>>(theta, nullptr, &lap);
      return lap;
    }
  }

  /// The exact Laplacian by the faster of the two paths (measured on tiny-transformer,
  /// docs/status/models.md): in double Σ_i (H e_i)_i by forward over reverse (0.7 s vs 1.0 s);
  /// at 50/100 digits (cpp_bin_float) the fvar<R,2> forward passes (37 s vs 79 s).
  template <class R>
  R exact_laplacian(const std::vector<R>& theta) const {
    if constexpr (kBackprop && std::is_same_v<R, double>) {
      return laplacian_hvps<R>(theta);
    } else {
      R lap(0);
      grad_lap<R, 2, std::vector<R>>(theta, nullptr, &lap);
      return lap;
    }
  }

  /// ∇L: the reverse pass where there is one, else d fvar<R,1> passes.
  template <class R>
  std::vector<R> grad(const std::vector<R>& theta) const {
    std::vector<R> g(theta.size());
    if constexpr (kBackprop) a_.template loss_grad<R>(theta.data(), g.data());
    else grad_lap<R, 1>(theta, &g, nullptr);
    return g;
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
  void check_direction(const Vec& v) const {
    if (v.size() != dim())
      throw InputError("v", fmt::format("{}: expected {} entries; got {}", name(), dim(), v.size()));
    if (!v.allFinite()) throw InputError("v", "direction contains NaN or inf");
  }
  static std::vector<AdReal50> to_ad(const std::vector<Real50>& x) {
    std::vector<AdReal50> out(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) out[i] = convert<AdReal50>(x[i]);
    return out;
  }
  static std::vector<Real50> from_ad(const std::vector<AdReal50>& x) {
    std::vector<Real50> out(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) out[i] = convert<Real50>(x[i]);
    return out;
  }

  template <class R>
  Evaluation<R> eval(const std::vector<R>& theta, const R& lambda) const {
    Evaluation<R> e;
    std::vector<R> g(theta.size());
    R lap(0), L(0);
    if constexpr (kBackprop && std::is_same_v<R, double>) {
      L = a_.template loss_grad<R>(theta.data(), g.data());
      lap = exact_laplacian<R>(theta);
    } else {  // the forward passes give the gradient with the Laplacian
      L = grad_lap<R, 2>(theta, &g, &lap);
    }
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
