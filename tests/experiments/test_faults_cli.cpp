// Faults of the machine, not of the input (issue 26): a full disk, a read-only disk, two writers.
// Every case ends with exit 2 naming the path and the reason, the results already computed still
// printed, no temporary file left, and a record that --resume completes once the fault is gone.
// The disk cases mount a small tmpfs, so they need root; elsewhere they say so and pass.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <cmath>
#include <nlohmann/json.hpp>
#include <thread>

#include "experiments/formats.hpp"
#include "experiments/run_record.hpp"
#include "numerics/errors.hpp"
#include "numerics/io.hpp"
#include "tests/support/gpt_neo_config.hpp"
#include "tests/support/text_files.hpp"

namespace fs = std::filesystem;
using villani::experiments::DirLock;
using villani::experiments::RunRecord;

namespace {
std::string tmpdir(const std::string& name) {
  const std::string d = std::string(VILLANI_TEST_TMP) + "/faults_" + name;
  ::umount2(d.c_str(), MNT_DETACH);  // a mount left by an interrupted earlier run
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}
int sh(const std::string& args, std::string* out, std::string* err = nullptr) {
  const std::string o = std::string(VILLANI_TEST_TMP) + "/faults_out." + std::to_string(::getpid()) + ".txt", e = o + ".err";
  const int rc = std::system((std::string(VILLANI_EXE) + " " + args + " > " + o + " 2> " + e).c_str());
  using villani::testing::slurp;
  *out = slurp(o);
  if (err) *err = slurp(e);
  else *out += slurp(e);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}
std::vector<std::string> temporaries(const std::string& dir) {
  std::vector<std::string> t;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string().find(".tmp") != std::string::npos) t.push_back(e.path().string());
  return t;
}

/// A tmpfs of `kib` KiB mounted on dir, unmounted at scope exit; usable() is false where this
/// process may not mount (not root, or a container without the capability).
struct SmallDisk {
  std::string dir;
  bool ok = false;
  SmallDisk(const std::string& d, int kib) : dir(d) {
    ok = ::geteuid() == 0 && ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + std::to_string(kib) + "k").c_str()) == 0;
  }
  ~SmallDisk() {
    if (ok) ::umount2(dir.c_str(), MNT_DETACH);
  }
  /// Mounted; where it is not, says so in the test's output (the disk cases then check nothing).
  bool usable() const {
    if (!ok) WARN("not root or no mount permission: the disk cases of this test are not run here");
    return ok;
  }
  /// Fills the disk up to `leave_kib` KiB free.
  void fill(int leave_kib) const {
    const auto space = fs::space(dir);
    const std::uintmax_t keep = static_cast<std::uintmax_t>(leave_kib) * 1024;
    std::ofstream f(dir + "/filler", std::ios::binary);
    const std::string block(4096, 'x');
    for (std::uintmax_t n = 0; n + keep + 4096 <= space.available; n += 4096) f << block;
  }
  void read_only() const { REQUIRE(::mount(nullptr, dir.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) == 0); }
};
}  // namespace

TEST_CASE("write_file_atomic: a full disk is an OutputError naming the file, and no temporary is left",
          "[faults][io]") {
  const std::string d = tmpdir("helper");
  SmallDisk disk(d, 256);
  if (!disk.usable()) return;
  disk.fill(0);
  try {
    villani::write_file_atomic(d + "/result.json", std::string(64 * 1024, 'r'));
    FAIL("a 64 KiB write on a full disk succeeded");
  } catch (const villani::OutputError& e) {
    CHECK(e.argument() == "--out");
    CHECK(e.path() == d + "/result.json");
    CHECK(std::string(e.what()).find("No space left on device") != std::string::npos);
  }
  CHECK(temporaries(d).empty());
  CHECK_FALSE(fs::exists(d + "/result.json"));
}

