// Small file helpers shared by every layer that writes results.
#pragma once
#include <string>

namespace villani {

/// Writes text to path atomically: a temporary file beside it (named with the process id),
/// flushed, then renamed over path. A reader never sees a partial file. Throws
/// std::runtime_error when the temporary cannot be written.
void write_file_atomic(const std::string& path, const std::string& text);

}  // namespace villani
