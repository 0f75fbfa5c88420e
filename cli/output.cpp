#include "cli/output.hpp"

#include <algorithm>

#include "cli/finite.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <regex>

#include "numerics/errors.hpp"

namespace villani::cli {

Format parse_format(const std::string& text, const std::vector<Format>& allowed) {
  Format f;
  if (text == "table") f = Format::Table;
  else if (text == "markdown" || text == "md") f = Format::Markdown;
  else if (text == "csv") f = Format::Csv;
  else if (text == "json") f = Format::Json;
  else if (text == "latex" || text == "tex") f = Format::Latex;
  else
    throw InputError("--format",
                     "expected one of table|markdown|csv|json|latex; got '" + text + "'");
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), f) == allowed.end()) {
    std::string names;
    for (Format a : allowed) names += std::string(names.empty() ? "" : "|") + to_string(a);
    throw InputError("--format", "this command supports " + names + "; got '" + text + "'");
  }
  return f;
}

const char* to_string(Format f) {
  switch (f) {
    case Format::Table: return "table";
    case Format::Markdown: return "markdown";
    case Format::Csv: return "csv";
    case Format::Json: return "json";
    case Format::Latex: return "latex";
  }
  return "?";
}

std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

static std::string pad(const std::string& s, std::size_t w, bool right) {
  const std::size_t dw = display_width(s);
  if (dw >= w) return s;
  const std::string fill(w - dw, ' ');
  return right ? fill + s : s + fill;
}

std::string render_text(const Table& t) {
  require_finite(t);
  const std::size_t nc = t.columns.size();
  std::vector<std::size_t> w(nc, 0);
  for (std::size_t j = 0; j < nc; ++j) w[j] = display_width(t.columns[j].text);
  for (const auto& row : t.rows)
    for (std::size_t j = 0; j < nc && j < row.size(); ++j) w[j] = std::max(w[j], display_width(row[j]));
  std::string out;
  if (!t.title.empty()) out += t.title + "\n";
  std::string line;
  for (std::size_t j = 0; j < nc; ++j)
    line += (j ? "  " : "") + pad(t.columns[j].text, w[j], t.columns[j].right);
  out += line + "\n";
  std::string rule;
  for (std::size_t j = 0; j < nc; ++j) {
    if (j) rule += "  ";
    for (std::size_t k = 0; k < w[j]; ++k) rule += "─";
  }
  out += rule + "\n";
  for (const auto& row : t.rows) {
    line.clear();
    for (std::size_t j = 0; j < nc; ++j)
      line += (j ? "  " : "") + pad(j < row.size() ? row[j] : "", w[j], t.columns[j].right);
    out += line + "\n";
  }
  for (const auto& n : t.notes) out += n + "\n";
  return out;
}

static std::string md_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '|') o += "\\|";
    else o += c;
  }
  return o;
}

std::string render_markdown(const Table& t) {
  require_finite(t);
  std::string out;
  if (!t.title.empty()) out += "**" + t.title + "**\n\n";
  out += "|";
  for (const auto& c : t.columns) out += " " + md_escape(c.text) + " |";
  out += "\n|";
  for (const auto& c : t.columns) out += c.right ? "---:|" : ":---|";
  out += "\n";
  for (const auto& row : t.rows) {
    out += "|";
    for (std::size_t j = 0; j < t.columns.size(); ++j)
      out += " " + md_escape(j < row.size() ? row[j] : "") + " |";
    out += "\n";
  }
  if (!t.notes.empty()) {
    out += "\n";
    for (const auto& n : t.notes) out += "- " + n + "\n";
  }
  return out;
}

static std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) {
    if (c == '"') o += "\"\"";
    else o += c;
  }
  return o + "\"";
}

std::string render_csv(const Table& t) {
  require_finite(t);
  std::string out;
  for (std::size_t j = 0; j < t.columns.size(); ++j)
    out += (j ? "," : "") + csv_cell(t.columns[j].text);
  out += "\n";
  for (const auto& row : t.rows) {
    for (std::size_t j = 0; j < t.columns.size(); ++j)
      out += (j ? "," : "") + csv_cell(j < row.size() ? row[j] : "");
    out += "\n";
  }
  return out;
}

