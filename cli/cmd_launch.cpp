// villani launch --nproc N -- villani <command> …: N local ranks of a data-parallel run
// (docs/distributed.md). Each child gets torchrun's environment (RANK, LOCAL_RANK, WORLD_SIZE,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT); the exit code is the first failing rank's (128+signal
// for a signal). When a rank fails the others are given --grace seconds to notice (their own
// collective timeout makes them exit with a message naming the lost rank), then terminated.
// Ctrl-C: the ranks get SIGINT (from the terminal, or passed on when the launcher alone was sent
// it), finish their step together and checkpoint; --grace seconds later, or at a second Ctrl-C,
// the ranks still running are terminated.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <cstring>
#include <iostream>
#include <thread>
#include <vector>

#include "cli/command.hpp"
#include "experiments/run_record.hpp"
#include "cli/strict_integers.hpp"
#include "numerics/errors.hpp"

namespace villani::cli {
namespace {

using Clock = std::chrono::steady_clock;

volatile sig_atomic_t g_signal = 0, g_sigints = 0, g_forward = 0;
extern "C" void on_signal(int s, siginfo_t* info, void*) {
  g_signal = s;
  if (s != SIGINT) return;
  ++g_sigints;
  // A Ctrl-C at the terminal reaches every rank too (one process group); a SIGINT that a
  // process sent to the launcher alone (si_code ≤ 0: kill, sigqueue) is passed on to the ranks.
  if (info && info->si_code <= 0) g_forward = 1;
}

// Binds a TCP socket on every interface (as c10d's TCPStore server does, SO_REUSEADDR included)
// to `port` (0: any free one) and returns the port, or -errno.
int bind_port(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -errno;
  const int one = 1;
  (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  socklen_t len = sizeof a;
  int out = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    out = -errno;
  else
    out = ntohs(a.sin_port);
  ::close(fd);
  return out;
}

int free_port() {
  const int p = bind_port(0);
  if (p < 0) throw std::runtime_error("no free TCP port: " + std::string(std::strerror(-p)));
  return p;
}

std::string self_exe() {
  std::vector<char> buf(4096);
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  return n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : std::string("villani");
}

std::string describe(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return "ended";
}

int code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return kInternal;
}

int run_launch(int argc, char** argv) {
  // Everything after "--" is the command each rank runs.
  int split = argc;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--") == 0) {
      split = i;
      break;
    }
  CLI::App app{"Starts N local ranks of a data-parallel villani run (Gloo over loopback; docs/distributed.md):\n"
               "  villani launch --nproc 2 -- villani hessian --model m.pt --tokens t.txt --lambda 0.01\n"
               "Each rank gets RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT. A leading\n"
               "'villani' is this executable. Exit code: 0 when every rank succeeds, else the first failing rank's.",
               "villani launch"};
  int nproc = 2;
  std::string addr = "127.0.0.1";
  int port = 0;
  double grace = 75;
  app.add_option("--nproc", nproc, "number of local ranks (≥ 1)")->capture_default_str();
  app.add_option("--master-addr", addr, "address of rank 0's TCPStore")->capture_default_str();
  app.add_option("--master-port", port, "its port (0: a free one)")->capture_default_str();
  app.add_option("--grace", grace,
                 "seconds the other ranks get to exit after one fails, before they are terminated (0 < s ≤ 86400)")
      ->capture_default_str();
  if (const auto done = parse_command_line(app, split, argv)) return *done;
  if (nproc < 1 || nproc > 1024) throw InputError("--nproc", fmt::format("expected 1..1024; got {}", nproc));
  if (port < 0 || port > 65535) throw InputError("--master-port", fmt::format("expected 0..65535; got {}", port));
  // Finite and at most a day: inf used to become a 0.9 s deadline through the integer conversion.
  if (!(grace > 0) || !(grace <= 86400))
    throw InputError("--grace", fmt::format("expected 0 < seconds ≤ 86400; got {}", grace));
  if (split + 1 >= argc) throw InputError("command", "nothing to run: villani launch --nproc N -- villani <command> …");
  std::vector<std::string> cmd(argv + split + 1, argv + argc);
  if (cmd[0] == "villani") cmd[0] = self_exe();
  if (port == 0) port = free_port();
  // The port is this job's while it runs: two launches started together both found it free before
  // either rank 0 listened, then one job's ranks joined the other's store and Gloo aborted (issue 26).
  const char* tmp = std::getenv("TMPDIR");
  const std::string lock_dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/villani-launch-port-" + std::to_string(port);
  std::error_code ec;
  std::filesystem::create_directories(lock_dir, ec);
  const auto port_lock = experiments::DirLock::acquire(
      lock_dir, "--master-port", fmt::format("port {}", port),
      "choose another --master-port, or 0 for any free one");
  if (const int b = bind_port(port); b == -EADDRINUSE)
    // A second launch on a busy port joined the first job's store and Gloo aborted (issue 26).
    throw InputError("--master-port", fmt::format("port {} is in use (another villani launch or another program "
                                                  "listens there); choose a free port, or 0 for any free one",
                                                  port));

