// Strict integer options for CLI11 (issue 15).
#pragma once

namespace CLI {
class App;
}

namespace villani::cli {

/// Makes every integer option of app strict: CLI11 2.1 reads integers with strtoll/strtoull in
/// base 0, so "-1" became 2^64 − 1 for an unsigned option, "010" was octal 8 and "0x10" 16.
/// After this an integer option takes decimal digits with an optional sign (no sign for unsigned
/// options) and nothing else; leading zeros are plain decimal. Call before app.parse.
void strict_integers(CLI::App& app);

}  // namespace villani::cli
