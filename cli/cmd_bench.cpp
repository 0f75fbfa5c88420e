// villani bench NAME [--format table|markdown|csv|json] [--quick]
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/bench.hpp"
#include "cli/command.hpp"
#include "cli/strict_integers.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "numerics/errors.hpp"

namespace villani::cli {
namespace {

int run_bench(int argc, char** argv) {
  std::string names;
  for (const auto& b : benches()) names += "\n  " + b.name + "  " + b.summary;
  CLI::App app{"Prints the performance figures behind each issue's targets.\nbenchmarks:" +
                   (names.empty() ? std::string("\n  (none built)") : names),
               "villani bench"};
  std::string name, format = "table", device = "auto", preset, size, side;
  bool quick = false, quiet = false;
  int nproc = 1, threads = 0;
  app.add_option("name", name, "benchmark to run")->required();
  app.add_option("--format", format, "table|markdown|csv|json")->capture_default_str();
  app.add_option("--device", device, "cpu|cuda|auto (Torch benchmarks)")->capture_default_str();
  app.add_option("--preset", preset, "model preset, where the benchmark takes one");
  app.add_flag("--quick", quick, "smallest sizes");
  app.add_option("--nproc", nproc, "data-parallel ranks (bench hessian: docs/distributed.md)")->capture_default_str();
  app.add_option("--size", size, "model size, where the benchmark takes one (bench scale: 1m | 15m | 125m)");
  app.add_option("--threads", threads, "LibTorch threads (0: the benchmark's default; bench scale: 1)")
      ->capture_default_str();
  app.add_option("--side", side, "internal: run one side of a two-process benchmark")->group("");
  add_quiet_flag(app, quiet);
  if (const auto done = parse_command_line(app, argc, argv)) return *done;
  const Format f = parse_format(format, {Format::Table, Format::Markdown, Format::Csv, Format::Json});
  if (nproc < 1 || nproc > 64) throw InputError("--nproc", "expected 1..64; got " + std::to_string(nproc));
  if (nproc > 1 && name != "hessian") throw InputError("--nproc", "only bench hessian runs data-parallel");
  if (threads < 0 || threads > 1024) throw InputError("--threads", "expected 0..1024; got " + std::to_string(threads));
  for (const auto& b : benches()) {
    if (b.name != name) continue;
    Progress progress(quiet);
    progress.update("bench " + name, 0, 0, "", "starting");
    BenchOptions o{quick, device, preset, progress.fn(), nproc, size, threads, side};
    const nlohmann::json r = b.run(o);
    progress.end();
    if (f == Format::Json) {
      std::cout << r.dump(2) << "\n";
      return kOk;
    }
    Table t;
    t.title = "villani bench " + name;
    t.columns = {{"figure", "", false}, {"value", ""}, {"unit", "", false}};
    if (r.contains("table"))
      for (const auto& row : r.at("table")) {
        std::vector<std::string> cells;
        for (const auto& c : row) cells.push_back(c.is_string() ? c.get<std::string>() : c.dump());
        t.rows.push_back(cells);
      }
    if (r.contains("notes"))
      for (const auto& n : r.at("notes")) t.notes.push_back(n.get<std::string>());
    std::cout << render(t, f);
    return kOk;
  }
  throw InputError("name", "unknown benchmark '" + name + "'; known:" +
                               (names.empty() ? std::string(" none") : names));
}

const Registrar reg{{"bench", run_bench}};

}  // namespace
}  // namespace villani::cli
