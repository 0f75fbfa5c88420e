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
/// item, a count < 1 or > 10000, a non-positive geometric end point, a non-finite value, or more
/// than kMaxListValues values in all (a comma list of 50000 items had no cap: issue 26).
inline constexpr std::size_t kMaxListValues = 10000;
std::vector<ListValue> parse_list(const std::string& argument, const std::string& text);

/// One number (may exceed double's range); InputError naming argument when malformed.
Wide parse_number(const std::string& argument, const std::string& text);

/// One number for an input computed in double: parse_number, then InputError naming argument
/// with the true reason when it is beyond double's range or subnormal (0 < |x| < 2.2e-308:
/// "1e-320" was refused as "expected > 0" or "a non-number" before; issue 26). 0 is 0.
double parse_double_number(const std::string& argument, const std::string& text);
/// The same check for a value already parsed (a list's item; `text` is shown in the message).
double wide_to_double(const std::string& argument, const Wide& v, const std::string& text);

}  // namespace villani::cli
