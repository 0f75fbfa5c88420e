// Strict integer options for CLI11 (issue 15) and the one way a command parses its arguments.
#pragma once
#include <optional>

namespace CLI {
class App;
}

namespace villani::cli {

/// Makes every integer option of app strict: CLI11 2.1 reads integers with strtoll/strtoull in
/// base 0, so "-1" became 2^64 − 1 for an unsigned option, "010" was octal 8 and "0x10" 16.
/// After this an integer option takes decimal digits with an optional sign (no sign for unsigned
/// options) and nothing else; leading zeros are plain decimal. Call before app.parse.
void strict_integers(CLI::App& app);

/// Parses argv into app after strict_integers. Returns the exit code when the command is done
/// (--help printed: 0), nothing when it should go on. A parse error propagates as CLI::ParseError,
/// which run_guarded reports as "villani CMD: bad input: …" with exit 2.
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv);

}  // namespace villani::cli
