// safetensors headers: length prefix, JSON header (duplicate names, depth), every tensor entry
// (dtype, shape, offsets) and the layout of them all (overlaps, holes, trailing bytes).
#include "experiments/formats.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace villani::experiments;
  if (size < 8) return 0;
  VILLANI_FUZZ_BODY({
    const std::uint64_t n = safetensors_header_length(data, size, "w.safetensors");
    const auto meta = safetensors_header_json(std::string(reinterpret_cast<const char*>(data) + 8, n), "w.safetensors");
    for (auto it = meta.begin(); it != meta.end(); ++it) {
      if (it.key() == "__metadata__") continue;
      VILLANI_FUZZ_BODY((void)safetensors_entry(meta, it.key(), 8 + n, size, "w.safetensors"));
    }
    safetensors_check_layout(meta, 8 + n, size, "w.safetensors");
  });
  return 0;
}