TEST_CASE("full disk: constants, gap and hessian print their results, exit 2 naming the path, leave no temporary",
          "[faults][cli]") {
  const std::string d = tmpdir("full");
  SmallDisk disk(d, 256);
  if (!disk.usable()) return;
  fs::create_directories(d + "/c");
  fs::create_directories(d + "/g");
  disk.fill(0);
  struct Case {
    std::string args, printed;
  };
  const std::vector<Case> cases = {
      {"constants --lambda 0.5,1 --dim 10 --out " + d + "/c", "C_LS"},
      {"gap --loss 't^2/2' --lambda 1 --temperature 1 --out " + d + "/g", "C_P"},
  };
  for (const auto& c : cases) {
    std::string out, err;
    const int rc = sh(c.args, &out, &err);
    INFO("villani " << c.args << "\nstdout:\n" << out << "\nstderr:\n" << err);
    CHECK(rc == 2);
    CHECK(out.find(c.printed) != std::string::npos);  // the result, printed before the write failed
    CHECK(err.find("No space left on device") != std::string::npos);
    CHECK(err.find(d) != std::string::npos);
  }
  CHECK(temporaries(d).empty());
}

TEST_CASE("full disk mid-run: run sgld exits 2 naming the file; --resume completes once space is back",
          "[faults][cli][records]") {
  const std::string d = tmpdir("sgld");
  SmallDisk disk(d, 1024);
  if (!disk.usable()) return;
  // Room for config.json and a few metric lines, not for the first checkpoint.
  disk.fill(8);
  const std::string run = "run sgld --preset tiny --lambda 1 --steps 40 --record-every 2 --train-sequences 4 --quick";
  std::string out;
  const int rc = sh(run + " --out " + d + "/r", &out);
  INFO(out);
  CHECK(rc == 2);
  CHECK((out.find("No space left on device") != std::string::npos || out.find("disk is full") != std::string::npos));
  CHECK(temporaries(d).empty());
  fs::remove(d + "/filler");  // space is back
  CHECK(sh(run + " --resume --out " + d + "/r", &out) == 0);
  const auto m = villani::experiments::read_metrics_file(d + "/r/lambda=1/metrics.jsonl", "DIR");
  REQUIRE_FALSE(m.records.empty());
  CHECK(m.records.back().at("step").get<long>() == 40);
  CHECK(m.records.size() == 21);
  CHECK(sh("compare " + d + "/r/lambda=1", &out) == 0);
}

TEST_CASE("read-only disk: results still printed, exit 2 naming the path; --resume of a read-only record exits 2",
          "[faults][cli][records]") {
  const std::string d = tmpdir("ro");
  SmallDisk disk(d, 2048);
  if (!disk.usable()) return;
  const std::string run = "run sgld --preset tiny --lambda 1 --steps 10 --record-every 2 --train-sequences 4 --quick";
  std::string out, err;
  REQUIRE(sh(run + " --out " + d + "/r", &out) == 0);
  fs::remove(d + "/r/lambda=1/summary.json");  // unfinished: --resume has work to do
  fs::create_directories(d + "/c");
  disk.read_only();
  CHECK(sh(run + " --resume --out " + d + "/r", &out) == 2);
  CHECK(out.find("Read-only file system") != std::string::npos);
  const int rc = sh("constants --lambda 1 --dim 10 --out " + d + "/c", &out, &err);
  CHECK(rc == 2);
  CHECK(out.find("C_LS") != std::string::npos);
  CHECK(err.find("Read-only file system") != std::string::npos);
}

TEST_CASE("two writers: a record or a reproduce --out held by one process is refused to another, naming its pid",
          "[faults][records][cli]") {
  const std::string d = tmpdir("lock");
  {
    const RunRecord a = RunRecord::open(d + "/rec", {{"kind", "test"}}, false);
    // A second open of the same record (a second file description: flock refuses it even in
    // this process).
    try {
      (void)RunRecord::open(d + "/rec", {{"kind", "test"}}, true);
      FAIL("a second writer opened a locked record");
    } catch (const villani::InputError& e) {
      CHECK(e.argument() == "--resume");
      CHECK(std::string(e.what()).find("pid " + std::to_string(::getpid())) != std::string::npos);
    }
    const RunRecord copy = a;  // copies share the lock
  }
  // Released with the last copy: the record opens again.
  CHECK_NOTHROW(RunRecord::open(d + "/rec", {{"kind", "test"}}, true));
  // Other processes: this test holds the lock of a reproduce --out and of a run's λ record.
  fs::create_directories(d + "/rep");
  fs::create_directories(d + "/run/lambda=1");
  const auto held = DirLock::acquire(d + "/rep", "--out");
  const auto held_run = DirLock::acquire(d + "/run/lambda=1", "--out");
  std::string out;
  CHECK(sh("reproduce --only boursier-orthogonal-2n --out " + d + "/rep", &out) == 2);
  CHECK(out.find("in use by another villani process (pid " + std::to_string(::getpid()) + ")") != std::string::npos);
  CHECK(sh("run sgld --preset tiny --lambda 1 --steps 4 --train-sequences 4 --quick --out " + d + "/run", &out) == 2);
  CHECK(out.find("in use by another villani process") != std::string::npos);
  CHECK_FALSE(fs::exists(d + "/run/lambda=1/metrics.jsonl"));
}

