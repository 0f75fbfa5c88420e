#include "experiments/companion/relu_landscape.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "numerics/errors.hpp"

namespace villani::experiments::companion {

namespace {
constexpr double kPi = 3.14159265358979323846;

Eigen::Vector2d ray(double angle) { return {std::cos(angle), std::sin(angle)}; }

// Normalizes an angle into [lo, lo + 2π).
double wrap_from(double angle, double lo) {
  double t = std::fmod(angle - lo, 2 * kPi);
  if (t < 0) t += 2 * kPi;
  return lo + t;
}

// max_{z in the closed arc [lo, hi] of unit vectors} c · z.
double arc_max(const Eigen::Vector2d& c, double lo, double hi) {
  const double nc = c.norm();
  if (nc == 0) return 0;
  const double ang = wrap_from(std::atan2(c.y(), c.x()), lo);
  if (ang <= hi) return nc;
  return std::max(c.dot(ray(lo)), c.dot(ray(hi)));
}

// Euclidean projection onto the cone of a pattern.
Eigen::VectorXd project(const ReluData& data, const Pattern& p, const Eigen::VectorXd& z) {
  if (data.kind == DataKind::Orthogonal) {
    Eigen::VectorXd out = z;
    for (Eigen::Index i = 0; i < z.size(); ++i)
      out[i] = p.active[static_cast<std::size_t>(i)] ? std::max(0.0, z[i]) : std::min(0.0, z[i]);
    return out;
  }
  const double nz = z.norm();
  if (nz == 0) return z;
  const double ang = wrap_from(std::atan2(z[1], z[0]), p.lo);
  if (ang <= p.hi) return z;
  const Eigen::Vector2d e0 = ray(p.lo), e1 = ray(p.hi);
  const double t0 = std::max(0.0, z.dot(e0)), t1 = std::max(0.0, z.dot(e1));
  return t0 >= t1 ? Eigen::VectorXd(t0 * e0) : Eigen::VectorXd(t1 * e1);
}
}  // namespace

ReluData orthogonal_data(int n, const std::string& labels, std::uint64_t seed) {
  if (n < 1 || n > 16) throw InputError("--n", "orthogonal data needs 1 ≤ n ≤ 16; got " + std::to_string(n));
  ReluData d;
  d.kind = DataKind::Orthogonal;
  d.X = Eigen::MatrixXd::Identity(n, n);
  d.y = Eigen::VectorXd::Ones(n);
  if (labels == "signs") {
    std::mt19937_64 rng(seed);
    std::bernoulli_distribution coin(0.5);
    for (int i = 0; i < n; ++i) d.y[i] = coin(rng) ? 1.0 : -1.0;
  } else if (labels != "ones") {
    throw InputError("--labels", "expected ones|signs; got '" + labels + "'");
  }
  return d;
}

ReluData planar_data(int n, std::uint64_t seed) {
  if (n < 2 || n > 64) throw InputError("--n", "planar data needs 2 ≤ n ≤ 64; got " + std::to_string(n));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 2 * kPi);
  std::bernoulli_distribution coin(0.5);
  ReluData d;
  d.kind = DataKind::Planar;
  d.X.resize(n, 2);
  d.y.resize(n);
  // General position for lines through 0: no two points on a common line through the origin
  // (angles distinct modulo π by a margin).
  std::vector<double> ang;
  while (static_cast<int>(ang.size()) < n) {
    const double a = u(rng);
    bool ok = true;
    for (double b : ang) {
      double diff = std::fmod(std::fabs(a - b), kPi);
      if (std::min(diff, kPi - diff) < 0.05) ok = false;
    }
    if (ok) ang.push_back(a);
  }
  for (int i = 0; i < n; ++i) {
    d.X(i, 0) = std::cos(ang[i]);
    d.X(i, 1) = std::sin(ang[i]);
    d.y[i] = coin(rng) ? 1.0 : -1.0;
  }
  return d;
}

Eigen::VectorXd predict(const ReluData& data, const ReluNet& net) {
  const Eigen::MatrixXd pre = data.X * net.W.transpose();  // n × m
  return pre.cwiseMax(0.0) * net.a;
}

double objective(const ReluData& data, const ReluNet& net, double beta) {
  const Eigen::VectorXd r = predict(data, net) - data.y;
  return 0.5 * r.squaredNorm() + 0.5 * beta * (net.W.squaredNorm() + net.a.squaredNorm());
}

