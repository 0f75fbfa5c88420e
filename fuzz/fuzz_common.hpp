// Shared by the libFuzzer targets: expected failures are InputError (exit 2 in the CLI); any
// other exception escaping a parser is a finding (it would be exit 3, "internal error").
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "numerics/errors.hpp"

#define VILLANI_FUZZ_BODY(stmt)              \
  try {                                      \
    stmt;                                    \
  } catch (const villani::InputError&) {     \
  }

inline std::string fuzz_text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}
