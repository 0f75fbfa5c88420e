// villani compare DIR…: measured rates and bounds from run records beside theory's predictions.
// Reads records only (experiments/compare.cpp, no LibTorch), so it is in every build.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/command.hpp"
#include "cli/strict_integers.hpp"
#include "cli/compare_render.hpp"
#include "cli/output.hpp"
#include "experiments/compare.hpp"
#include "numerics/errors.hpp"

namespace villani::cli {
namespace {

int run_compare(int argc, char** argv) {
  CLI::App app{"Reads run records written by `villani run` (never live state) and prints, per λ, the\n"
               "measured relaxation rates, spectra and PAC-Bayes bounds beside theory's predictions\n"
               "(the preprint's claim and the rigorous routes), saying whether each is consistent.\n"
               "Writes compare.{json,md,csv,txt} and gnuplot scripts + SVG plots into --out\n"
               "(default: DIR/compare when one DIR is given).",
               "villani compare"};
  std::vector<std::string> dirs;
  std::string format = "table", out;
  bool strict = false, allow_incomplete = false;
  app.add_option("DIR", dirs, "run record directories (searched to depth 3)")->required();
  app.add_option("--format", format, "table|markdown|csv|json|latex")->capture_default_str();
  app.add_option("--out", out, "directory for the table files and plots");
  app.add_flag("--allow-incomplete", allow_incomplete, "table interrupted runs as they stand (marked incomplete)");
  app.add_flag("--strict", strict, "exit 1 when a prediction is inconsistent with the measurement");
  if (const auto done = parse_command_line(app, argc, argv)) return *done;
  return run_guarded("compare", [&] {
    const Format f = parse_format(format);
    const auto recs = experiments::find_records(dirs);
    const auto cmp = experiments::compare_records(recs, allow_incomplete);
    const nlohmann::json cmp_json = comparison_json(cmp);
    if (out.empty() && dirs.size() == 1) out = dirs[0] + "/compare";
    std::string text, md, csv;
    for (const auto& t : cmp.tables) {
      const Table tab = to_table(t);
      text += render_text(tab) + "\n";
      md += render_markdown(tab) + "\n";
      csv += render_csv(tab) + "\n";
      if (f != Format::Json) std::cout << render(tab, f) << "\n";
    }
    if (f == Format::Json) std::cout << cmp_json.dump(2) << "\n";
    else {
      std::cout << (cmp.consistent ? "every prediction is consistent with the measurements\n"
                                                      : "INCONSISTENT predictions:\n");
      for (const auto& s : cmp.inconsistent) std::cout << "  " << s << "\n";
    }
    if (!out.empty()) {
      ensure_dir(out);
      write_file_atomic(out + "/compare.json", cmp_json.dump(2) + "\n");
      write_file_atomic(out + "/compare.md", md);
      write_file_atomic(out + "/compare.csv", csv);
      write_file_atomic(out + "/compare.txt", text);
      const auto files = write_plots(cmp, out);
      if (f != Format::Json) std::cout << "wrote " << out << "/compare.{json,md,csv,txt} and " << files.size() << " plot files\n";
    }
    return strict && !cmp.consistent ? static_cast<int>(kViolation) : static_cast<int>(kOk);
  });
}

const Registrar reg{{"compare", run_compare}};

}  // namespace
}  // namespace villani::cli
