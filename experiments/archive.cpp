#include "experiments/archive.hpp"

#include <zip.h>

#include <fmt/format.h>

#include <memory>
#include <sys/stat.h>

#include "numerics/errors.hpp"

namespace villani::experiments {
namespace {

std::string zip_message(zip_error_t* e) { return zip_error_strerror(e); }

struct ArchiveCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct FileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

// Opens `src` (consumed) and checks every entry; `bytes` is the archive's size.
std::vector<ArchiveEntry> check_source(zip_source_t* src, std::uint64_t bytes, const std::string& path,
                                       const std::string& arg) {
  auto fail = [&](const std::string& what) -> InputError {
    return InputError(arg, fmt::format("'{}' is not an intact zip archive (a TorchScript file is one): {}; save "
                                       "the model again with torch.jit.save",
                                       path, what));
  };
  zip_error_t err;
  zip_error_init(&err);
  std::unique_ptr<zip_t, ArchiveCloser> z(zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err));
  if (!z) {
    zip_source_free(src);
    const std::string m = zip_error_code_zip(&err) == ZIP_ER_EXISTS
                              ? "two entries share one name (a reader would take either one)"
                              : zip_message(&err);
    zip_error_fini(&err);
    throw fail(m);
  }
  zip_error_fini(&err);
  const zip_int64_t n = zip_get_num_entries(z.get(), 0);
  if (n < 0) throw fail("no central directory");
  if (static_cast<std::uint64_t>(n) > kArchiveMaxEntries)
    throw fail(fmt::format("{} entries (at most {})", n, kArchiveMaxEntries));
  const std::uint64_t cap = bytes * kArchiveMaxExpansion + kArchiveSlackBytes;
  std::vector<ArchiveEntry> out;
  std::uint64_t total = 0;
  std::vector<char> buf(1u << 20);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z.get(), static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW, &st) != 0)
      throw fail(fmt::format("entry {} unreadable: {}", i, zip_strerror(z.get())));
    const std::string name = (st.valid & ZIP_STAT_NAME) && st.name ? st.name : fmt::format("#{}", i);
    if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_CRC))
      throw fail(fmt::format("entry '{}' has no size or CRC", name));
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
      throw fail(fmt::format("entry '{}' is encrypted", name));
    total += st.size;
    if (st.size > cap || total > cap)
      throw fail(fmt::format("entry '{}' declares {} bytes, more than a {}-byte archive can hold", name, st.size, bytes));
    std::unique_ptr<zip_file_t, FileCloser> f(zip_fopen_index(z.get(), static_cast<zip_uint64_t>(i), 0));
    if (!f) throw fail(fmt::format("entry '{}': {}", name, zip_strerror(z.get())));
    std::uint64_t got = 0;
    for (;;) {
      const zip_int64_t r = zip_fread(f.get(), buf.data(), buf.size());
      if (r < 0) throw fail(fmt::format("entry '{}': {}", name, zip_error_strerror(zip_file_get_error(f.get()))));
      if (r == 0) break;
      got += static_cast<std::uint64_t>(r);
      if (got > st.size) break;
    }
    if (got != st.size)
      throw fail(fmt::format("entry '{}' holds {} bytes where its directory says {} (cut short or edited)", name, got, st.size));
    out.push_back({name, st.size, st.crc});
  }
  return out;
}

}  // namespace

std::vector<ArchiveEntry> check_zip_buffer(const void* data, std::size_t size, const std::string& path,
                                           const std::string& argument) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(data, size, 0, &err);
  zip_error_fini(&err);
  if (!src) throw InputError(argument, "'" + path + "': out of memory for its zip reader");
  return check_source(src, size, path, argument);
}

std::vector<ArchiveEntry> check_zip_archive(const std::string& path, const std::string& argument) {
  struct stat sb;
  if (::stat(path.c_str(), &sb) != 0) throw InputError(argument, "cannot open '" + path + "'");
  if (!S_ISREG(sb.st_mode)) throw InputError(argument, "'" + path + "' is not a regular file");
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_file_create(path.c_str(), 0, -1, &err);
  const std::string m = zip_message(&err);
  zip_error_fini(&err);
  if (!src) throw InputError(argument, "cannot open '" + path + "': " + m);
  return check_source(src, static_cast<std::uint64_t>(sb.st_size), path, argument);
}

}  // namespace villani::experiments