static std::string latex_escape(const std::string& s) {
  // Plain ASCII for pdflatex; common Unicode symbols mapped to math.
  static const std::vector<std::pair<std::string, std::string>> map = {
      {"λ", "$\\lambda$"}, {"Ψ", "$\\Psi$"}, {"θ", "$\\theta$"}, {"μ", "$\\mu$"},
      {"≤", "$\\le$"},     {"≥", "$\\ge$"},  {"×", "$\\times$"}, {"−", "-"},
      {"–", "--"},         {"É", "\\'E"},    {"≡", "$\\equiv$"}, {"∞", "$\\infty$"},
      {"²", "$^2$"},       {"‖", "$\\|$"},   {"·", "$\\cdot$"},  {"₊", "$_+$"},
      {"é", "\\'e"},      {"∝", "$\\propto$"}, {"§", "\\S{}"}, {"ε", "$\\varepsilon$"},
      {"η", "$\\eta$"},    {"∇", "$\\nabla$"}, {"Δ", "$\\Delta$"}, {"∫", "$\\int$"},
      {"σ", "$\\sigma$"},  {"κ", "$\\kappa$"}, {"Ω", "$\\Omega$"}, {"√", "$\\surd$"},
      {"→", "$\\to$"},     {"′", "'"},         {"—", "---"},      {"≈", "$\\approx$"}};
  std::string o;
  for (std::size_t i = 0; i < s.size();) {
    bool done = false;
    for (const auto& [u, l] : map)
      if (s.compare(i, u.size(), u) == 0) { o += l; i += u.size(); done = true; break; }
    if (done) continue;
    const char c = s[i++];
    switch (c) {
      case '&': case '%': case '$': case '#': case '_': case '{': case '}':
        o += '\\'; o += c; break;
      case '~': o += "\\textasciitilde{}"; break;
      case '^': o += "\\textasciicircum{}"; break;
      case '\\': o += "\\textbackslash{}"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x80) o += c;  // drop other non-ASCII bytes
    }
  }
  return o;
}

static std::string latex_cell(const std::string& s) {
  // 1.234e+56 -> $1.234\times10^{56}$
  static const std::regex num(R"(^(-?[0-9]+(?:\.[0-9]+)?)e([+-]?)0*([0-9]+)$)");
  std::smatch m;
  if (std::regex_match(s, m, num)) {
    const std::string sign = m[2] == "-" ? "-" : "";
    return "$" + m[1].str() + "\\times10^{" + sign + m[3].str() + "}$";
  }
  return latex_escape(s);
}

std::string render_latex(const Table& t) {
  require_finite(t);
  std::string spec;
  for (const auto& c : t.columns) spec += c.right ? "r" : "l";
  std::string out =
      "\\documentclass{article}\n\\usepackage{booktabs}\n\\usepackage[margin=1cm,landscape]{geometry}\n"
      "\\begin{document}\n\\begin{table}[ht]\n\\centering\n\\scriptsize\n";
  if (!t.title.empty()) out += "\\caption{" + latex_escape(t.title) + "}\n";
  out += "\\begin{tabular}{" + spec + "}\n\\toprule\n";
  for (std::size_t j = 0; j < t.columns.size(); ++j)
    out += (j ? " & " : "") +
           (t.columns[j].latex.empty() ? latex_escape(t.columns[j].text) : t.columns[j].latex);
  out += " \\\\\n\\midrule\n";
  for (const auto& row : t.rows) {
    for (std::size_t j = 0; j < t.columns.size(); ++j)
      out += (j ? " & " : "") + latex_cell(j < row.size() ? row[j] : "");
    out += " \\\\\n";
  }
  out += "\\bottomrule\n\\end{tabular}\n";
  for (const auto& n : t.notes) out += "\n\\par\\smallskip " + latex_escape(n) + "\n";
  out += "\\end{table}\n\\end{document}\n";
  return out;
}

