// For tests of a rendering (a typed result → its record / --format json JSON): the set of keys of
// a JSON object, to compare with the keys the output has always had.
#pragma once
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace villani::testing {

inline std::set<std::string> json_keys(const nlohmann::json& j) {
  std::set<std::string> out;
  for (const auto& [k, v] : j.items()) out.insert(k);
  return out;
}

}  // namespace villani::testing
