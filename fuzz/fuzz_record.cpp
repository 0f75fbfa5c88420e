// Run records as `compare` reads them: config.json, summary.json and metrics.jsonl (the input
// split at lines "#--"), the depth-bounded JSON reader, the kind/content cross-check and the
// tables (issue 26). Anything but InputError escaping is a finding (exit 3 in the CLI).
#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "experiments/compare.hpp"
#include "fuzz_common.hpp"

namespace {
void write(const std::string& path, const std::string& text) {
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string dir = "/tmp/villani-fuzz-record-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string text = fuzz_text(data, size);
  const std::string sep = "\n#--\n";
  const auto a = text.find(sep);
  const auto b = a == std::string::npos ? std::string::npos : text.find(sep, a + sep.size());
  write(dir + "/config.json", text.substr(0, a));
  std::remove((dir + "/summary.json").c_str());
  std::remove((dir + "/metrics.jsonl").c_str());
  if (a != std::string::npos) {
    const std::string summary = text.substr(a + sep.size(), b == std::string::npos ? std::string::npos : b - a - sep.size());
    if (!summary.empty()) write(dir + "/summary.json", summary);
    if (b != std::string::npos) write(dir + "/metrics.jsonl", text.substr(b + sep.size()));
  }
  VILLANI_FUZZ_BODY((void)villani::experiments::compare_records({dir}, /*allow_incomplete=*/true));
  return 0;
}
