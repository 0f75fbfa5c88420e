#include "cli/run_session.hpp"

#include <cstdint>
#include <cstdlib>
#include <fmt/format.h>
#include <iostream>

#include "cli/command.hpp"
#include "cli/lists.hpp"
#include "cli/strict_integers.hpp"
#include "numerics/checked.hpp"
#include "numerics/errors.hpp"

namespace villani::cli {

std::vector<int> int_list(const std::string& arg, const std::string& text) {
  std::vector<int> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(pos, comma - pos);
    pos = comma + 1;
    // Checked integers (issue 15): no leading spaces, no trailing junk, no wrap.
    const std::size_t colon = item.find(':');
    const std::int64_t lim = 1000000;
    if (colon == std::string::npos) {
      out.push_back(static_cast<int>(parse_integer(arg, item, -lim, lim)));
    } else {
      const auto a = parse_integer(arg, item.substr(0, colon), -lim, lim);
      const auto b = parse_integer(arg, item.substr(colon + 1), -lim, lim);
      if (b < a || b - a > 1000)
        throw InputError(arg, "range '" + item + "' must run upwards over at most 1000 integers");
      for (auto k = a; k <= b; ++k) out.push_back(static_cast<int>(k));
    }
    // Each value is a run: 65000 of them ran without end (issue 26).
    if (out.size() > kMaxIntListItems)
      throw InputError(arg, "the list holds more than " + std::to_string(kMaxIntListItems) + " values");
  }
  return out;
}

std::vector<double> num_list(const std::string& arg, const std::string& text) {
  std::vector<double> out;
  for (const auto& v : parse_list(arg, text)) out.push_back(wide_to_double(arg, v.value, v.text));
  return out;
}

nlohmann::json run_hardware() {
  nlohmann::json h = experiments::host_info();
  h["git_revision"] = experiments::git_revision();
  h["device"] = "cpu";
  return h;
}

bool have_gnuplot() { return std::system("command -v gnuplot > /dev/null 2>&1") == 0; }

RunSession::RunSession(CLI::App& app, std::string kind) : app_(app), kind_(std::move(kind)) {
  app.add_option("--format", format_, "table|markdown|csv|json|latex")->capture_default_str();
  app.add_option("--out", out_, "run record directory");
  add_quiet_flag(app, quiet_);
}

bool RunSession::parse(int argc, char** argv) {
  try {
    strict_integers(app_);
    app_.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    code_ = app_.exit(e);
    return false;
  } catch (const CLI::ParseError& e) {
    std::cerr << app_.get_name() << ": bad input: " << e.what() << "\n";
    code_ = kBadInput;
    return false;
  }
  fmt_ = parse_format(format_);
  progress_ = std::make_unique<Progress>(quiet_);
  return true;
}

void RunSession::open(nlohmann::json config) {
  if (out_.empty()) return;
  config["kind"] = kind_;
  rec_ = experiments::RunRecord::open(out_, config, false);
  rec_->write_hardware(run_hardware());
}

void RunSession::append(nlohmann::json m) {
  if (!rec_) return;
  if (!m.contains("step")) m["step"] = rec_->last_step() + 1;
  rec_->append(m);
}

std::function<void(const nlohmann::json&)> RunSession::recorder() {
  return [this](const nlohmann::json& m) {
    progress_->update("[" + kind_ + "]", ++records_, 0, "record");  // results so far, on stderr
    append(m);
  };
}

int RunSession::finish(const nlohmann::json& summary, const std::vector<std::pair<std::string, Table>>& tables) {
  progress_->end();
  if (rec_) {
    rec_->write_summary(summary);
    for (const auto& [stem, t] : tables) {
      write_file_atomic(out_ + "/" + stem + ".md", render_markdown(t));
      write_file_atomic(out_ + "/" + stem + ".csv", render_csv(t));
    }
  }
  if (fmt_ == Format::Json) {
    std::cout << summary.dump(2) << "\n";
  } else {
    bool first = true;
    for (const auto& [stem, t] : tables) {
      if (!first) std::cout << "\n";
      first = false;
      std::cout << render(t, fmt_);
    }
  }
  return kOk;
}

std::string g4(double x) { return fmt::format("{:.4g}", x); }

}  // namespace villani::cli