TEST_CASE("caps: --threads beyond 1024 and a --grace that is not a finite time are refused naming the flag",
          "[faults][bad-input][cli]") {
  struct Case {
    std::string args, names;
  };
  // Weights and λ whose squares overflow double: exit 2 naming the cause, not exit 3 or "-nan".
  const std::string d = tmpdir("overflow");
  {
    std::ofstream at(d + "/at.txt");
    for (int i = 0; i < 18; ++i) at << "1e200\n";  // the logistic preset has d = 18
  }
  for (const Case& c : {Case{"hessian --model logistic --lambda 0 --top 1 --at " + d + "/at.txt", "--at: ‖θ‖² overflows"},
                        Case{"hessian --model logistic --lambda 1e300 --top 1", "--lambda: ‖∇F‖² overflows"}}) {
    std::string out;
    const int rc = sh(c.args, &out);
    INFO("villani " << c.args << "\n" << out);
    CHECK(rc == 2);
    CHECK(out.find(c.names) != std::string::npos);
  }
  // 100000 threads ran for minutes without a word; --grace inf became a 0.9 s deadline.
  for (const Case& c : {Case{"hessian --model tiny-transformer --lambda 0 --top 1 --threads 100000", "--threads"},
                        Case{"check --model tiny-transformer --lambda 1 --threads 2000", "--threads"},
                        Case{"launch --grace inf -- villani constants --lambda 1 --dim 1", "--grace"},
                        // 2^31 probes of 2^31 steps on an 18-parameter model ran without end.
                        Case{"hessian --model logistic --lambda 1 --top 1 --density --density-probes 2147483647",
                             "--density-probes: expected 1..10000"},
                        Case{"hessian --model logistic --lambda 1 --top 1 --density --density-steps 2147483647",
                             "--density-steps: expected 2..100000"},
                        Case{"launch --grace 1e9 -- villani constants --lambda 1 --dim 1", "--grace"},
                        Case{"launch --grace nan -- villani constants --lambda 1 --dim 1", "--grace"},
                        // exp(exp(…)) 1600 levels deep (8001 characters, under the 10000 cap) ran for minutes.
                        Case{"gap --lambda 1 --loss '" + [] {
                          std::string e;
                          for (int i = 0; i < 1600; ++i) e += "exp(";
                          return e + "t" + std::string(1600, ')');
                        }() + "'", "nests parentheses 1600 levels deep; at most 64"},
                        // 10^6 rows ran for minutes: the grid is capped at 100000 rows before any is computed.
                        Case{"constants --lambda 1e-3:1:1000 --dim 1:1e6:1000 --temperature 1,2", "at most 100000"}}) {
    std::string out;
    INFO("villani " << c.args << "\n" << out);
    CHECK(sh(c.args, &out) == 2);
    CHECK(out.find(c.names) != std::string::npos);
  }
}

