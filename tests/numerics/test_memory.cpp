// numerics/memory.hpp: the allocator policy behind `villani bench scale`'s HVP figures. Freed
// large blocks are kept and reused: the second allocation of a 64 MiB block touches pages that are
// already mapped (no minor faults), where glibc's default would map fresh zeroed ones.
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>

#include "numerics/memory.hpp"

namespace {
long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}
/// Minor faults of allocating, touching and freeing `bytes`.
long faults_of_block(std::size_t bytes) {
  const long before = minor_faults();
  // Through a volatile pointer, so that the compiler cannot elide the block.
  volatile unsigned char* p = static_cast<unsigned char*>(std::malloc(bytes));
  REQUIRE(p != nullptr);
  for (std::size_t i = 0; i < bytes; i += 4096) p[i] = 1;
  std::free(const_cast<unsigned char*>(p));
  return minor_faults() - before;
}
}  // namespace

TEST_CASE("keep_freed_memory: a freed 64 MiB block is reused without page faults", "[memory]") {
  using villani::numerics::keep_freed_memory;
  const std::size_t bytes = std::size_t(64) << 20;  // 16384 pages of 4 KiB
  const char* env = std::getenv("VILLANI_MALLOC");
  if (env && std::strcmp(env, "glibc") == 0) {
    CHECK_FALSE(keep_freed_memory());  // the environment keeps glibc's defaults
    return;
  }
  REQUIRE(keep_freed_memory());
  const long first = faults_of_block(bytes);  // first time: the pages are mapped
  const long again = faults_of_block(bytes);  // second time: reused
  INFO("minor faults on the first 64 MiB block: " << first << ", on the second: " << again);
  CHECK(again < 1000);
  CHECK(villani::numerics::current_rss_bytes() >= static_cast<double>(bytes));  // kept, not returned
  CHECK(villani::numerics::peak_rss_bytes() >= static_cast<double>(bytes));
  CHECK(villani::numerics::current_rss_bytes() > 0);
}