  struct sigaction sa {};
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  std::vector<pid_t> pids(static_cast<std::size_t>(nproc), -1);
  std::vector<int> status(static_cast<std::size_t>(nproc), 0);
  for (int r = 0; r < nproc; ++r) {
    const pid_t p = ::fork();
    if (p < 0) throw std::runtime_error("fork(): " + std::string(std::strerror(errno)));
    if (p == 0) {
      ::setenv("RANK", std::to_string(r).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      ::setenv("LOCAL_WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      ::setenv("MASTER_ADDR", addr.c_str(), 1);
      ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      std::vector<char*> args;
      for (auto& a : cmd) args.push_back(a.data());
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      std::fprintf(stderr, "villani launch: bad input: command: cannot run '%s': %s\n", args[0], std::strerror(errno));
      std::_Exit(kBadInput);
    }
    pids[static_cast<std::size_t>(r)] = p;
  }

  int running = nproc, first_failed = -1, killed_stage = 0;
  bool interrupted = false;
  const auto grace_ms = std::chrono::milliseconds(static_cast<long long>(grace * 1000));
  Clock::time_point deadline{};
  while (running > 0) {
    int st = 0;
    const pid_t p = ::waitpid(-1, &st, WNOHANG);
    if (p > 0) {
      for (int r = 0; r < nproc; ++r) {
        if (pids[static_cast<std::size_t>(r)] != p) continue;
        pids[static_cast<std::size_t>(r)] = -1;
        status[static_cast<std::size_t>(r)] = st;
        --running;
        if (code_of(st) != 0 && first_failed < 0) {
          first_failed = r;
          deadline = Clock::now() + grace_ms;
          if (running > 0 && !interrupted)
            std::cerr << fmt::format("villani launch: rank {} {}; waiting up to {:g} s for the other ranks\n", r,
                                     describe(st), grace);
        }
      }
      continue;
    }
    if (p < 0 && errno != EINTR) break;
    if (g_sigints > 0 && !interrupted) {  // the ranks stop at their next step and checkpoint
      interrupted = true;
      if (g_forward)
        for (pid_t q : pids)
          if (q > 0) ::kill(q, SIGINT);
      if (deadline == Clock::time_point{} || deadline > Clock::now() + grace_ms)
        deadline = Clock::now() + grace_ms;
    }
    const bool expired = deadline != Clock::time_point{} && Clock::now() > deadline;
    const bool terminate_now = g_signal != 0 && (g_signal != SIGINT || g_sigints > 1);
    if ((terminate_now && killed_stage == 0) || (expired && killed_stage < 2)) {
      if (killed_stage == 0 && g_signal == 0)
        std::cerr << "villani launch: terminating the ranks still running after the grace period\n";
      for (pid_t q : pids)
        if (q > 0) ::kill(q, killed_stage == 0 ? SIGTERM : SIGKILL);
      ++killed_stage;
      deadline = Clock::now() + std::chrono::seconds(5);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (g_signal != 0) return 128 + g_signal;
  if (first_failed < 0) return kOk;
  return code_of(status[static_cast<std::size_t>(first_failed)]);
}

const Registrar reg{{"launch", run_launch}};

}  // namespace
}  // namespace villani::cli
