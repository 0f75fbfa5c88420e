// For end-to-end tests that read what a command wrote: a file's text, its number of lines, and
// how often a message occurs in an output (e.g. once per rank).
#pragma once
#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>

namespace villani::testing {

/// The file's text ("" when absent).
inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The file's number of lines (0 when absent).
inline std::size_t count_lines(const std::string& path) {
  std::ifstream f(path);
  std::size_t n = 0;
  std::string l;
  while (std::getline(f, l)) ++n;
  return n;
}

/// Non-overlapping occurrences of `what` in `text`.
inline std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); !what.empty() && at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

}  // namespace villani::testing
