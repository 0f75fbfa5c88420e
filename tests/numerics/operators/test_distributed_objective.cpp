// numerics::DistributedObjective without c10d: W threads, each a "rank" holding a block of the
// rows of a least-squares loss L(θ) = (1/N) Σ_i ½(a_iᵀθ − b_i)² + ¼ Σ_i (a_iᵀθ)⁴/N (not
// quadratic, so the HVP depends on θ), joined by an in-process communicator that sums in rank
// order (as every rank must see the same bits). Gradient, HVP, exact trace, XTrace and the top-3
// eigenvalues over the ranks equal those of the whole loss to 1e-12; shard_rows splits fairly.
#include <Eigen/Core>

#include <condition_variable>
#include <limits>
#include <string>
#include <mutex>
#include <thread>
#include <vector>

#include "numerics/curvature.hpp"
#include "numerics/distributed.hpp"
#include "numerics/errors.hpp"
#include "numerics/linear_operator.hpp"

#include <catch2/catch.hpp>

using namespace villani::numerics;

namespace {

class Rows final : public Objective {
 public:
  Rows(Eigen::MatrixXd a, Eigen::VectorXd b) : a_(std::move(a)), b_(std::move(b)) {}
  Eigen::Index dim() const override { return a_.cols(); }
  // The mean over this block's rows (as each rank computes it); the block's weight is rows/N.
  double value(const Vec& t) const override {
    const Vec r = a_ * t;
    return ((0.5 * (r - b_).array().square() + 0.25 * r.array().pow(4)).sum()) / static_cast<double>(a_.rows());
  }
  Vec gradient(const Vec& t) const override {
    const Vec r = a_ * t;
    return a_.transpose() * ((r - b_).array() + r.array().cube()).matrix() / static_cast<double>(a_.rows());
  }
  Vec hvp(const Vec& t, const Vec& v) const override {
    const Vec r = a_ * t;
    return a_.transpose() * ((1 + 3 * r.array().square()) * (a_ * v).array()).matrix() /
           static_cast<double>(a_.rows());
  }

 private:
  Eigen::MatrixXd a_;
  Eigen::VectorXd b_;
};

// A reusable barrier (C++17 has none).
class Barrier {
 public:
  explicit Barrier(int n) : n_(n) {}
  void arrive_and_wait() {
    std::unique_lock<std::mutex> lock(m_);
    const long gen = gen_;
    if (++count_ == n_) {
      count_ = 0;
      ++gen_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return gen_ != gen; });
    }
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  int n_, count_ = 0;
  long gen_ = 0;
};

// Sums in rank order through shared slots: every rank gets the same bits.
struct Shared {
  explicit Shared(int w) : world(w), sync(w), slots(static_cast<std::size_t>(w)) {}
  int world;
  Barrier sync;
  std::vector<std::vector<double>> slots;
};

class ThreadComm final : public Communicator {
 public:
  ThreadComm(Shared& s, int rank) : s_(s), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return s_.world; }
  void allreduce_sum(double* x, std::int64_t n) override {
    s_.slots[static_cast<std::size_t>(rank_)].assign(x, x + n);
    s_.sync.arrive_and_wait();
    for (std::int64_t i = 0; i < n; ++i) {
      double sum = 0;
      for (int r = 0; r < s_.world; ++r) sum += s_.slots[static_cast<std::size_t>(r)][static_cast<std::size_t>(i)];
      x[i] = sum;
    }
    s_.sync.arrive_and_wait();
    record(0);
  }

 private:
  Shared& s_;
  int rank_;
};

struct Results {
  Vec grad, hvp;
  double value = 0, exact = 0, xtrace = 0;
  std::vector<double> top;
};

Results analyse(const Objective& f, const Vec& theta, const Vec& v) {
  Results r;
  r.value = f.value(theta);
  r.grad = f.gradient(theta);
  r.hvp = f.hvp(theta, v);
  const auto op = f.hessian_at(theta);
  r.exact = trace_report(*op, TraceChoice::Exact, 0, Probe::Rademacher, 1).value;
  r.xtrace = trace_report(*op, TraceChoice::XTrace, 24, Probe::Rademacher, 7).value;
  LanczosOptions lo;
  lo.tolerance = 1e-10;
  r.top = eigen_report(*op, 3, EigenWhich::Largest, lo).values;
  return r;
}

}  // namespace

