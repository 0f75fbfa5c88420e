// metrics.jsonl of run records: the strict reader (damaged lines refused, torn tail reported).
#include <cstdio>
#include <string>
#include <unistd.h>

#include "experiments/formats.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/villani-fuzz-metrics-" + std::to_string(::getpid()) + ".jsonl";
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  VILLANI_FUZZ_BODY({
    const auto m = villani::experiments::read_metrics_file(path, "DIR");
    // Invariants: whole lines only, steps strictly increasing, a torn tail lies past good_end.
    if (m.good_end > size) __builtin_trap();
    for (std::size_t i = 1; i < m.records.size(); ++i)
      if (!(m.records[i].at("step").get<std::int64_t>() > m.records[i - 1].at("step").get<std::int64_t>()))
        __builtin_trap();
    if (m.torn_line && m.missing_newline) __builtin_trap();
  });
  return 0;
}
