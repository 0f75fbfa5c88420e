// Data-parallel objectives (issue 17, docs/distributed.md). Each rank holds a shard of the batch;
// DistributedObjective all-reduces value, gradient and Hessian-vector products (each rank's mean
// weighted by its share of the batch, then summed), so every operator in numerics/ (Lanczos,
// Hutch++, XTrace, SLQ, Ψ_s) runs unchanged over it: all ranks make the same calls in the same
// order because the reduced results are bit-identical on every rank and the probes come from one
// seed. The collective engine is abstract here (Torch-free); the c10d/Gloo implementation lives in
// numerics/torch/c10d_communicator.* and registers itself with set_communicator_factory().
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "numerics/objective.hpp"

namespace villani::numerics {

/// A rank was lost (died, hung past the timeout, or the store stopped answering). The message
/// names the lost rank(s) where they can be told.
class DistributedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The launcher environment (torchrun's names): RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT,
/// LOCAL_RANK; VILLANI_DIST_TIMEOUT (seconds, default 30) bounds every collective and the
/// rendezvous.
struct LaunchEnv {
  int rank = 0;
  int world = 1;
  int local_rank = 0;
  std::string addr = "127.0.0.1";
  int port = 29500;
  double timeout_s = 30;
};

/// nullopt when WORLD_SIZE is unset or 1 (one process). InputError naming the variable when one
/// is malformed (RANK outside [0, WORLD_SIZE), a port outside 1..65535, a timeout ≤ 0, ...).
std::optional<LaunchEnv> launch_env();

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// In-place sum over ranks of n doubles; every rank gets the same bits. DistributedError when a
  /// rank is lost.
  virtual void allreduce_sum(double* x, std::int64_t n) = 0;
  /// Seconds spent inside collectives so far, and how many there were.
  double comm_seconds() const { return comm_seconds_; }
  std::int64_t collectives() const { return collectives_; }

 protected:
  void record(double seconds) {
    comm_seconds_ += seconds;
    ++collectives_;
  }

 private:
  double comm_seconds_ = 0;
  std::int64_t collectives_ = 0;
};

/// weight·x summed over ranks, in place: the one reduction of data-parallel work (each rank's
/// mean weighted by its share, then summed). DistributedObjective and the training loops of
/// experiments/ reduce through it.
void weighted_allreduce(Communicator& c, double weight, double* x, std::int64_t n);
/// Rank root's n doubles on every rank: the other ranks add zeros (x + 0 = x exactly).
void broadcast(Communicator& c, double* x, std::int64_t n, int root = 0);
/// Rank root's bytes on every rank: the length, then 6 bytes per double (integers below 2^48,
/// exact in a sum with zeros).
std::string broadcast_bytes(Communicator& c, const std::string& bytes, int root = 0);

using CommunicatorFactory = std::function<std::shared_ptr<Communicator>(const LaunchEnv&)>;
/// Installed by the LibTorch build (cli/torch/distributed_backend.cpp).
void set_communicator_factory(CommunicatorFactory f);
/// Joins the group described by env. InputError("WORLD_SIZE") when this build has no backend.
std::shared_ptr<Communicator> make_communicator(const LaunchEnv& env);

/// Rows [begin, end) of n rows that rank r of w holds: contiguous blocks, sizes differing by at
/// most one. InputError(argument) when n < w (a rank would hold nothing).
struct Shard {
  std::int64_t begin = 0, end = 0;
  double weight = 1;  ///< (end − begin)/n: the shard's share of a mean over rows
};
Shard shard_rows(std::int64_t n, int rank, int world, const std::string& argument);

/// L(θ) = Σ_ranks weight_r · L_r(θ), all-reduced. `local` is this rank's shard's mean loss and
/// `weight` its share (Shard::weight). hessian_at keeps the local objective's graph reuse.
class DistributedObjective final : public Objective {
 public:
  DistributedObjective(std::shared_ptr<const Objective> local, std::shared_ptr<Communicator> comm, double weight);
  Eigen::Index dim() const override { return local_->dim(); }
  double value(const Vec& theta) const override;
  Vec gradient(const Vec& theta) const override;
  Vec hvp(const Vec& theta, const Vec& v) const override;
  std::unique_ptr<LinearOperator> hessian_at(const Vec& theta) const override;
  bool has_exact_laplacian() const override { return local_->has_exact_laplacian(); }
  double laplacian(const Vec& theta) const override;
  std::string name() const override;
  std::vector<std::string> nonsmooth_ops() const override { return local_->nonsmooth_ops(); }
  Communicator& communicator() const { return *comm_; }
  /// weight·x summed over ranks, in place (the reduction every method uses).
  void reduce(double* x, std::int64_t n) const;

 private:
  std::shared_ptr<const Objective> local_;
  std::shared_ptr<Communicator> comm_;
  double weight_;
};

}  // namespace villani::numerics
