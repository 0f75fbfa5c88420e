// Output formats shared by every command that prints a table:
// --format table|markdown|csv|json|latex.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "numerics/io.hpp"  // write_file_atomic
#include "numerics/precision.hpp"

namespace villani::cli {

enum class Format { Table, Markdown, Csv, Json, Latex };
/// Throws InputError("--format", ...) for anything but the five names.
Format parse_format(const std::string& text, const std::vector<Format>& allowed = {});
const char* to_string(Format f);

struct Column {
  std::string text;   ///< header for table/markdown/csv (UTF-8 allowed)
  std::string latex;  ///< header for LaTeX (math mode allowed); empty = escaped text
  bool right = true;  ///< right-align (numbers)
};

struct Table {
  std::string title;
  std::vector<Column> columns;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes;  ///< footnotes printed under the table
};

std::string render_text(const Table& t);
std::string render_markdown(const Table& t);
std::string render_csv(const Table& t);
/// A complete LaTeX document (article + booktabs) that compiles as is with pdflatex.
std::string render_latex(const Table& t);
std::string render(const Table& t, Format f);  ///< not for Json

/// A Wide as JSON: a number when it fits a double, otherwise its decimal string.
nlohmann::json wide_json(const Wide& x);
/// log10|x| as a JSON number (always fits).
nlohmann::json log10_json(const Wide& x);

/// Creates a directory (and parents); InputError("--out", ...) when impossible.
void ensure_dir(const std::string& dir);

/// Display width of a UTF-8 string (code points).
std::size_t display_width(const std::string& s);

}  // namespace villani::cli
