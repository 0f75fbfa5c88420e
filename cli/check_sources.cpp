#include "cli/check_sources.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "numerics/checked.hpp"
#include "numerics/errors.hpp"
#include "numerics/io.hpp"
#include "numerics/models/presets.hpp"
#include "validators/reference_input.hpp"

namespace villani::cli {

namespace {
std::vector<CheckSource>& registry() {
  static std::vector<CheckSource> r;
  return r;
}


LoadedModel from_reference(std::shared_ptr<const numerics::models::ReferenceModel> m, const CheckRequest& r,
                           const std::string& label, const std::string& audit_source) {
  if (r.dtype != "float64")
    throw InputError("--dtype", "reference models (presets, JSON specs) evaluate in float64 only; got '" + r.dtype + "'");
  if (r.device != "cpu" && r.device != "auto")
    throw InputError("--device", "reference models (presets, JSON specs) run on the CPU; got '" + r.device + "'");
  LoadedModel out;
  out.input = validators::reference_check_input(m, label, audit_source);
  out.init = m->initial_theta(0);
  Eigen::Index off = 0;
  for (const auto& [name, size] : m->layout()) {
    out.params.push_back({name, off, static_cast<Eigen::Index>(size)});
    off += size;
  }
  return out;
}

const CheckSourceRegistrar preset_source{{
    "preset",
    [](const CheckRequest& r) {
      const auto names = numerics::models::preset_names();
      return std::find(names.begin(), names.end(), r.model) != names.end();
    },
    [](const CheckRequest& r) {
      return from_reference(numerics::models::make_reference(r.model), r, "preset " + r.model,
                            "activations of the reference architecture");
    }}};

const CheckSourceRegistrar spec_source{{
    "spec", [](const CheckRequest& r) { return ends_with(r.model, ".json") && !ends_with(r.model, "config.json"); },
    [](const CheckRequest& r) {
      // A spec is an object of numbers and strings: 16 MiB and 16 levels of nesting are plenty
      // (99000 nested arrays crashed with SIGSEGV when a message printed them: issue 26).
      const nlohmann::json spec = parse_json_bounded(read_file_capped(r.model, 16 * kMiB, "--model"), 16, "--model",
                                                     "JSON spec '" + r.model + "'", "spec");
      return from_reference(numerics::models::model_from_spec(spec), r, "spec " + r.model,
                            "activations named in the JSON spec");
    }}};
}  // namespace

void register_check_source(CheckSource s) { registry().push_back(std::move(s)); }
const std::vector<CheckSource>& check_sources() { return registry(); }

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

numerics::Vec read_parameters(const std::string& argument, const std::string& file, Eigen::Index d) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    throw InputError(argument, "cannot open '" + file + "' (expected origin, init or a file of numbers)");
  // d numbers of at most 64 characters each (/dev/zero was read until the process was killed).
  std::istringstream in(read_file_capped(file, std::max<std::uint64_t>(kMiB, 64 * static_cast<std::uint64_t>(d)), argument));
  std::vector<double> v;
  std::string tok;
  while (in >> tok) {
    double x = 0;
    if (!parse_real(tok, x)) throw InputError(argument, "'" + file + "' holds a non-number: '" + quote_input(tok) + "'");
    v.push_back(x);
  }
  if (static_cast<Eigen::Index>(v.size()) != d)
    throw InputError(argument, fmt::format("'{}' holds {} numbers; the model has d = {}", file, v.size(), d));
  numerics::Vec c = Eigen::Map<numerics::Vec>(v.data(), d);
  if (!c.allFinite()) throw InputError(argument, "'" + file + "' contains NaN or inf");
  return c;
}

LoadedModel load_check_model(const CheckRequest& r) {
  if (r.dtype != "float64" && r.dtype != "float32")
    throw InputError("--dtype", "expected float64 | float32; got '" + r.dtype + "'");
  if (r.threads < 0 || r.threads > 1024)
    throw InputError("--threads", "expected 0..1024 (0: LibTorch's default); got " + std::to_string(r.threads));
  for (const auto& s : check_sources())
    if (s.accepts(r)) {
      // --weights belongs to GPT-Neo configs; elsewhere it was ignored without a word (issue 26).
      if (!r.weights.empty() && s.name != "gpt-neo")
        throw InputError("--weights", "'" + r.weights + "' was given for a " + s.name +
                                          " model, which carries its own weights; --weights applies to a GPT-Neo "
                                          "config.json (--at or --center FILE give another point θ)");
      return s.load(r);
    }
  std::string names;
  for (const auto& n : numerics::models::preset_names()) names += (names.empty() ? "" : ", ") + n;
  std::string kinds = "a JSON spec (*.json)";
  for (const auto& s : check_sources())
    if (s.name == "torchscript") kinds += ", a TorchScript file (*.pt) with --tokens";
    else if (s.name == "gpt-neo") kinds += ", a GPT-Neo config.json";
  throw InputError("--model", "unknown model '" + r.model + "'; expected a preset (" + names + ") or " + kinds);
}

}  // namespace villani::cli
