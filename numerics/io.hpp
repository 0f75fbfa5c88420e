// Small file helpers shared by every layer that writes results.
#pragma once
#include <string>

namespace villani {

/// Writes text to path atomically: a temporary file beside it (named with the process id),
/// written, fsynced, then renamed over path. A reader never sees a partial file. When any step
/// fails (a full disk, a read-only filesystem, no permission) the temporary is removed and
/// OutputError (an InputError: exit 2) names the path and the reason, "No space left on device"
/// included; the caller's results already printed stay printed.
void write_file_atomic(const std::string& path, const std::string& text);

}  // namespace villani
