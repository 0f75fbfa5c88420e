#include "numerics/distributed.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <algorithm>
#include <cstdlib>
#include <mutex>

#include "numerics/errors.hpp"
#include "numerics/linear_operator.hpp"

namespace villani::numerics {
namespace {

std::mutex& factory_mutex() {
  static std::mutex m;
  return m;
}
CommunicatorFactory& factory() {
  static CommunicatorFactory f;
  return f;
}

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v) return std::nullopt;
  return std::string(v);
}

long long env_int(const char* name, const std::string& text, long long lo, long long hi) {
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || v < lo || v > hi)
    throw InputError(name, fmt::format("expected an integer in [{}, {}]; got '{}'", lo, hi, text));
  return v;
}

// ∇²L at θ over all ranks: the local operator's product (with its graph reuse), weighted, summed.
class DistributedHessian final : public LinearOperator {
 public:
  DistributedHessian(std::unique_ptr<LinearOperator> local, const DistributedObjective& obj)
      : local_(std::move(local)), obj_(obj) {}
  Eigen::Index rows() const override { return local_->rows(); }
  std::string name() const override { return local_->name() + " (all-reduced)"; }

 protected:
  void multiply(const double* x, double* y) const override {
    local_->perform_op(x, y);
    obj_.reduce(y, local_->rows());
  }
  VectorPrecision precision() const override { return local_->precision(); }
  // The local product in float; the all-reduce in double (one buffer, kept between products).
  void multiply_f32(const float* x, float* y) const override {
    const Eigen::Index n = local_->rows();
    local_->perform_op(x, y);
    if (sum_.size() != n) sum_.resize(n);
    sum_ = Eigen::Map<const Eigen::VectorXf>(y, n).cast<double>();
    obj_.reduce(sum_.data(), n);
    Eigen::Map<Eigen::VectorXf>(y, n) = sum_.cast<float>();
  }

 private:
  std::unique_ptr<LinearOperator> local_;
  const DistributedObjective& obj_;
  mutable Vec sum_;
};

}  // namespace

std::optional<LaunchEnv> launch_env() {
  const auto world = env("WORLD_SIZE");
  if (!world) return std::nullopt;
  LaunchEnv e;
  e.world = static_cast<int>(env_int("WORLD_SIZE", *world, 1, 1 << 20));
  if (e.world == 1) return std::nullopt;
  const auto rank = env("RANK");
  if (!rank) throw InputError("RANK", "WORLD_SIZE is set but RANK is not (set both, or launch with villani launch)");
  e.rank = static_cast<int>(env_int("RANK", *rank, 0, e.world - 1));
  if (const auto lr = env("LOCAL_RANK")) e.local_rank = static_cast<int>(env_int("LOCAL_RANK", *lr, 0, 1 << 20));
  if (const auto a = env("MASTER_ADDR")) {
    if (a->empty()) throw InputError("MASTER_ADDR", "is empty");
    e.addr = *a;
  }
  if (const auto p = env("MASTER_PORT")) e.port = static_cast<int>(env_int("MASTER_PORT", *p, 1, 65535));
  if (const auto t = env("VILLANI_DIST_TIMEOUT")) {
    char* end = nullptr;
    e.timeout_s = std::strtod(t->c_str(), &end);
    if (t->empty() || *end != '\0' || !(e.timeout_s > 0) || !std::isfinite(e.timeout_s) || e.timeout_s > 86400)
      throw InputError("VILLANI_DIST_TIMEOUT", "expected seconds in (0, 86400]; got '" + *t + "'");
  }
  return e;
}

void set_communicator_factory(CommunicatorFactory f) {
  std::lock_guard<std::mutex> lock(factory_mutex());
  factory() = std::move(f);
}

std::shared_ptr<Communicator> make_communicator(const LaunchEnv& e) {
  CommunicatorFactory f;
  {
    std::lock_guard<std::mutex> lock(factory_mutex());
    f = factory();
  }
  if (!f)
    throw InputError("WORLD_SIZE", fmt::format("is {}, but this villani was built without a c10d backend "
                                               "(LibTorch with Gloo: install libgloo-dev and rebuild)",
                                               e.world));
  return f(e);
}