std::string render(const Table& t, Format f) {
  switch (f) {
    case Format::Table: return render_text(t);
    case Format::Markdown: return render_markdown(t);
    case Format::Csv: return render_csv(t);
    case Format::Latex: return render_latex(t);
    case Format::Json: break;
  }
  throw DomainError("render: JSON is rendered by the command itself");
}

nlohmann::json wide_json(const Wide& x) {
  if ((boost::multiprecision::isnan)(x)) return "undefined (nan: an indeterminate form in the arithmetic)";
  if ((boost::multiprecision::isinf)(x)) return "overflow (beyond the wide range, 10^±8.6e16)";
  if (fits_double(x)) return static_cast<double>(x);
  return to_decimal(x, 17);
}

namespace {
bool non_finite_word(const std::string& s) {
  return s == "inf" || s == "-inf" || s == "+inf" || s == "nan" || s == "-nan" || s == "NaN" || s == "Inf" ||
         s == "-Inf" || s == "infinity" || s == "-infinity";
}
void check_json(const nlohmann::json& j, const std::string& path, const std::string& what) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) check_json(it.value(), path + "/" + it.key(), what);
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) check_json(j[i], path + "/" + std::to_string(i), what);
  } else if (j.is_number_float()) {
    const double v = j.get<double>();
    if (!std::isfinite(v))
      throw NonFiniteOutput(fmt::format("{}: the number at {} is {}; refusing to print it as a result", what,
                                        path.empty() ? "/" : path, std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf"));
  } else if (j.is_string() && non_finite_word(j.get<std::string>())) {
    throw NonFiniteOutput(fmt::format("{}: the value at {} is '{}'; refusing to print it as a result", what,
                                      path.empty() ? "/" : path, j.get<std::string>()));
  }
}
}  // namespace

void require_finite(const nlohmann::json& doc, const std::string& what) { check_json(doc, "", what); }

namespace {
void null_inf(nlohmann::json& j, const std::string& path, std::vector<std::string>& paths) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) null_inf(it.value(), path + "/" + it.key(), paths);
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) null_inf(j[i], path + "/" + std::to_string(i), paths);
  } else if (j.is_number_float() && std::isinf(j.get<double>())) {
    j = nullptr;
    paths.push_back(path);
  }
}
}  // namespace

std::vector<std::string> null_beyond_double(nlohmann::json& doc) {
  std::vector<std::string> paths;
  null_inf(doc, "", paths);
  std::sort(paths.begin(), paths.end());
  return paths;
}

void require_finite(const Table& t) {
  for (std::size_t i = 0; i < t.rows.size(); ++i)
    for (std::size_t j = 0; j < t.rows[i].size(); ++j) {
      const std::string& c = t.rows[i][j];
      // Cells like "inf", "-nan", "1.2 [inf, 3]" too: look at each token.
      std::string tok;
      for (std::size_t k = 0; k <= c.size(); ++k) {
        const char ch = k < c.size() ? c[k] : ' ';
        if (ch == ' ' || ch == ',' || ch == '[' || ch == ']' || ch == '(' || ch == ')') {
          if (non_finite_word(tok))
            throw NonFiniteOutput(fmt::format("table '{}': row {}, column '{}' is '{}'; refusing to print it as a "
                                              "result", t.title, i + 1,
                                              j < t.columns.size() ? t.columns[j].text : std::to_string(j + 1), c));
          tok.clear();
        } else {
          tok += ch;
        }
      }
    }
}

std::string dump_checked(const nlohmann::json& doc, const std::string& what) {
  require_finite(doc, what);
  return doc.dump(2);
}

nlohmann::json log10_json(const Wide& x) {
  const Wide l = log10_abs(x);
  if (!(boost::multiprecision::isfinite)(l)) return nullptr;
  return static_cast<double>(l);
}

void ensure_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    throw InputError("--out", "cannot create directory '" + dir + "': " + ec.message());
}

}  // namespace villani::cli
