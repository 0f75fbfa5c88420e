#include "numerics/memory.hpp"

#include <malloc.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace villani::numerics {

double peak_rss_bytes() {
  rusage u{};
  if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
  return static_cast<double>(u.ru_maxrss) * 1024.0;  // Linux reports KiB
}

double current_rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  double kib = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::strncmp(line, "VmRSS:", 6) == 0) {
      kib = std::strtod(line + 6, nullptr);
      break;
    }
  std::fclose(f);
  return kib * 1024.0;
}

bool keep_freed_memory() {
  const char* env = std::getenv("VILLANI_MALLOC");
  if (env && std::strcmp(env, "glibc") == 0) return false;
  // Every block from the heap (brk), none mmapped; freed memory is never trimmed back.
  return mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1 && mallopt(M_TOP_PAD, 64 << 20) == 1;
}

void release_free_memory() { malloc_trim(0); }

}  // namespace villani::numerics
