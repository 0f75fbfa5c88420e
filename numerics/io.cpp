#include "numerics/io.hpp"

#include <fcntl.h>
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

}  // namespace villani