void gradient(const ReluData& data, const ReluNet& net, double beta, Eigen::MatrixXd& gW,
              Eigen::VectorXd& ga) {
  const Eigen::MatrixXd pre = data.X * net.W.transpose();  // n × m
  const Eigen::MatrixXd act = pre.cwiseMax(0.0);
  const Eigen::VectorXd r = act * net.a - data.y;
  ga = act.transpose() * r + beta * net.a;
  // ∂/∂w_j = a_j Σ_i r_i 1[pre_ij > 0] x_i
  Eigen::MatrixXd s = (r * net.a.transpose()).cwiseProduct((pre.array() > 0).cast<double>().matrix());
  gW = s.transpose() * data.X + beta * net.W;
}

std::pair<double, double> dual_constraint(const ReluData& data, const Eigen::VectorXd& v) {
  if (data.kind == DataKind::Orthogonal)
    return {v.cwiseMax(0.0).norm(), (-v).cwiseMax(0.0).norm()};
  double best_pos = 0, best_neg = 0;
  for (const auto& p : enumerate_patterns(data)) {
    Eigen::Vector2d c = Eigen::Vector2d::Zero();
    for (Eigen::Index i = 0; i < v.size(); ++i)
      if (p.active[static_cast<std::size_t>(i)]) c += v[i] * data.X.row(i).transpose();
    best_pos = std::max(best_pos, arc_max(c, p.lo, p.hi));
    best_neg = std::max(best_neg, arc_max(-c, p.lo, p.hi));
  }
  return {best_pos, best_neg};
}

Certificate certify(const ReluData& data, const Eigen::VectorXd& fit, double primal, double beta) {
  Certificate c;
  c.primal = primal;
  Eigen::VectorXd v = data.y - fit;
  const auto [pos, neg] = dual_constraint(data, v);
  c.constraint = std::max(pos, neg);
  if (c.constraint > beta) v *= beta / c.constraint;
  c.dual_lower = 0.5 * data.y.squaredNorm() - 0.5 * (v - data.y).squaredNorm();
  c.gap = primal - c.dual_lower;
  return c;
}

double orthogonal_optimum(const Eigen::VectorXd& y, double beta) {
  double p = 0;
  for (double s : {1.0, -1.0}) {
    const double ny = (s * y).cwiseMax(0.0).norm();
    p += ny <= beta ? 0.5 * ny * ny : beta * ny - 0.5 * beta * beta;
  }
  return p;
}

std::vector<Pattern> enumerate_patterns(const ReluData& data) {
  std::vector<Pattern> out;
  const int n = static_cast<int>(data.X.rows());
  if (data.kind == DataKind::Orthogonal) {
    for (long mask = 0; mask < (1L << n); ++mask) {
      Pattern p;
      p.active.resize(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) p.active[static_cast<std::size_t>(i)] = (mask >> i) & 1;
      out.push_back(std::move(p));
    }
    return out;
  }
  // Planar: the lines x_i · z = 0 cut the circle at angles φ_i ± π/2.
  std::vector<double> cuts;
  for (int i = 0; i < n; ++i) {
    const double phi = std::atan2(data.X(i, 1), data.X(i, 0));
    cuts.push_back(wrap_from(phi + kPi / 2, 0));
    cuts.push_back(wrap_from(phi - kPi / 2, 0));
  }
  std::sort(cuts.begin(), cuts.end());
  for (std::size_t k = 0; k < cuts.size(); ++k) {
    Pattern p;
    p.lo = cuts[k];
    p.hi = k + 1 < cuts.size() ? cuts[k + 1] : cuts[0] + 2 * kPi;
    const Eigen::Vector2d mid = ray(0.5 * (p.lo + p.hi));
    p.active.resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) p.active[static_cast<std::size_t>(i)] = data.X.row(i).dot(mid) > 0;
    out.push_back(std::move(p));
  }
  return out;
}

double cover_count(int n, int d) {
  double total = 0, binom = 1;  // C(n−1, i)
  for (int i = 0; i < d && i <= n - 1; ++i) {
    total += binom;
    binom = binom * (n - 1 - i) / (i + 1);
  }
  return 2 * total;
}

int sampled_pattern_count(const Eigen::MatrixXd& X, int samples, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  std::set<std::vector<bool>> seen;
  Eigen::VectorXd z(X.cols());
  std::vector<bool> key(static_cast<std::size_t>(X.rows()));
  for (int s = 0; s < samples; ++s) {
    for (Eigen::Index j = 0; j < z.size(); ++j) z[j] = g(rng);
    const Eigen::VectorXd pre = X * z;
    for (Eigen::Index i = 0; i < pre.size(); ++i) key[static_cast<std::size_t>(i)] = pre[i] >= 0;
    seen.insert(key);
  }
  return static_cast<int>(seen.size());
}

