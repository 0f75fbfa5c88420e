#include "cli/check_sources.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "numerics/errors.hpp"
#include "numerics/models/presets.hpp"
#include "validators/reference_input.hpp"

namespace villani::cli {

namespace {
std::vector<CheckSource>& registry() {
  static std::vector<CheckSource> r;
  return r;
}


LoadedModel from_reference(std::shared_ptr<const numerics::models::ReferenceModel> m, const std::string& label,
                           const std::string& audit_source) {
  LoadedModel out;
  out.input = validators::reference_check_input(m, label, audit_source);
  out.init = m->initial_theta(0);
  return out;
}

const CheckSourceRegistrar preset_source{{
    "preset",
    [](const CheckRequest& r) {
      const auto names = numerics::models::preset_names();
      return std::find(names.begin(), names.end(), r.model) != names.end();
    },
    [](const CheckRequest& r) {
      return from_reference(numerics::models::make_reference(r.model), "preset " + r.model,
                            "activations of the reference architecture");
    }}};

const CheckSourceRegistrar spec_source{{
    "spec", [](const CheckRequest& r) { return ends_with(r.model, ".json") && !ends_with(r.model, "config.json"); },
    [](const CheckRequest& r) {
      std::ifstream in(r.model);
      if (!in) throw InputError("--model", "cannot open the JSON spec '" + r.model + "'");
      nlohmann::json spec;
      try {
        spec = nlohmann::json::parse(in);
      } catch (const std::exception& e) {
        throw InputError("--model", "malformed JSON spec '" + r.model + "': " + e.what());
      }
      return from_reference(numerics::models::model_from_spec(spec), "spec " + r.model,
                            "activations named in the JSON spec");
    }}};
}  // namespace

void register_check_source(CheckSource s) { registry().push_back(std::move(s)); }
const std::vector<CheckSource>& check_sources() { return registry(); }

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

LoadedModel load_check_model(const CheckRequest& r) {
  for (const auto& s : check_sources())
    if (s.accepts(r)) return s.load(r);
  std::string names;
  for (const auto& n : numerics::models::preset_names()) names += (names.empty() ? "" : ", ") + n;
  std::string kinds = "a JSON spec (*.json)";
  for (const auto& s : check_sources())
    if (s.name == "torchscript") kinds += ", a TorchScript file (*.pt) with --tokens";
    else if (s.name == "gpt-neo") kinds += ", a GPT-Neo config.json";
  throw InputError("--model", "unknown model '" + r.model + "'; expected a preset (" + names + ") or " + kinds);
}

}  // namespace villani::cli
