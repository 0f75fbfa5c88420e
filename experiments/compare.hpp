// `villani compare DIR…`: reads run records (never live state) and sets measured rates and
// bounds beside theory/'s predictions (docs/theory.md §2, §4, §5). No LibTorch, no cli/ types, no
// JSON: returns a Comparison (text tables and typed per-record results) that cli/ renders
// (cli/compare_render.hpp); the JSON form of its records and λ curve, which claims put in their
// details, is experiments/compare_json.hpp.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "experiments/fit.hpp"
#include "validators/verdict.hpp"

namespace villani::experiments {

/// Every run record under the given directories (a directory holding config.json, searched to
/// depth 3), sorted by path. InputError("DIR") when a path is missing or holds no record.
std::vector<std::string> find_records(const std::vector<std::string>& dirs);

/// A text table as computed here; cli/ renders it (table, markdown, csv, json, latex).
struct TextTable {
  enum class Kind { Sgld, PacBayes, Spectrum, Psi, Train };
  struct Column {
    std::string text;
    bool right = true;  ///< right-aligned (numbers)
  };
  Kind kind = Kind::Sgld;
  std::string title;
  std::vector<Column> columns;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes;
};

/// A measured rate against a prediction: the decision and the words the tables print
/// ("consistent (within ×2)", "INCONSISTENT", "n/a (K ≥ λ)", "inconclusive (…)", "differs (L shapes it)").
struct RateVerdict {
  validators::Verdict verdict = validators::Verdict::Inconclusive;
  std::string text;
};

/// An SGLD record's measured relaxation rates beside the predicted ones (docs/theory.md §2, §4).
struct SgldComparison {
  ExpFit norm2;                 ///< fit of ‖θ‖² against t
  ExpFit loss;                  ///< fit of L against t
  double gaussian_norm2_rate = 0;  ///< exact rate for L ≡ 0 with the discrete step
  double claim_rate_lower = 0;     ///< s / C_LS of the preprint's claim
  std::optional<double> bakry_emery_rate_lower;  ///< when Bakry–Émery applies
  std::optional<double> curvature_K;             ///< −(bottom eigenvalue of ∇²L), when estimated
  RateVerdict gaussian, claim, bakry_emery, loss_vs_claim;
  double t0 = 0;                ///< first recorded t
};

/// What compare found in one record.
struct RecordComparison {
  std::string dir, kind;
  bool complete = false;
  std::optional<double> lambda;        ///< sgld and pacbayes records
  std::optional<SgldComparison> sgld;  ///< sgld records
};

/// The shape of a bound against λ: the λ minimising it and whether it decreases up to there.
struct LambdaCurve {
  double best_lambda = 0;
  double best_value = 0;
  bool tightens = false;  ///< the minimum lies above the smallest λ, lower than its value there by > tol
  bool decreasing_to_best = true;
  bool increasing_after_best = true;
  double tolerance = 0;
  std::vector<double> lambda, value;  ///< the points, sorted by λ (empty: no points)
  std::string text;       ///< "decreases with λ from … to its minimum … at λ* = …, then grows …"
};
/// tol: differences up to it count as flat (the Monte Carlo train risk alone moves certificates
/// by a few 1e-3 between seeds).
LambdaCurve lambda_curve(std::vector<std::pair<double, double>> lambda_value, double tol = 0.01);

/// The PAC-Bayes certificate against λ over the pacbayes records (two λ or more).
struct PacBayesTrend {
  std::string text;         ///< "the 0–1 certificate …; the uncapped McAllester bound …"
  bool vacuous = false;     ///< every 0–1 certificate ≥ 0.999
  bool tightens = false;    ///< decided on the certificate; when vacuous, on McAllester
  double best_lambda = 0;
  LambdaCurve curve;        ///< of the 0–1 certificate
};

struct Comparison {
  std::vector<TextTable> tables;          ///< the kinds present, each with rows
  std::vector<RecordComparison> records;  ///< one per record, in path order
  bool consistent = true;
  std::vector<std::string> inconsistent;  ///< "DIR: what"
  std::vector<std::string> incomplete;    ///< records tabled although incomplete (--allow-incomplete)
  std::optional<PacBayesTrend> pacbayes;
};

/// InputError("DIR") for a damaged record, a kind with no table, an empty record, or an
/// incomplete one (interrupted run) unless allow_incomplete.
Comparison compare_records(const std::vector<std::string>& records, bool allow_incomplete = false);

}  // namespace villani::experiments
