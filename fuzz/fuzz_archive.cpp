// TorchScript archives (zip): central directory vs local headers, duplicate names, entry sizes
// and CRC-32 (experiments/archive.cpp), before torch::jit::load sees the file (issue 26).
#include "experiments/archive.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace villani::experiments;
  VILLANI_FUZZ_BODY({
    const auto entries = check_zip_buffer(data, size, "model.pt", "--model");
    // Invariant: what was verified fits the bound the checker promises.
    std::uint64_t total = 0;
    for (const auto& e : entries) total += e.size;
    if (total > size * kArchiveMaxExpansion + kArchiveSlackBytes) __builtin_trap();
  });
  return 0;
}
