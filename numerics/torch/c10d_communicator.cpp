#include "numerics/torch/c10d_communicator.hpp"

#include <fmt/format.h>

#include "numerics/errors.hpp"

#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace villani::numerics::torch_adapter {

#ifndef USE_C10D_GLOO

bool c10d_available() { return false; }

std::shared_ptr<Communicator> make_c10d_communicator(const LaunchEnv& env) {
  throw InputError("WORLD_SIZE", fmt::format("is {}, but villani was configured without c10d's Gloo backend "
                                             "(gloo headers not found: install libgloo-dev and reconfigure)",
                                             env.world));
}

#else

namespace {

using Clock = std::chrono::steady_clock;

std::string first_line(const std::string& s) {
  const auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

std::string hb_key(int r) { return fmt::format("villani/hb/{}", r); }
std::string seq_key(int r) { return fmt::format("villani/seq/{}", r); }

c10::intrusive_ptr<c10d::TCPStore> connect_store(const LaunchEnv& e, bool server, double timeout_s) {
  c10d::TCPStoreOptions o;
  o.port = static_cast<std::uint16_t>(e.port);
  o.isServer = server;
  o.numWorkers = static_cast<std::size_t>(e.world);
  o.waitWorkers = false;  // the process group's rendezvous waits for everyone (with the timeout)
  o.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000));
  return c10::make_intrusive<c10d::TCPStore>(e.addr, o);
}

class GlooCommunicator final : public Communicator {
 public:
  explicit GlooCommunicator(const LaunchEnv& e) : env_(e) {
    const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(e.timeout_s * 1000));
    try {
      store_ = connect_store(e, e.rank == 0, e.timeout_s);
      auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
      if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"))
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
      else if (e.addr == "127.0.0.1" || e.addr == "localhost")
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      else
        opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      auto prefixed = c10::make_intrusive<c10d::PrefixStore>("villani/pg", store_);
      pg_ = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, e.rank, e.world, opts);
    } catch (const std::exception& ex) {
      const std::string what = first_line(ex.what());
      // A listener that answers with bytes c10d does not expect is another program on the port
      // (an HTTP server, a stale service), not a slow rank 0: say so, not "is every rank started".
      const bool foreign = what.find("response is expected") != std::string::npos ||
                           dynamic_cast<const std::length_error*>(&ex) != nullptr ||
                           dynamic_cast<const std::bad_alloc*>(&ex) != nullptr;
      if (foreign)
        throw DistributedError(fmt::format("rank {} of {}: the program listening at {}:{} is not a villani rank 0 (it "
                                           "does not speak c10d's TCPStore protocol): another program holds "
                                           "MASTER_PORT; choose a free port (launch --master-port 0 picks one) ({})",
                                           e.rank, e.world, e.addr, e.port, what));
      if (e.rank == 0 && what.find("already in use") != std::string::npos)
        throw DistributedError(fmt::format("rank 0 of {}: MASTER_PORT {} is in use (another job or program listens "
                                           "there); choose a free port (launch --master-port 0 picks one) ({})",
                                           e.world, e.port, what));
      throw DistributedError(fmt::format("rank {} of {}: could not form the process group at {}:{} within {:g} s "
                                         "(is every rank started, with the same MASTER_ADDR/MASTER_PORT?): {}",
                                         e.rank, e.world, e.addr, e.port, e.timeout_s, what));
    }
    heartbeat_ = std::thread([this] { beat(); });
  }

  ~GlooCommunicator() override {
    if (!failed_) {
      // Orderly end: everyone reports done; rank 0 (the store's host) waits for all before it
      // takes the store down, so no rank loses the store in its last collective.
      try {
        store_->add("villani/done", 1);
        if (env_.rank == 0) {
          const auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<int>(env_.timeout_s * 1000));
          while (store_->add("villani/done", 0) < env_.world && Clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      } catch (...) {
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (heartbeat_.joinable()) heartbeat_.join();
  }

  int rank() const override { return env_.rank; }
  int size() const override { return env_.world; }

  void allreduce_sum(double* x, std::int64_t n) override {
    const auto t0 = Clock::now();
    seq_.fetch_add(1);
    try {
      std::vector<at::Tensor> t{at::from_blob(x, {n}, at::TensorOptions().dtype(at::kDouble))};
      pg_->allreduce(t)->wait();
    } catch (const std::exception& ex) {
      failed_ = true;
      throw DistributedError(diagnose(first_line(ex.what())));
    }
    record(std::chrono::duration<double>(Clock::now() - t0).count());
  }

 private:
  // Publishes (beats, collectives entered) every 250 ms on its own store connection.
  void beat() {
    try {
      auto s = connect_store(env_, false, env_.timeout_s);
      std::int64_t published = 0;
      std::unique_lock<std::mutex> lock(mu_);
      while (!stop_) {
        lock.unlock();
        s->add(hb_key(env_.rank), 1);
        const std::int64_t now = seq_.load();
        if (now != published) s->add(seq_key(env_.rank), now - published);
        published = now;
        lock.lock();
        cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; });
      }
    } catch (...) {
      // The store is gone (rank 0 ended or died): nothing left to publish to.
    }
  }

  std::string diagnose(const std::string& what) {
    const std::string head = fmt::format("rank {} of {}: collective #{} failed", env_.rank, env_.world, seq_.load());
    std::vector<std::string> lost;
    try {
      auto s = connect_store(env_, false, 3);
      std::vector<std::int64_t> b0(env_.world), q(env_.world);
      for (int r = 0; r < env_.world; ++r) b0[r] = s->add(hb_key(r), 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      for (int r = 0; r < env_.world; ++r) {
        if (r == env_.rank) continue;
        const std::int64_t b1 = s->add(hb_key(r), 0);
        q[r] = s->add(seq_key(r), 0);
        if (b1 == b0[r])
          lost.push_back(fmt::format("rank {} (no heartbeat: it died or stopped)", r));
        else if (q[r] < seq_.load())
          lost.push_back(fmt::format("rank {} (alive but hung: it entered {} collectives, this rank {})", r, q[r],
                                     seq_.load()));
      }
    } catch (const std::exception&) {
      lost.push_back(fmt::format("rank 0 (the TCPStore it hosts at {}:{} stopped answering: it died)", env_.addr,
                                 env_.port));
    }
    if (lost.empty()) lost.push_back("a peer (every rank still beats; see the error)");
    std::string names;
    for (const auto& l : lost) names += (names.empty() ? "" : ", ") + l;
    return fmt::format("{}: lost {}: {}", head, names, what);
  }

  LaunchEnv env_;
  c10::intrusive_ptr<c10d::TCPStore> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
  std::atomic<std::int64_t> seq_{0};
  bool failed_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread heartbeat_;
};

}  // namespace

bool c10d_available() { return true; }

std::shared_ptr<Communicator> make_c10d_communicator(const LaunchEnv& env) {
  return std::make_shared<GlooCommunicator>(env);
}

#endif

}  // namespace villani::numerics::torch_adapter
