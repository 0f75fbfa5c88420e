#include "experiments/formats.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <limits>
#include <set>
#include <sstream>

#include "numerics/checked.hpp"
#include "numerics/errors.hpp"

namespace villani::experiments {

std::uint64_t safetensors_header_length(const unsigned char len8[8], std::uint64_t file_size,
                                        const std::string& path) {
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len8[i];
  if (n == 0 || n > 100000000ull || n > file_size - std::min<std::uint64_t>(file_size, 8) || file_size < 8)
    throw InputError("--weights", "'" + path + "': header length " + std::to_string(n) +
                                      " is impossible for a file of " + std::to_string(file_size) + " bytes");
  return n;
}

nlohmann::json safetensors_header_json(const std::string& text, const std::string& path) {
  nlohmann::json meta;
  std::set<std::string> names;
  // Checked while parsing: a duplicated tensor name (the parser would keep the last) and depth
  // (a deep header is refused before it is built).
  meta = parse_json_bounded(text, kMaxHeaderDepth, "--weights", "'" + path + "': the header", "safetensors header",
                            [&](int depth, const std::string& key) {
                              if (depth == 1 && !names.insert(key).second)
                                throw InputError("--weights", "'" + path + "': tensor '" + quote_input(key) +
                                                                  "' appears twice in the header");
                            });
  if (!meta.is_object()) throw InputError("--weights", "'" + path + "': header is not a JSON object");
  return meta;
}

SafetensorsEntry safetensors_entry(const nlohmann::json& meta, const std::string& key, std::uint64_t data_start,
                                   std::uint64_t file_size, const std::string& path) {
  const std::string where = "'" + path + "': tensor '" + quote_input(key) + "'";
  if (!meta.contains(key)) throw InputError("--weights", "'" + path + "' has no tensor '" + quote_input(key) + "'");
  const auto& e = meta.at(key);
  SafetensorsEntry r;
  if (!e.is_object() || !e.contains("dtype") || !e.at("dtype").is_string() || !e.contains("shape") ||
      !e.at("shape").is_array() || !e.contains("data_offsets") || !e.at("data_offsets").is_array() ||
      e.at("data_offsets").size() != 2)
    throw InputError("--weights", where + " is malformed (needs dtype, shape and two data_offsets)");
  r.dtype = e.at("dtype").get<std::string>();
  if (r.dtype == "F32") r.elem_size = 4;
  else if (r.dtype == "F64") r.elem_size = 8;
  else if (r.dtype == "F16" || r.dtype == "BF16") r.elem_size = 2;
  else throw InputError("--weights", where + " has unsupported dtype " + quote_input(r.dtype));
  std::int64_t n = 1;
  const std::int64_t cap = std::numeric_limits<std::int64_t>::max() / 8;
  for (const auto& s : e.at("shape")) {
    const std::int64_t k = json_integer_value("--weights", where + " shape entry", s, 0, cap);
    if (k != 0 && n > cap / k) throw InputError("--weights", where + " has a shape too large for any file");
    n *= k;
    r.shape.push_back(k);
  }
  r.numel = n;
  const auto big = static_cast<std::int64_t>(std::numeric_limits<std::int64_t>::max());
  r.begin = static_cast<std::uint64_t>(json_integer_value("--weights", where + " data_offsets[0]", e.at("data_offsets")[0], 0, big));
  r.end = static_cast<std::uint64_t>(json_integer_value("--weights", where + " data_offsets[1]", e.at("data_offsets")[1], 0, big));
  const std::uint64_t data_size = file_size > data_start ? file_size - data_start : 0;
  if (r.end < r.begin || r.end - r.begin != static_cast<std::uint64_t>(n) * r.elem_size || r.end > data_size)
    throw InputError("--weights", where + " data offsets are inconsistent with its shape or the file size");
  return r;
}

void safetensors_check_layout(const nlohmann::json& meta, std::uint64_t data_start, std::uint64_t file_size,
                              const std::string& path) {
  struct Span {
    std::uint64_t begin, end;
    std::string name;
  };
  std::vector<Span> spans;
  for (auto it = meta.begin(); it != meta.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    const SafetensorsEntry e = safetensors_entry(meta, it.key(), data_start, file_size, path);
    spans.push_back({e.begin, e.end, it.key()});
  }
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  const std::uint64_t data_size = file_size > data_start ? file_size - data_start : 0;
  std::uint64_t at = 0;
  const Span* prev = nullptr;
  for (const auto& s : spans) {
    if (s.begin < at && prev)
      throw InputError("--weights", fmt::format("'{}': tensors '{}' [{}, {}) and '{}' [{}, {}) share bytes of the data "
                                                "section (overlapping data_offsets)",
                                                path, quote_input(prev->name), prev->begin, prev->end, quote_input(s.name),
                                                s.begin, s.end));
    if (s.begin > at)
      throw InputError("--weights", fmt::format("'{}': bytes [{}, {}) of the data section belong to no tensor (a hole "
                                                "before '{}'; the format covers the data section exactly)",
                                                path, at, s.begin, quote_input(s.name)));
    at = s.end;
    prev = &s;
  }
  if (at != data_size)
    throw InputError("--weights", fmt::format("'{}': {} bytes after the last tensor's data belong to no tensor (the "
                                              "format covers the data section exactly)",
                                              path, data_size - at));
}

std::vector<std::vector<std::int64_t>> parse_token_text(std::istream& f, const std::string& path, std::int64_t vocab) {
  std::vector<std::vector<std::int64_t>> rows;
  std::string line;
  long long lineno = 0;
  std::size_t total = 0;
  while (std::getline(f, line)) {
    ++lineno;
    std::istringstream in(line);
    std::vector<std::int64_t> row;
    std::string word;
    while (in >> word) {
      std::int64_t v = 0;
      try {
        v = parse_integer("--tokens", word, 0, std::numeric_limits<std::int64_t>::max());
      } catch (const InputError&) {
        throw InputError("--tokens", fmt::format("'{}' line {}: '{}' is not a non-negative integer token id", path,
                                                 lineno, quote_input(word, 40)));
      }
      if (vocab > 0 && v >= vocab)
        throw InputError("--tokens", fmt::format("'{}' line {}: token id {} is out of range for a vocabulary of {}",
                                                 path, lineno, v, vocab));
      row.push_back(v);
    }
    if (row.empty()) continue;
    if (row.size() < 2)
      throw InputError("--tokens", fmt::format("'{}' line {}: a sequence needs at least 2 tokens", path, lineno));
    if (!rows.empty() && row.size() != rows.front().size())
      throw InputError("--tokens", fmt::format("'{}' line {}: {} tokens, but line 1 has {} (all sequences must have "
                                               "the same length)",
                                               path, lineno, row.size(), rows.front().size()));
    total += row.size();
    if (total > kMaxTokens)
      throw InputError("--tokens", fmt::format("'{}' holds more than {} tokens (by line {}), more than villani evaluates "
                                               "as one batch; give fewer sequences",
                                               path, kMaxTokens, lineno));
    rows.push_back(std::move(row));
  }
  if (rows.empty()) throw InputError("--tokens", "the token file '" + path + "' holds no sequence");
  return rows;
}

}  // namespace villani::experiments
