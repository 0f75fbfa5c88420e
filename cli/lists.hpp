// Value lists on the command line: "0.1,1,10", geometric ranges "1e-4:1:9" (start:stop:count,
// count points log-spaced, both ends included), linear ranges "lin:0:1:5", and mixtures
// "1e-3:1e-1:3,1".
#pragma once
#include <string>
#include <vector>

#include "numerics/precision.hpp"

namespace villani::cli {

struct ListValue {
  Wide value;
  std::string text;  ///< as typed, or generated for range points
};

/// Parses a LIST for `argument` (used in error messages). Throws InputError on a malformed
/// item, a count < 1 or > 10000, a non-positive geometric end point, or a non-finite value.
std::vector<ListValue> parse_list(const std::string& argument, const std::string& text);

/// One number (may exceed double's range); InputError naming argument when malformed.
Wide parse_number(const std::string& argument, const std::string& text);

}  // namespace villani::cli
