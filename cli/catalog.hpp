// The catalog of villani's commands: name and one-line summary, in one place. With LibTorch the
// commands are split over two executables (docs/design.md "Start-up"): `villani` holds the
// commands that need no LibTorch and starts without loading it; it hands every other command to
// `villani-torch` beside it. Both print their usage from this catalog, so `villani --help` lists every command
// without loading LibTorch.
#pragma once
#include <string_view>
#include <vector>

namespace villani::cli {

struct CatalogEntry {
  std::string_view name;
  std::string_view summary;
};

/// Every command of the full build, sorted by name.
const std::vector<CatalogEntry>& catalog();

/// The catalog's entry for name, or nullptr when there is none.
const CatalogEntry* find_in_catalog(std::string_view name);

}  // namespace villani::cli
