// Token files of `villani check --tokens FILE`.
#include <sstream>

#include "experiments/formats.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(fuzz_text(data, size));
  VILLANI_FUZZ_BODY((void)villani::experiments::parse_token_text(in, "tokens.txt", 50257));
  return 0;
}
