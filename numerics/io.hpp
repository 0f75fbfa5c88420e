// Small file helpers shared by every layer that writes results.
#pragma once
#include <cstdint>
#include <string>

namespace villani {

/// Writes text to path atomically: a temporary file beside it (named with the process id),
/// written, fsynced, then renamed over path. A reader never sees a partial file. When any step
/// fails (a full disk, a read-only filesystem, no permission) the temporary is removed and
/// OutputError (an InputError: exit 2) names the path and the reason, "No space left on device"
/// included; the caller's results already printed stay printed.
void write_file_atomic(const std::string& path, const std::string& text);

/// The whole file at `path`, at most `max_bytes` of it: InputError(argument) naming the path when
/// it cannot be opened, is a directory or a device (/dev/zero filled memory until exit 3), or
/// holds more (a pipe that never ends included; the cap is in the message). Regular files and
/// pipes (`<(…)`) are read.
std::string read_file_capped(const std::string& path, std::uint64_t max_bytes, const std::string& argument);
inline constexpr std::uint64_t kMiB = 1ull << 20;

}  // namespace villani
