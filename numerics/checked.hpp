// Checked conversions of user input (issue 15): integers with a range, integers inside JSON
// documents (no silent wrap at 2^32), and a memory estimate before any allocation whose size
// the user controls. Every failure is an InputError naming the argument (exit 2).
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace villani {

/// A whole number in [lo, hi] typed by the user: optional sign, decimal digits, nothing else
/// (no spaces, no "1e3", no "0x10"). InputError(argument, "expected an integer in [lo, hi]; got '…'").
std::int64_t parse_integer(const std::string& argument, const std::string& text, std::int64_t lo,
                           std::int64_t hi);

/// A real number written in a file or an argument (the whole of `text`, strtod's syntax), read
/// as the nearest double: subnormals (1e-320) included, which std::stod refuses with
/// out_of_range. Returns false for text that is not a number, is not finite, overflows, or is a
/// non-zero number below the smallest subnormal (it would read as 0).
bool parse_real(const std::string& text, double& out);

/// The integer j[key] of a JSON document in [lo, hi]; `what` names the document in the message
/// (e.g. "'config.json'"). Rejects floats, strings, and values outside the range (nlohmann would
/// wrap 4294967307 to 11 through get<int>()).
std::int64_t json_integer(const std::string& argument, const std::string& what, const nlohmann::json& j,
                          const std::string& key, std::int64_t lo, std::int64_t hi);
/// Same for a JSON value that is not a member of an object (`where` describes it).
std::int64_t json_integer_value(const std::string& argument, const std::string& where, const nlohmann::json& v,
                                std::int64_t lo, std::int64_t hi);

/// JSON text parsed with nesting refused beyond max_depth while parsing (a document 90000 levels
/// deep overflowed the stack: issue 26). InputError(argument, "<what> nests JSON deeper than N
/// levels, which no <kind> does") or InputError(argument, "<what> is not valid JSON: …").
/// on_key(depth, key), when given, sees every object key as it is read (and may throw).
nlohmann::json parse_json_bounded(const std::string& text, int max_depth, const std::string& argument,
                                  const std::string& what, const std::string& kind,
                                  const std::function<void(int, const std::string&)>& on_key = {});

/// The memory budget for allocations sized by user input, in bytes: the machine's physical
/// memory unless raised (or lowered) with set_memory_limit (the commands' --max-memory GIB).
double memory_limit_bytes();
void set_memory_limit_bytes(double bytes);
/// Parses --max-memory GIB (a positive number of GiB) and sets the limit.
void set_memory_limit_from_flag(const std::string& argument, const std::string& gib);
/// Throws InputError(argument, "<what> needs about X GiB, more than the memory limit Y GiB; …
/// raise it with --max-memory") when `bytes` (an estimate, may be huge or inf) exceeds the limit.
void check_memory(const std::string& argument, double bytes, const std::string& what);

/// Text with NUL and other control bytes (except newline and tab) written as \xNN.
std::string printable_message(const std::string& text);

/// Text safe to quote in a message: NUL and other control bytes shown as \xNN, cut at `max`
/// bytes with "…" (so a message is never truncated by an embedded NUL).
std::string quote_input(const std::string& text, std::size_t max = 200);

}  // namespace villani