TEST_CASE("c10d: a program that is not a villani rank 0 on MASTER_PORT is named as such, at once",
          "[faults][distributed][cli]") {
  // A listener that answers every request with bytes c10d does not expect (as an HTTP server would).
  const int srv = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(srv >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  REQUIRE(::bind(srv, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(srv, 8) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(srv, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  const int port = ntohs(a.sin_port);
  std::thread answer([srv] {
    for (;;) {
      const int c = ::accept(srv, nullptr, nullptr);
      if (c < 0) return;  // the listening socket was shut down
      char buf[4096];
      const std::string junk = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" + std::string(64, '\xff');
      while (::recv(c, buf, sizeof buf, 0) > 0)
        if (::send(c, junk.data(), junk.size(), MSG_NOSIGNAL) < 0) break;
      ::close(c);
    }
  });
  const std::string d = tmpdir("foreign");
  villani::testing::GptNeoConfig{}.write(d + "/config.json");
  std::ofstream(d + "/t.txt") << "0 1 2 3 4 5\n6 5 4 3 2 1\n";
  const std::string env = "RANK=1 LOCAL_RANK=1 WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" +
                          std::to_string(port) + " ";
  const auto t0 = std::chrono::steady_clock::now();
  const std::string o = std::string(VILLANI_TEST_TMP) + "/faults_foreign.txt";
  const int rc = std::system((env + VILLANI_EXE + " hessian --model " + d + "/config.json --tokens " + d +
                              "/t.txt --lambda 0 --top 1 --trace none > " + o + " 2>&1").c_str());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ::shutdown(srv, SHUT_RDWR);
  ::close(srv);
  answer.join();
  const std::string out = villani::testing::slurp(o);
  INFO(out);
  REQUIRE(WIFEXITED(rc));
  CHECK(WEXITSTATUS(rc) != 0);
  CHECK(WEXITSTATUS(rc) < 128);  // no abort, no signal
  CHECK(out.find("is not a villani rank 0") != std::string::npos);
  CHECK(seconds < 20);  // named at once, not after the rendezvous timeout
}

TEST_CASE("gap at λ = 0 and λ = −0 on a confining loss: the constant, and the paper's bound not applicable",
          "[faults][bad-input][cli]") {
  // It was exit 3: the bound 1/λ + d/λ² became inf (λ = 0) or nan (λ = −0) in the table and JSON.
  for (const std::string l : {"0", "-0"}) {
    std::string out, err;
    INFO("λ = " << l);
    const int rc = sh("gap --loss 't^4' --lambda " + l + " --format json -q", &out, &err);
    INFO(err);
    CHECK(rc == 0);
    const auto j = nlohmann::json::parse(out);
    CHECK(j.at("claims").at("paper_c_ls_bound").at("status") == "not-applicable");
    CHECK(j.at("claims").at("paper_c_ls_bound").at("value").is_null());
    // C_P of exp(−t⁴) (s = 1): above its variance Γ(3/4)/Γ(1/4) = 0.33799, the Poincaré floor.
    const double cp = j.at("poincare").at("value").get<double>();
    CHECK(cp >= std::tgamma(0.75) / std::tgamma(0.25));
    CHECK(cp < 1.0);
  }
}

TEST_CASE("compare: a FIFO, a device, deep JSON and a symbolic-link loop in place of a record's files exit 2 at once",
          "[faults][bad-input][records][cli]") {
  const std::string d = tmpdir("compare");
  std::string out;
  REQUIRE(sh("run sgld --preset tiny --lambda 1 --steps 4 --record-every 2 --train-sequences 4 --quick --out " + d +
                 "/r",
             &out) == 0);
  const std::string rec = d + "/r/lambda=1";
  // metrics.jsonl as a FIFO (read forever) and as /dev/zero (never ends): each hung compare.
  for (const std::string kind : {"fifo", "zero"}) {
    const std::string copy = d + "/" + kind;
    fs::copy(rec, copy, fs::copy_options::recursive);
    fs::remove(copy + "/metrics.jsonl");
    if (kind == "fifo") REQUIRE(::mkfifo((copy + "/metrics.jsonl").c_str(), 0644) == 0);
    else fs::create_symlink("/dev/zero", copy + "/metrics.jsonl");
    const auto t0 = std::chrono::steady_clock::now();
    INFO(kind);
    CHECK(sh("compare " + copy, &out) == 2);
    CHECK(out.find("not a regular file") != std::string::npos);
    CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 30);
  }
  // config.json nested 200000 levels deep overflowed the stack (SIGSEGV).
  const std::string deep = d + "/deep";
  fs::copy(rec, deep, fs::copy_options::recursive);
  std::ofstream(deep + "/config.json", std::ios::trunc) << std::string(200000, '[') << std::string(200000, ']');
  CHECK(sh("compare " + deep, &out) == 2);
  CHECK(out.find("nests JSON deeper than 64 levels") != std::string::npos);
  // A symbolic-link loop given as the directory.
  fs::create_symlink(d + "/loop_b", d + "/loop_a");
  fs::create_symlink(d + "/loop_a", d + "/loop_b");
  CHECK(sh("compare " + d + "/loop_a", &out) == 2);
  CHECK(out.find("symbolic links") != std::string::npos);
}

TEST_CASE("census round 3: a directory as --weights, a deep config.json and a numeric kind exit 2, not 3 or a signal",
          "[faults][bad-input][cli]") {
  const std::string d = tmpdir("census3");
  villani::testing::GptNeoConfig{}.write(d + "/config.json");
  std::ofstream(d + "/t.txt") << "0 1 2 3 4 5\n6 5 4 3 2 1\n";
  // config.json with vocab_size nested 90000 levels deep: a recursive dump in a message overflowed the stack.
  {
    std::string cfg = villani::testing::slurp(d + "/config.json");
    const auto at = cfg.find("\"vocab_size\":");
    REQUIRE(at != std::string::npos);
    const auto end = cfg.find_first_of(",}", at);
    cfg.replace(at, end - at, "\"vocab_size\":" + std::string(90000, '[') + std::string(90000, ']'));
    fs::create_directories(d + "/deep");
    std::ofstream(d + "/deep/config.json") << cfg;
  }
  std::ofstream(d + "/deep_spec.json") << std::string(99000, '[') << std::string(99000, ']');
  fs::create_directories(d + "/rec");
  std::ofstream(d + "/rec/config.json") << R"({"kind": 7, "lambda": 1})";
  std::ofstream(d + "/rec/metrics.jsonl") << R"({"step": 0, "loss": 1})" << "\n";
  struct Case {
    std::string args, names;
  };
  for (const Case& c :
       {Case{"hessian --model " + d + "/config.json --tokens " + d + "/t.txt --lambda 1 --top 1 --trace none --weights " + d,
             "--weights: '" + d + "' is not a regular file"},
        Case{"hessian --model " + d + "/deep/config.json --tokens " + d + "/t.txt --lambda 1 --top 1 --trace none",
             "nests JSON deeper than 16 levels"},
        Case{"compare " + d + "/rec", "has no string \"kind\""},
        // 9000 unary minus signs overflowed GiNaC's parser stack (SIGSEGV).
        Case{"gap --lambda 1 --loss '" + std::string(9000, '-') + "t^2'", "9000 signs in a row; at most 64"},
        // A JSON model spec of 99000 nested arrays (SIGSEGV).
        Case{"check --lambda 1 --model " + d + "/deep_spec.json", "nests JSON deeper than 16 levels"}}) {
    std::string out;
    const int rc = sh(c.args, &out);
    INFO("villani " << c.args.substr(0, 200) << "\n" << out.substr(0, 2000));
    CHECK(rc == 2);
    CHECK(out.find(c.names) != std::string::npos);
  }
}

TEST_CASE("census round 3, second pass: endless inputs, subnormals, lists, step counts and busy ports exit 2 with "
          "the true reason",
          "[faults][bad-input][cli]") {
  const std::string d = tmpdir("census3b");
  villani::testing::GptNeoConfig{}.write(d + "/config.json");
  // A record whose λ was edited to 0, and one whose λ is gone: tabled as "consistent", or exit 3.
  for (const auto& [name, lam] : std::vector<std::pair<std::string, std::string>>{{"zero", "0"}, {"neg", "-1"}, {"str", "\"x\""}}) {
    fs::create_directories(d + "/rec_" + name);
    std::ofstream(d + "/rec_" + name + "/config.json")
        << R"({"kind": "sgld", "lambda": )" << lam << R"(, "temperature": 1, "d": 10, "lr": 0.1})";
    std::ofstream(d + "/rec_" + name + "/metrics.jsonl") << R"({"step": 0, "t": 0, "loss": 1, "norm2": 1})" << "\n";
  }
  // A pacbayes summary without "at_seeger" (fuzz_record): a json out_of_range, exit 3.
  fs::create_directories(d + "/rec_pb");
  std::ofstream(d + "/rec_pb/config.json") << R"({"kind": "pacbayes", "lambda": 1})";
  std::ofstream(d + "/rec_pb/summary.json")
      << R"({"complete": true, "n": 10, "zero_one": {"bounds_above_test": true}, "clipped_ce": {}})";
  std::ofstream(d + "/rec_pb/metrics.jsonl") << R"({"step": 0})" << "\n";
  // A listener on a port: a second launch there joined the first job's store.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  const int port = ntohs(a.sin_port);
  struct Case {
    std::string args, names;
  };
  std::vector<Case> cases = {
      {"run sgld --quick --steps 3 --lambda 1 --config /dev/zero --out " + d + "/o1", "is a device"},
      {"run sgld --quick --steps 3 --lambda 1 --data bytes:/dev/zero --out " + d + "/o2", "is a device"},
      {"hessian --model " + d + "/config.json --lambda 1 --top 1 --trace none --tokens <(yes '1 2 3')",
       "holds more than 256 MiB"},
      {"hessian --model logistic --lambda 1 --top 1 --at /dev/zero", "is a device"},
      {"run sgld --quick --steps 3 --lambda 1 --data bytes:<(yes 'the cat sat') --out " + d + "/o5",
       "holds more than 128 MiB"},
      {"hessian --model logistic --lambda 1 --top 1 --density --density-sigma 1e-320", "--density-sigma"},
      {"hessian --model logistic --top 1 --lambda 1e-320", "subnormal"},
      {"gap --loss 't^2' --lambda 1 --temperature 1e-320", "subnormal"},
      {"check --model logistic --lambda 1 --radii 1e-320", "subnormal"},
      {"run sgld --quick --steps 3 --lambda 1e-320 --out " + d + "/o3", "subnormal"},
      {"run sgld --quick --lambda 1 --steps 9223372036854775807 --out " + d + "/o4", "expected 0…1e9"},
      {"constants --lambda \"$(yes 1 | head -n 10001 | paste -sd,)\" --dim 1", "more than 10000 values"},
      {"run boursier --planar-n '' --seeds 1 --n \"$(yes 4 | head -n 1001 | paste -sd,)\"", "more than 1000 values"},
      {"check --model logistic --lambda 1 --weights " + d + "/config.json", "carries its own weights"},
      {"compare --allow-incomplete " + d + "/rec_zero", "\"lambda\" is 0"},
      {"compare --allow-incomplete " + d + "/rec_neg", "\"lambda\" is -1"},
      {"compare --allow-incomplete " + d + "/rec_str", "\"lambda\" is \"x\""},
      {"compare " + d + "/rec_pb", "missing or of the wrong type"},
      {"launch --nproc 2 --master-port " + std::to_string(port) + " -- villani constants --lambda 1 --dim 1",
       "is in use"},
      // Two launches on one free port, the second before the first's rank 0 listens: the port is
      // the first job's from its start.
      {"launch --nproc 1 --master-port " + std::to_string(port + 1) + " -- sleep 3 & sleep 0.5; " + VILLANI_EXE +
           " launch --nproc 1 --master-port " + std::to_string(port + 1) + " -- true; rc=$?; wait; exit $rc",
       "port " + std::to_string(port + 1) + " is in use by another villani process"}};
  for (const Case& c : cases) {
    // Through bash: the cases use <(…) and $(…), which /bin/sh (dash) lacks.
    std::string quoted;
    for (char ch : c.args) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    const std::string log = d + "/o." + std::to_string(::getpid()) + ".txt";
    const int rc = std::system(("bash -c '" + std::string(VILLANI_EXE) + " " + quoted + "' > " + log + " 2>&1").c_str());
    const std::string out = villani::testing::slurp(log);
    INFO("villani " << c.args.substr(0, 200) << "\n" << out.substr(0, 2000));
    CHECK((WIFEXITED(rc) ? WEXITSTATUS(rc) : -1) == 2);
    CHECK(out.find(c.names) != std::string::npos);
  }
  ::close(fd);
}