TEST_CASE("distributed objective: 3 thread ranks equal the whole loss (gradient, HVP, traces, top-3)",
          "[distributed]") {
  const int n = 11, d = 9, world = 3;
  Eigen::MatrixXd a = Eigen::MatrixXd::Random(n, d);
  Eigen::VectorXd b = Eigen::VectorXd::Random(n);
  const Vec theta = 0.3 * Vec::Random(d), v = Vec::Random(d);
  const Results whole = analyse(Rows(a, b), theta, v);

  Shared shared(world);
  std::vector<Results> got(world);
  std::vector<std::thread> ranks;
  for (int r = 0; r < world; ++r)
    ranks.emplace_back([&, r] {
      const Shard s = shard_rows(n, r, world, "rows");
      auto local = std::make_shared<Rows>(a.middleRows(s.begin, s.end - s.begin), b.segment(s.begin, s.end - s.begin));
      const DistributedObjective f(local, std::make_shared<ThreadComm>(shared, r), s.weight);
      got[static_cast<std::size_t>(r)] = analyse(f, theta, v);
    });
  for (auto& t : ranks) t.join();
  for (const auto& g : got) {
    CHECK(g.value == Approx(whole.value).epsilon(1e-12));
    CHECK((g.grad - whole.grad).norm() <= 1e-12 * whole.grad.norm());
    CHECK((g.hvp - whole.hvp).norm() <= 1e-12 * whole.hvp.norm());
    CHECK(g.exact == Approx(whole.exact).epsilon(1e-12));
    CHECK(g.xtrace == Approx(whole.xtrace).epsilon(1e-12));
    for (int i = 0; i < 3; ++i) CHECK(g.top[static_cast<std::size_t>(i)] == Approx(whole.top[static_cast<std::size_t>(i)]).epsilon(1e-12));
    // Every rank holds the same bits (so they all take the same decisions).
    CHECK(g.grad == got[0].grad);
    CHECK(g.top == got[0].top);
  }
}

TEST_CASE("distributed objective: shard_rows splits contiguously and refuses more ranks than rows", "[distributed]") {
  std::int64_t next = 0;
  double total = 0;
  for (int r = 0; r < 4; ++r) {
    const Shard s = shard_rows(10, r, 4, "--tokens");
    CHECK(s.begin == next);
    CHECK(s.end - s.begin >= 2);
    CHECK(s.end - s.begin <= 3);
    next = s.end;
    total += s.weight;
  }
  CHECK(next == 10);
  CHECK(total == Approx(1.0).epsilon(1e-15));
  CHECK_THROWS_AS(shard_rows(3, 0, 4, "--tokens"), villani::InputError);
}

TEST_CASE("distributed: broadcast and broadcast_bytes hand rank 0's values to every rank bit for bit",
          "[distributed]") {
  const int world = 3;
  Shared shared(world);
  // Every byte value, a length that is not a multiple of 6, and doubles of every kind.
  std::string bytes;
  for (int i = 0; i < 256 * 3 + 5; ++i) bytes.push_back(static_cast<char>((i * 37 + 11) % 256));
  const std::vector<double> values{-0.0, 1e-300, -3.5, 1.0 / 3.0, 1e300, std::numeric_limits<double>::denorm_min()};
  std::vector<std::string> got_bytes(world), got_empty(world);
  std::vector<std::vector<double>> got_values(world);
  std::vector<double> got_sum(world);
  std::vector<std::thread> ranks;
  for (int r = 0; r < world; ++r)
    ranks.emplace_back([&, r] {
      ThreadComm c(shared, r);
      got_bytes[static_cast<std::size_t>(r)] = broadcast_bytes(c, r == 0 ? bytes : std::string("other rank"));
      got_empty[static_cast<std::size_t>(r)] = broadcast_bytes(c, r == 0 ? std::string() : std::string("x"));
      std::vector<double> v = r == 0 ? values : std::vector<double>(values.size(), 42.0);
      broadcast(c, v.data(), static_cast<std::int64_t>(v.size()));
      got_values[static_cast<std::size_t>(r)] = v;
      double x = 1.0 + r;  // weights 1/2, 1/4, 1/4 of 1, 2, 3: 0.5 + 0.5 + 0.75
      weighted_allreduce(c, r == 0 ? 0.5 : 0.25, &x, 1);
      got_sum[static_cast<std::size_t>(r)] = x;
    });
  for (auto& t : ranks) t.join();
  for (int r = 0; r < world; ++r) {
    CHECK(got_bytes[static_cast<std::size_t>(r)] == bytes);
    CHECK(got_empty[static_cast<std::size_t>(r)].empty());
    for (std::size_t i = 1; i < values.size(); ++i) CHECK(got_values[static_cast<std::size_t>(r)][i] == values[i]);
    CHECK(got_values[static_cast<std::size_t>(r)][0] == 0.0);  // −0 arrives as a zero
    CHECK(got_sum[static_cast<std::size_t>(r)] == 1.75);
  }
}