ConvexResult solve_convex(const ReluData& data, double beta, int max_iter, double tol) {
  const auto pats = enumerate_patterns(data);
  const int P = static_cast<int>(pats.size());
  const Eigen::Index n = data.X.rows(), d = data.X.cols();
  std::vector<Eigen::MatrixXd> M(static_cast<std::size_t>(P));  // D_k X
  for (int k = 0; k < P; ++k) {
    M[static_cast<std::size_t>(k)] = data.X;
    for (Eigen::Index i = 0; i < n; ++i)
      if (!pats[static_cast<std::size_t>(k)].active[static_cast<std::size_t>(i)])
        M[static_cast<std::size_t>(k)].row(i).setZero();
  }
  // Blocks 0..P−1 are v_k (sign +1), P..2P−1 are u_k (sign −1); Z is d × 2P.
  auto apply = [&](const Eigen::MatrixXd& Z) {
    Eigen::VectorXd f = Eigen::VectorXd::Zero(n);
    for (int k = 0; k < P; ++k)
      f += M[static_cast<std::size_t>(k)] * (Z.col(k) - Z.col(P + k));
    return f;
  };
  auto adjoint = [&](const Eigen::VectorXd& r) {
    Eigen::MatrixXd G(d, 2 * P);
    for (int k = 0; k < P; ++k) {
      const Eigen::VectorXd g = M[static_cast<std::size_t>(k)].transpose() * r;
      G.col(k) = g;
      G.col(P + k) = -g;
    }
    return G;
  };
  // Lipschitz constant ‖A‖² by power iteration on AᵀA (then a safety margin).
  Eigen::MatrixXd Z = Eigen::MatrixXd::Zero(d, 2 * P);
  for (int k = 0; k < P; ++k)  // v blocks only (v − u = 0 would be a null vector)
    for (Eigen::Index j = 0; j < d; ++j) Z(j, k) = 1.0 + 0.01 * static_cast<double>((k * 7 + j * 3) % 11);
  double lip = 1;
  for (int it = 0; it < 60; ++it) {
    const Eigen::MatrixXd G = adjoint(apply(Z));
    const double nG = G.norm();
    if (nG == 0) break;
    lip = nG / Z.norm();
    Z = G / nG;
  }
  const double step = 1.0 / (1.05 * lip + 1e-300);

  auto value_of = [&](const Eigen::MatrixXd& Zc, const Eigen::VectorXd& fit) {
    double pen = 0;
    for (Eigen::Index k = 0; k < Zc.cols(); ++k) pen += Zc.col(k).norm();
    return 0.5 * (fit - data.y).squaredNorm() + beta * pen;
  };
  auto prox = [&](const Eigen::MatrixXd& V) {
    Eigen::MatrixXd out(d, 2 * P);
    for (int k = 0; k < 2 * P; ++k) {
      const Eigen::VectorXd pz = project(data, pats[static_cast<std::size_t>(k % P)], V.col(k));
      const double npz = pz.norm();
      const double t = npz > 0 ? std::max(0.0, 1 - step * beta / npz) : 0.0;
      out.col(k) = t * pz;
    }
    return out;
  };

  ConvexResult res;
  res.patterns = P;
  Z.setZero();
  Eigen::MatrixXd Yk = Z, Zprev = Z;
  double t = 1, prev_val = value_of(Z, apply(Z));
  for (int it = 1; it <= max_iter; ++it) {
    const Eigen::VectorXd r = apply(Yk) - data.y;
    Zprev = Z;
    Z = prox(Yk - step * adjoint(r));
    const double tn = 0.5 * (1 + std::sqrt(1 + 4 * t * t));
    Yk = Z + ((t - 1) / tn) * (Z - Zprev);
    t = tn;
    res.iterations = it;
    if (it % 25 == 0 || it == max_iter) {
      const Eigen::VectorXd fit = apply(Z);
      const double val = value_of(Z, fit);
      if (val > prev_val) {  // adaptive restart (O'Donoghue–Candès)
        t = 1;
        Yk = Z;
      }
      prev_val = val;
      const Certificate c = certify(data, fit, val, beta);
      res.value = val;
      res.dual_lower = c.dual_lower;
      res.gap = c.gap;
      res.fit = fit;
      if (c.gap <= tol * std::max(1.0, val)) break;
    }
  }
  res.active_neurons = 0;
  std::vector<int> active;
  for (int k = 0; k < 2 * P; ++k)
    if (Z.col(k).norm() > 0) active.push_back(k);
  res.active_neurons = static_cast<int>(active.size());
  res.network.W.resize(static_cast<Eigen::Index>(active.size()), d);
  res.network.a.resize(static_cast<Eigen::Index>(active.size()));
  for (std::size_t j = 0; j < active.size(); ++j) {
    const Eigen::VectorXd z = Z.col(active[j]);
    const double nz = z.norm();
    res.network.W.row(static_cast<Eigen::Index>(j)) = z.transpose() / std::sqrt(nz);
    res.network.a[static_cast<Eigen::Index>(j)] = (active[j] < P ? 1.0 : -1.0) * std::sqrt(nz);
  }
  return res;
}

