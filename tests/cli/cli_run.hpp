// Runs the villani executable for CLI tests and captures exit code, stdout and stderr.
#pragma once
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

struct CliResult {
  int code = -1;
  std::string out, err;
};

inline CliResult run_villani(const std::string& args, const std::string& tag = "cli") {
  const std::string errf = std::string(VILLANI_TEST_TMP) + "/" + tag + ".stderr";
  const std::string cmd = std::string(VILLANI_EXE) + " " + args + " 2>" + errf;
  CliResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream e(errf);
  std::stringstream ss;
  ss << e.rdbuf();
  r.err = ss.str();
  return r;
}
