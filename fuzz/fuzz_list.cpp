// LIST arguments (--lambda 1e-4:1:9, lin:0:1:5, ...), single numbers and checked integers.
#include "cli/lists.hpp"
#include "fuzz_common.hpp"
#include "numerics/checked.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 256) return 0;  // the range expansion is the costly part, not the length
  const std::string text = fuzz_text(data, size);
  VILLANI_FUZZ_BODY({
    for (const auto& v : villani::cli::parse_list("--lambda", text)) {
      if (!(boost::multiprecision::isfinite)(v.value)) __builtin_trap();  // parse_list promises finite values
      (void)villani::to_decimal(v.value, 6);
    }
  });
  VILLANI_FUZZ_BODY((void)villani::cli::parse_number("--dim", text));
  VILLANI_FUZZ_BODY((void)villani::parse_integer("--seed", text, -5, 1000000));
  return 0;
}