Shard shard_rows(std::int64_t n, int rank, int world, const std::string& argument) {
  if (world < 1 || rank < 0 || rank >= world) throw InputError("RANK", fmt::format("{} of {}", rank, world));
  if (n < world)
    throw InputError(argument, fmt::format("holds {} sequence(s), fewer than the {} ranks that share it (each rank "
                                           "needs at least one)",
                                           n, world));
  Shard s;
  s.begin = n * rank / world;
  s.end = n * (rank + 1) / world;
  s.weight = static_cast<double>(s.end - s.begin) / static_cast<double>(n);
  return s;
}

void weighted_allreduce(Communicator& c, double weight, double* x, std::int64_t n) {
  if (weight != 1)
    for (std::int64_t i = 0; i < n; ++i) x[i] *= weight;
  c.allreduce_sum(x, n);
}

void broadcast(Communicator& c, double* x, std::int64_t n, int root) {
  if (c.rank() != root) std::fill(x, x + n, 0.0);
  c.allreduce_sum(x, n);
}

std::string broadcast_bytes(Communicator& c, const std::string& bytes, int root) {
  constexpr std::size_t kPer = 6;  // 48-bit integers: exact in double
  double len = c.rank() == root ? static_cast<double>(bytes.size()) : 0.0;
  broadcast(c, &len, 1, root);
  const auto n = static_cast<std::size_t>(len);
  std::vector<double> packed((n + kPer - 1) / kPer, 0.0);
  if (c.rank() == root)
    for (std::size_t i = 0; i < packed.size(); ++i) {
      std::uint64_t v = 0;
      for (std::size_t j = 0; j < kPer && i * kPer + j < n; ++j)
        v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i * kPer + j])) << (8 * j);
      packed[i] = static_cast<double>(v);
    }
  broadcast(c, packed.data(), static_cast<std::int64_t>(packed.size()), root);
  std::string out(n, '\0');
  for (std::size_t i = 0; i < packed.size(); ++i) {
    const auto v = static_cast<std::uint64_t>(packed[i]);
    for (std::size_t j = 0; j < kPer && i * kPer + j < n; ++j) out[i * kPer + j] = static_cast<char>((v >> (8 * j)) & 0xff);
  }
  return out;
}

DistributedObjective::DistributedObjective(std::shared_ptr<const Objective> local, std::shared_ptr<Communicator> comm,
                                           double weight)
    : local_(std::move(local)), comm_(std::move(comm)), weight_(weight) {
  if (!local_ || !comm_) throw std::invalid_argument("DistributedObjective: null objective or communicator");
  if (!(weight_ > 0) || weight_ > 1) throw std::invalid_argument("DistributedObjective: weight outside (0, 1]");
}

void DistributedObjective::reduce(double* x, std::int64_t n) const { weighted_allreduce(*comm_, weight_, x, n); }

double DistributedObjective::value(const Vec& theta) const {
  double v = local_->value(theta);
  reduce(&v, 1);
  return v;
}

Vec DistributedObjective::gradient(const Vec& theta) const {
  Vec g = local_->gradient(theta);
  reduce(g.data(), g.size());
  return g;
}

Vec DistributedObjective::hvp(const Vec& theta, const Vec& v) const {
  Vec h = local_->hvp(theta, v);
  reduce(h.data(), h.size());
  return h;
}

std::unique_ptr<LinearOperator> DistributedObjective::hessian_at(const Vec& theta) const {
  return std::make_unique<DistributedHessian>(local_->hessian_at(theta), *this);
}

double DistributedObjective::laplacian(const Vec& theta) const {
  double v = local_->laplacian(theta);
  reduce(&v, 1);
  return v;
}

std::string DistributedObjective::name() const {
  return fmt::format("{} (data-parallel over {} ranks)", local_->name(), comm_->size());
}

}  // namespace villani::numerics
