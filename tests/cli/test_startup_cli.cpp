// Start-up (issue 12): `villani` runs the commands that need no LibTorch without loading it and
// hands the others to `villani-torch`; both list every command of cli/catalog.cpp.
#include <catch2/catch.hpp>
#include <string>

#include "cli/catalog.hpp"
#include "cli_run.hpp"

TEST_CASE("villani --help lists every catalog command, and so does villani-torch", "[cli][startup]") {
  const CliResult help = run_villani("--help", "startup_help");
  REQUIRE(help.code == 0);
#ifdef VILLANI_HAVE_TORCH_TESTS
  // villani-torch lists the commands it has registered: the catalog must hold exactly those.
  CliResult full;
  {
    const std::string cmd = std::string(VILLANI_EXE) + "-torch --help";
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::array<char, 4096> buf{};
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) full.out.append(buf.data(), n);
    full.code = WEXITSTATUS(::pclose(p));
  }
  REQUIRE(full.code == 0);
  CHECK(full.out == help.out);
#endif
  for (const auto& c : villani::cli::catalog()) {
    const std::string name(c.name);
    INFO(name);
    // Every command is in every build (issue 12: `compare` reads records only, no LibTorch); a
    // build without LibTorch lacks some `run` kinds (tests/cli/test_run_cli.cpp).
    CHECK(help.out.find("  " + name + " ") != std::string::npos);
  }
  // Through villani: its own commands directly, the others through villani-torch.
  for (const std::string name : {"constants", "gap", "check"}) {
    const CliResult r = run_villani(name + " --help", "startup_" + name);
    CHECK(r.code == 0);
    CHECK(r.out.find("villani " + name) != std::string::npos);
  }
  const CliResult unknown = run_villani("no-such-command", "startup_unknown");
  CHECK(unknown.code == 2);
  CHECK(unknown.err.find("unknown command 'no-such-command'") != std::string::npos);
}

TEST_CASE("villani --help and constants do not load LibTorch", "[cli][startup]") {
  // The dynamic loader lists what a process would load (the mechanism behind ldd).
  const CliResult libs = run_villani("--help", "startup_libs");
  REQUIRE(libs.code == 0);
  CliResult traced;
  {
    const std::string cmd = "LD_TRACE_LOADED_OBJECTS=1 " + std::string(VILLANI_EXE);
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::array<char, 4096> buf{};
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) traced.out.append(buf.data(), n);
    ::pclose(p);
  }
  INFO(traced.out);
  CHECK(traced.out.find("libc.so") != std::string::npos);  // the trace worked
  CHECK(traced.out.find("libtorch") == std::string::npos);
  CHECK(traced.out.find("libc10") == std::string::npos);
  const CliResult c = run_villani("constants --lambda 1 --dim 1 --format json", "startup_constants");
  CHECK(c.code == 0);
  CHECK(c.out.find("\"lambda\"") != std::string::npos);
}
