// Hugging Face GPT-Neo config.json (checked integers, attention types, memory estimate).
#include "experiments/formats.hpp"
#include "fuzz_common.hpp"
#include "numerics/checked.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool once = (villani::set_memory_limit_bytes(1.0 * (1 << 30)), true);
  (void)once;
  VILLANI_FUZZ_BODY({
    const auto c = villani::experiments::model_from_hf_text(fuzz_text(data, size), "config.json");
    (void)villani::experiments::param_count(c);
    (void)c.to_json().dump();
  });
  return 0;
}
