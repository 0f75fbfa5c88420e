// Torch-free parsers of the file formats villani reads (issue 15: each has a libFuzzer target
// under fuzz/): safetensors headers and token files. LibTorch code (gpt_neo.cpp,
// torch_sources.cpp) does the I/O and tensor work around them.
#pragma once
#include <cstdint>
#include <istream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "experiments/model_config.hpp"

namespace villani::experiments {

/// A Hugging Face GPT-Neo config.json from its text (`path` names it in messages):
/// model_from_hf_config() reads the file and calls this (the fuzz target's entry).
ModelConfig model_from_hf_text(const std::string& text, const std::string& path);

/// The little-endian header length of a safetensors file from its first 8 bytes; InputError
/// ("--weights") when it is 0, above 100 MB or beyond the file.
std::uint64_t safetensors_header_length(const unsigned char len8[8], std::uint64_t file_size, const std::string& path);
/// The header text as a JSON object; InputError("--weights") otherwise, and for a tensor name
/// that appears twice (a JSON parser keeps the last silently) or nesting deeper than the format's
/// (kMaxHeaderDepth: a header is an object of objects of arrays).
nlohmann::json safetensors_header_json(const std::string& text, const std::string& path);
inline constexpr int kMaxHeaderDepth = 8;

struct SafetensorsEntry {
  std::string dtype;                 ///< F32 | F64 | F16 | BF16
  std::size_t elem_size = 0;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0, end = 0;  ///< byte offsets relative to the data section
  std::int64_t numel = 0;
};
/// The entry `key` of a header, checked: known dtype, non-negative shape whose element count
/// does not overflow, offsets that match the shape and lie inside the file (data section from
/// data_start to file_size). InputError("--weights") naming the file and key otherwise.
SafetensorsEntry safetensors_entry(const nlohmann::json& meta, const std::string& key, std::uint64_t data_start,
                                   std::uint64_t file_size, const std::string& path);
/// Every entry of the header checked (safetensors_entry), and their layout as the format requires:
/// the data section is covered exactly, in order of offsets, without overlaps, holes or trailing
/// bytes (two tensors sharing bytes were accepted before, the later one winning: issue 26).
/// InputError("--weights") naming the two tensors or the gap otherwise.
void safetensors_check_layout(const nlohmann::json& meta, std::uint64_t data_start, std::uint64_t file_size,
                              const std::string& path);

/// metrics.jsonl of a run record read strictly (issue 15). A newline-terminated line that is not
/// a JSON object with an integer "step" greater than the previous one throws InputError(argument)
/// naming the file and line and saying how to repair it; nothing is dropped silently. The last
/// line without a newline is a record when it parses (missing_newline), else a torn write
/// (torn_line > 0: records hold everything before it). A missing file reads as no records.
/// Defined in run_record.cpp (RunRecord::open and RunRecord::load read through it).
struct MetricsFile {
  std::vector<nlohmann::json> records;
  std::size_t good_end = 0;     ///< bytes of the file that hold whole lines
  std::size_t torn_line = 0;    ///< 1-based line number of a torn last line (0: none)
  std::size_t torn_bytes = 0;
  bool missing_newline = false;
};
MetricsFile read_metrics_file(const std::string& path, const std::string& argument);

/// A token file's text: one sequence per non-empty line, whitespace-separated non-negative
/// integer ids (checked, no wrap), every line the same length (≥ 2). InputError("--tokens")
/// naming the file and line otherwise. vocab > 0: ids must be below it. At most kMaxTokens ids
/// in all (the file is one batch; an endless pipe filled memory until exit 3: issue 26).
inline constexpr std::size_t kMaxTokens = std::size_t(1) << 24;
inline constexpr std::uint64_t kMaxTokenFileBytes = std::uint64_t(256) << 20;
std::vector<std::vector<std::int64_t>> parse_token_text(std::istream& in, const std::string& path,
                                                        std::int64_t vocab = 0);

}  // namespace villani::experiments
