#include "numerics/io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "numerics/errors.hpp"

namespace villani {

namespace {
/// What a failed write means for the user, from errno.
std::string write_failure(const std::string& path, int err) {
  std::string why = std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) why += " (the disk is full: free space, or give another --out)";
  else if (err == EROFS) why += " (a read-only filesystem: give another --out)";
  else if (err == EACCES || err == EPERM) why += " (no permission: give another --out)";
  return "cannot write '" + path + "': " + why;
}
}  // namespace

void write_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw OutputError(path, write_failure(path, errno));
  bool open = true;
  auto fail = [&](int err) {
    if (open) ::close(fd);
    ::unlink(tmp.c_str());  // no temporary is left behind
    throw OutputError(path, write_failure(path, err));
  };
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 && errno != EINVAL) fail(errno);  // a full disk can surface only here
  open = false;
  if (::close(fd) != 0) fail(errno);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail(errno);
}

std::string read_file_capped(const std::string& path, std::uint64_t max_bytes, const std::string& argument) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(argument, "cannot read '" + path + "': " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat sb;
  if (::fstat(fd, &sb) != 0) throw InputError(argument, "cannot read '" + path + "': " + std::strerror(errno));
  if (S_ISDIR(sb.st_mode)) throw InputError(argument, "'" + path + "' is a directory, not a file");
  if (!S_ISREG(sb.st_mode) && !S_ISFIFO(sb.st_mode) && !S_ISSOCK(sb.st_mode))
    throw InputError(argument, "'" + path + "' is a device, not a file");
  auto too_big = [&] {
    return InputError(argument, "'" + path + "' holds more than " + std::to_string(max_bytes / kMiB) +
                                    " MiB, the most villani reads for this input");
  };
  if (S_ISREG(sb.st_mode) && static_cast<std::uint64_t>(sb.st_size) > max_bytes) throw too_big();
  std::string out;
  if (S_ISREG(sb.st_mode)) out.reserve(static_cast<std::size_t>(sb.st_size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw InputError(argument, "cannot read '" + path + "': " + std::strerror(errno));
    }
    if (r == 0) break;
    if (out.size() + static_cast<std::uint64_t>(r) > max_bytes) throw too_big();
    out.append(buf, static_cast<std::size_t>(r));
  }
  return out;
}

}  // namespace villani
