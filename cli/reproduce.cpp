#include "cli/reproduce.hpp"

#include <chrono>
#include <ctime>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <fmt/format.h>
#include <optional>
#include <iostream>

#include "cli/constants_table.hpp"
#include "cli/interrupt.hpp"
#include "cli/progress.hpp"
#include "numerics/errors.hpp"
#include "validators/gap_claims.hpp"
#include "validators/villani_claims.hpp"
#include "experiments/companion/claims.hpp"
#ifdef VILLANI_HAVE_TORCH
#include "experiments/claims.hpp"
#include "experiments/run_record.hpp"
#endif

namespace villani::cli {

namespace {
std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// Word-wraps text to width display columns, the first line prefixed, the rest indented.
std::string wrap(const std::string& text, const std::string& prefix, std::size_t width) {
  std::string out, line = prefix;
  const std::string indent(display_width(prefix), ' ');
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t sp = text.find(' ', pos);
    if (sp == std::string::npos) sp = text.size();
    const std::string word = text.substr(pos, sp - pos);
    if (display_width(line) + display_width(word) + 1 > width && display_width(line) > indent.size()) {
      out += line + "\n";
      line = indent;
    }
    if (display_width(line) > indent.size() && line.back() != ' ') line += ' ';
    line += word;
    pos = sp + 1;
  }
  return out + line + "\n";
}

std::string markdown_report(const nlohmann::json& doc, const Table& constants) {
  std::string md = "# villani reproduce\n\n";
  md += fmt::format("Generated {} by `{}`.\n\n", doc.value("generated", ""), doc.value("invocation", ""));
  // Say when the report is not the whole run (issue 15).
  if (!doc.contains("summary"))
    md += fmt::format("**Partial report**: the run is in progress or was stopped before it finished; the {} "
                      "claim(s) below are those decided so far.\n\n", doc.at("claims").size());
  else if (doc.at("summary").value("interrupted", false))
    md += fmt::format("**Interrupted**: the run was stopped (Ctrl-C) after {} claim(s); the claims below are "
                      "those decided before the interrupt. Run `villani reproduce` again for the rest.\n\n",
                      doc.at("claims").size());
  md += "## Claims\n\n| id | verdict | statement | source |\n|:---|:---|:---|:---|\n";
  for (const auto& c : doc.at("claims"))
    md += fmt::format("| {} | **{}** | {} | {} |\n", c.value("id", ""), c.value("verdict", ""),
                      c.value("statement", ""), c.value("source", ""));
  md += "\n";
  for (const auto& c : doc.at("claims")) {
    md += fmt::format("### {} — {}\n\n{}\n\n", c.value("id", ""), c.value("verdict", ""),
                      c.value("evidence", ""));
    md += fmt::format("Re-run: `{}`  (took {:.2f} s)\n\n", c.value("command", ""),
                      c.value("seconds", 0.0));
  }
  md += "## Explicit constants on the default grid\n\n" + render_markdown(constants) + "\n";
  return md;
}
}  // namespace

nlohmann::json recorded_claims(const std::string& results_dir) {
  namespace fs = std::filesystem;
  nlohmann::json out = nlohmann::json::array();
  if (results_dir.empty() || !fs::is_directory(results_dir)) return out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(results_dir))
    if (e.is_directory() && fs::exists(e.path() / "claim.json")) files.push_back(e.path() / "claim.json");
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    nlohmann::json c;
    try {
      std::ifstream in(f);
      c = nlohmann::json::parse(in);
      for (const char* k : {"id", "statement", "source", "verdict", "evidence", "command", "device", "date"})
        if (!c.contains(k) || !c[k].is_string()) throw std::runtime_error(std::string("missing key ") + k);
      c["id"] = c["id"].get<std::string>() + "@recorded";
      c["evidence"] = fmt::format("[recorded {} on {}] {}", c["date"].get<std::string>(),
                                  c["device"].get<std::string>(), c["evidence"].get<std::string>());
    } catch (const std::exception& e) {
      c = {{"id", "recorded:" + f.parent_path().filename().string()},
           {"statement", "recorded run " + f.string()},
           {"source", f.string()},
           {"verdict", "inconclusive"},
           {"evidence", std::string("the recorded claim file could not be read: ") + e.what()},
           {"command", ""}};
    }
    c["recorded"] = true;
    c["record"] = f.parent_path().string();
    out.push_back(c);
  }
  return out;
}