ReluNet init_balanced(int m, int d, double scale, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  std::bernoulli_distribution coin(0.5);
  ReluNet net;
  net.W.resize(m, d);
  net.a.resize(m);
  const double sd = scale / std::sqrt(static_cast<double>(d));
  for (int j = 0; j < m; ++j) {
    for (int k = 0; k < d; ++k) net.W(j, k) = sd * g(rng);
    net.a[j] = (coin(rng) ? 1.0 : -1.0) * net.W.row(j).norm();
  }
  return net;
}

GdResult gradient_descent(const ReluData& data, ReluNet net, double beta, const GdOptions& o) {
  GdResult res;
  double lr = o.lr;
  Eigen::MatrixXd gW;
  Eigen::VectorXd ga;
  double P = objective(data, net, beta);
  // best[t]: the least P seen up to step t (the stall test compares these, so chatter across
  // kinks in the non-monotone mode does not count as progress).
  std::vector<double> best;
  best.reserve(static_cast<std::size_t>(o.max_steps) + 1);
  best.push_back(P);
  const int decay_start = static_cast<int>(0.7 * o.max_steps);
  const double decay = std::pow(o.final_decay, 1.0 / std::max(1, o.max_steps - decay_start));
  int step = 0;
  while (step < o.max_steps) {
    gradient(data, net, beta, gW, ga);
    const double gnorm = std::sqrt(gW.squaredNorm() + ga.squaredNorm());
    if (!std::isfinite(gnorm)) throw DomainError("gradient descent diverged (non-finite gradient)");
    if (gnorm <= o.grad_tol) { res.stalled = true; break; }
    ReluNet next{net.W - lr * gW, net.a - lr * ga};
    double Pn = objective(data, next, beta);
    int halvings = 0;
    auto rejected = [&](double v) {
      return o.monotone ? !(v <= P) : !(std::isfinite(v) && v <= 10 * P + 1);
    };
    while (rejected(Pn) && halvings < 60) {
      lr *= 0.5;
      ++halvings;
      next = ReluNet{net.W - lr * gW, net.a - lr * ga};
      Pn = objective(data, next, beta);
    }
    if (rejected(Pn)) { res.stalled = true; break; }  // no decrease at any step size
    if (o.monotone && halvings == 0) lr = std::min(o.lr_max, lr * o.lr_growth);
    if (!o.monotone && step >= decay_start) lr *= decay;
    net = std::move(next);
    P = Pn;
    ++step;
    best.push_back(std::min(best.back(), P));
    if (step >= o.stall_window &&
        best[static_cast<std::size_t>(step - o.stall_window)] - best.back() <=
            o.stall_tol * std::max(1.0, P)) {
      res.stalled = true;
      break;
    }
  }
  gradient(data, net, beta, gW, ga);
  res.grad_norm = std::sqrt(gW.squaredNorm() + ga.squaredNorm());
  res.objective = P;
  res.steps = step;
  res.lr = lr;
  res.net = std::move(net);
  return res;
}

const char* to_string(DataKind k) { return k == DataKind::Orthogonal ? "orthogonal" : "planar"; }

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::Global: return "global";
    case Outcome::Spurious: return "spurious";
    case Outcome::Undecided: return "undecided";
  }
  return "?";
}

Outcome classify(double primal, double p_lower, double p_upper, double rel_tol, bool stalled) {
  const double scale = std::max(1.0, std::fabs(p_upper));
  if (primal - p_lower <= rel_tol * scale) return Outcome::Global;
  if (stalled && primal - p_upper > rel_tol * scale) return Outcome::Spurious;
  return Outcome::Undecided;
}

}  // namespace villani::experiments::companion
