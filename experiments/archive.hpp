// Torch-free integrity check of a zip archive (a TorchScript .pt is one; issue 26): libzip reads
// the central directory and compares it with every local header (ZIP_CHECKCONS), each entry is
// read in full so its CRC-32 and size are verified, and names must be unique (libzip refuses a
// duplicate at open under ZIP_CHECKCONS). torch::jit::load
// checks none of this: a cut-short data/N entry was loaded from uninitialized memory.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace villani::experiments {

struct ArchiveEntry {
  std::string name;
  std::uint64_t size = 0;  ///< uncompressed bytes, verified by reading them
  std::uint32_t crc = 0;   ///< CRC-32 from the central directory, verified against the bytes
};

/// Entries larger than this multiple of the archive (plus kArchiveSlackBytes) are refused before
/// reading: deflate cannot expand further, so only an edited size declares more.
inline constexpr std::uint64_t kArchiveMaxExpansion = 1032;
inline constexpr std::uint64_t kArchiveSlackBytes = 1u << 20;
inline constexpr std::uint64_t kArchiveMaxEntries = 1000000;

/// Checks the archive at `path`; InputError(argument) naming the file and the entry otherwise.
std::vector<ArchiveEntry> check_zip_archive(const std::string& path, const std::string& argument);
/// The same for an archive in memory (the fuzz target's entry); `path` names it in messages.
std::vector<ArchiveEntry> check_zip_buffer(const void* data, std::size_t size, const std::string& path,
                                           const std::string& argument);

}  // namespace villani::experiments
