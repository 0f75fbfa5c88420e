// The GiNaC expression front end of `villani gap --loss EXPR` (parse, derivatives, compile).
#include "fuzz_common.hpp"
#include "numerics/symbolic/energy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 120) return 0;
  const std::string text = fuzz_text(data, size);
  VILLANI_FUZZ_BODY({
    villani::numerics::symbolic::Energy e(text, 0, "--loss");
    (void)e.dim();
  });
  return 0;
}
