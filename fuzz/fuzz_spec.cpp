// JSON model specs of `villani check --model spec.json` (with the memory estimate).
#include <nlohmann/json.hpp>

#include "fuzz_common.hpp"
#include "numerics/checked.hpp"
#include "numerics/models/presets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool once = (villani::set_memory_limit_bytes(256.0 * (1 << 20)), true);  // 256 MiB under ASan
  (void)once;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(fuzz_text(data, size));
  } catch (const nlohmann::json::exception&) {
    return 0;  // the CLI reports a parse error as bad input before this point
  }
  VILLANI_FUZZ_BODY((void)villani::numerics::models::model_from_spec(j));
  return 0;
}