validators::Registry build_registry() {
  validators::Registry r;
  validators::register_theory_claims(r);
  validators::register_gap_claims(r);
  validators::register_villani_claims(r);
#ifdef VILLANI_HAVE_TORCH
  experiments::register_experiment_claims(r);
#endif
  experiments::companion::register_boursier_claims(r);  // no LibTorch: in every build
#ifdef VILLANI_HAVE_TORCH
  experiments::companion::register_torch_companion_claims(r);
#endif
  return r;
}

ReproduceSummary run_reproduce_all(const ReproduceOptions& o, std::ostream& out, std::ostream& err) {
  ReproduceSummary sum;
  // An --only that selects nothing is a typo, not an empty success, unless recorded results
  // (--results) are what the run is for: they are reported whatever --only says.
  if (!o.only.empty() && recorded_claims(o.results_dir).empty()) {
    const validators::Registry probe = build_registry();
    std::string ids;
    bool any = false;
    for (const auto& c : probe.claims()) {
      any = any || c.id.find(o.only) != std::string::npos;
      ids += (ids.empty() ? "" : ", ") + c.id;
    }
    if (!any) throw InputError("--only", "no claim id contains '" + o.only + "'; ids: " + ids);
  }
  Progress progress(Progress::mode_for(o.quiet), err);
  InterruptScope interrupt;  // Ctrl-C: stop after the current claim (a run inside it checkpoints); twice: exit 130

  // 1. Constants on the default grid.
  ConstantsOptions co;
  for (const char* l : {"1e-4", "1e-3", "1e-2", "0.1", "1"}) co.lambdas.emplace_back(l);
  co.dims = {Wide(1), Wide("1.25e8")};
  const auto rows = theory::constants_rows(co);
  const Table ctable = constants_table(rows);

  nlohmann::json doc;
  doc["tool"] = "villani";
  doc["generated"] = utc_now();
  doc["invocation"] = std::string("villani reproduce") + (o.full ? " --full" : "") +
                      (o.device != "cpu" ? " --device " + o.device : "");
  doc["claims"] = nlohmann::json::array();
  doc["constants"] = {{"rows", constants_json(rows)}};
  if (o.format == Format::Table) out << render_text(ctable) << "\n";
  else if (o.format == Format::Markdown) out << render_markdown(ctable) << "\n";

  // A report that cannot be written (full disk, read-only --out) does not stop the claims: they
  // run and print, and the write error ends the command (exit 2) after them (issue 26).
  std::optional<OutputError> unsaved;
  std::shared_ptr<const experiments::DirLock> lock;  // one writer per --out (issue 26)
  if (!o.out_dir.empty()) {
    ensure_dir(o.out_dir);
    lock = experiments::DirLock::acquire(o.out_dir, "--out");
  }
  auto save = [&] {
    if (o.out_dir.empty()) return;
    try {
      ensure_dir(o.out_dir);
      write_file_atomic(o.out_dir + "/report.json", doc.dump(2) + "\n");
      write_file_atomic(o.out_dir + "/report.md", markdown_report(doc, ctable));
      unsaved.reset();  // space came back: the report on disk is whole again
    } catch (const OutputError& e) {
      if (!unsaved)
        std::cerr << "villani reproduce: " << e.what() << "; the claims go on and print here, the report is "
                  << "written again after each\n";
      unsaved = e;
    } catch (const InputError& e) {
      if (!unsaved) std::cerr << "villani reproduce: " << e.what() << "; the claims go on and print here\n";
      unsaved = OutputError(o.out_dir, e.what());
    }
  };
  save();

  // 2. Claims, one at a time; the report is rewritten after each.
  const validators::Registry reg = build_registry();
  validators::CheckContext ctx{o.full, o.device, o.out_dir, interrupt.token()};
  Table ct;
  ct.title = "Claims";
  ct.columns = {{"id", "", false}, {"verdict", "", false}, {"time", ""}, {"evidence", "", false}};
  int i = 0, n = 0;
  for (const auto& claim : reg.claims()) n += o.only.empty() || claim.id.find(o.only) != std::string::npos;
  // Testing aid: VILLANI_REPRODUCE_DELAY_MS pauses after each claim (interrupt tests).
  const char* delay_env = std::getenv("VILLANI_REPRODUCE_DELAY_MS");
  const int delay_ms = delay_env ? std::atoi(delay_env) : 0;
  for (const auto& claim : reg.claims()) {
    if (!o.only.empty() && claim.id.find(o.only) == std::string::npos) continue;
    ++i;
    if (interrupt.requested()) { sum.interrupted = true; break; }
    progress.update("reproduce", i - 1, n, "claim", fmt::format("claim {}: {}", i, claim.id));
    const auto t0 = std::chrono::steady_clock::now();
    validators::ClaimResult res;
    try {
      res = claim.check(ctx);
    } catch (const std::exception& e) {
      res.verdict = validators::Verdict::Inconclusive;
      res.evidence = std::string("the check failed to run: ") + e.what();
      ++sum.errors;
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    switch (res.verdict) {
      case validators::Verdict::Holds: ++sum.holds; break;
      case validators::Verdict::Violated: ++sum.violated; break;
      case validators::Verdict::Inconclusive: ++sum.inconclusive; break;
      case validators::Verdict::NotApplicable: ++sum.not_applicable; break;
    }
    if (progress.terminal())  // a terminal keeps one line per claim above the live line
      progress.note(fmt::format("[{}/{}] {} {} ({:.1f} s)", i, n, claim.id, validators::to_string(res.verdict), secs));
    doc["claims"].push_back({{"id", claim.id},
                             {"statement", claim.statement},
                             {"source", claim.source},
                             {"verdict", validators::to_string(res.verdict)},
                             {"evidence", res.evidence},
                             {"details", res.details},
                             {"command", claim.command},
                             {"seconds", secs}});
    ct.rows.push_back({claim.id, validators::to_string(res.verdict), fmt::format("{:.1f}s", secs),
                       res.evidence});
    save();
    if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  }
  if (interrupt.requested()) sum.interrupted = true;
  // Recorded results (e.g. GPU runs under experiments/results/), labelled with device and date.
  if (!sum.interrupted) {
    for (auto& c : recorded_claims(o.results_dir)) {
      const std::string v = c.value("verdict", "inconclusive");
      switch (validators::parse_verdict(v)) {
        case validators::Verdict::Holds: ++sum.holds; break;
        case validators::Verdict::Violated: ++sum.violated; break;
        case validators::Verdict::NotApplicable: ++sum.not_applicable; break;
        case validators::Verdict::Inconclusive: ++sum.inconclusive; break;
      }
      c["seconds"] = 0.0;
      ct.rows.push_back({c["id"].get<std::string>(), v, "rec", c["evidence"].get<std::string>()});
      doc["claims"].push_back(c);
    }
  }
  doc["summary"] = {{"holds", sum.holds},          {"violated", sum.violated},
                    {"inconclusive", sum.inconclusive}, {"not_applicable", sum.not_applicable},
                    {"errors", sum.errors},        {"interrupted", sum.interrupted}};
  save();
  progress.end();

  if (o.format == Format::Json) {
    out << doc.dump(2) << "\n";
  } else if (o.format == Format::Markdown) {
    out << render_markdown(ct);
  } else {
    out << "Claims\n";
    for (const auto& c : doc["claims"]) {
      out << fmt::format("\n{:<14} {}  ({:.1f} s)\n", c["verdict"].get<std::string>(),
                         c["id"].get<std::string>(), c["seconds"].get<double>());
      out << wrap(c["statement"].get<std::string>(), "  claim:    ", 100);
      out << wrap(c["evidence"].get<std::string>(), "  evidence: ", 100);
      out << wrap(c["command"].get<std::string>(), "  re-run:   ", 100);
    }
    out << fmt::format("\n{} claims: {} hold, {} violated, {} inconclusive, {} not applicable{}\n",
                       ct.rows.size(), sum.holds, sum.violated, sum.inconclusive,
                       sum.not_applicable, sum.interrupted ? " (interrupted)" : "");
    if (!o.out_dir.empty() && !unsaved) out << "report: " << o.out_dir << "/report.md\n";
  }
  out.flush();
  if (unsaved) throw *unsaved;
  return sum;
}

}  // namespace villani::cli
