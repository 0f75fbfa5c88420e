#include "cli/catalog.hpp"

#include <algorithm>

namespace villani::cli {

const std::vector<CatalogEntry>& catalog() {
  static const std::vector<CatalogEntry> entries = [] {
    std::vector<CatalogEntry> e = {
        {"bench", "performance figures (hvp, trace, gap, hessian, startup, ...)"},
        {"check", "the Villani criteria and constants for a model (preset, spec, TorchScript, GPT-Neo)"},
        {"compare", "measured runs beside theory's predictions (reads run records)"},
        {"constants", "explicit Poincaré / log-Sobolev constants, rates, step counts"},
        {"gap", "true Poincaré constant in 1-D/2-D for a symbolic loss, brackets, claim check"},
        {"launch", "start N local ranks of a data-parallel run (villani launch --nproc N -- villani …)"},
        {"hessian", "Hessian eigenvalues, trace, density (per layer) of a model at its weights"},
        {"reproduce", "every claim checked, one report (the main job)"},
        {"run", "experiments: psi, spectrum, sgld, pacbayes, train, companion claims"},
    };
    std::sort(e.begin(), e.end(), [](const CatalogEntry& a, const CatalogEntry& b) { return a.name < b.name; });
    return e;
  }();
  return entries;
}

const CatalogEntry* find_in_catalog(std::string_view name) {
  for (const auto& e : catalog())
    if (e.name == name) return &e;
  return nullptr;
}

}  // namespace villani::cli
