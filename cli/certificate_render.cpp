#include "cli/certificate_render.hpp"

#include <fmt/format.h>

namespace villani::cli {

nlohmann::json certificate_json(const validators::CertifyResult& r, const validators::CertifyStatement& st) {
  nlohmann::json j;
  j["statement"] = st.text;
  j["inequality"] = r.statement;
  j["kind"] = st.kind == validators::CertifyStatement::Kind::Coercive ? "coercive"
              : st.kind == validators::CertifyStatement::Kind::Psi2s  ? "psi_2s"
                                                          : "psi_s";
  j["region"] = {{"r0", st.r0}, {"r1", st.r1}, {"dim", r.dim},
                 {"cover", r.dim == 1 ? "[−r1, −r0] ∪ [r0, r1], bisected"
                                      : "polar boxes [a,b]×[φ0,φ1] → θ = (r cos φ, r sin φ) by interval "
                                        "cos/sin; φ ∈ [0, 6.2832] ⊃ [0, 2π]; bisected"}};
  j["verdict"] = validators::to_string(r.verdict, validators::VerdictWords::Certificate);
  j["method"] = "MPFI intervals, 50 digits; adaptive bisection, smallest lower enclosure first";
  j["boxes_evaluated"] = r.boxes_evaluated;
  j["max_depth"] = r.max_depth;
  j["budget"] = {{"max_boxes", r.options.max_boxes}, {"max_depth", r.options.max_depth}};
  j["seconds"] = r.seconds;
  if (r.verdict == validators::Verdict::Holds) {
    j["boxes_covered"] = r.boxes_certified;
    j["min_lower_enclosure"] = r.min_lower_margin;
    j["min_lower_enclosure_of"] = st.kind == validators::CertifyStatement::Kind::Coercive ? "F − c‖θ‖² + C" : "Ψ − M";
  } else if (r.verdict == validators::Verdict::Violated) {
    j["counterexample"] = {{"theta", r.point}, {"radius", r.point_radius}, {"value", r.value},
                           {"rhs", r.rhs}, {"margin", r.margin},
                           {"margin_enclosure_50", r.margin_enclosure_50},
                           {"confirmed_100_digits", r.confirmed_100}};
  } else {
    nlohmann::json b = {{"enclosure", r.box_margin_enclosure}, {"note", r.budget_note}};
    if (r.dim == 1) b["t"] = {r.box_r_lo, r.box_r_hi};
    else {
      b["r"] = {r.box_r_lo, r.box_r_hi};
      b["phi"] = {r.box_phi_lo, r.box_phi_hi};
    }
    j["undecided_box"] = b;
    j["boxes_certified"] = r.boxes_certified;
  }
  return j;
}

std::string certificate_line(const validators::CertifyResult& r) {
  if (r.verdict == validators::Verdict::Holds)
    return fmt::format("certified: {} ({} boxes covered, depth {}, min lower enclosure of the margin {:.6g}; "
                       "MPFI 50 digits, {:.2f} s)",
                       r.statement, r.boxes_certified, r.max_depth, r.min_lower_margin, r.seconds);
  if (r.verdict == validators::Verdict::Violated) {
    std::string th;
    for (std::size_t k = 0; k < r.point.size(); ++k) th += (k ? ", " : "") + fmt::format("{:.12g}", r.point[k]);
    return fmt::format("counterexample to {}: θ = ({}), ‖θ‖ = {:.12g}: value {:.12g} < {:.12g} (margin {:.6g}{})",
                       r.statement, th, r.point_radius, r.value, r.rhs, r.margin,
                       r.confirmed_100 ? ", confirmed at 100 digits" : "");
  }
  return fmt::format("inconclusive: {} ({} boxes; {}; smallest undecided box {} [{:.12g}, {:.12g}]{}, "
                     "margin enclosure {})",
                     r.statement, r.boxes_evaluated, r.budget_note, r.dim == 1 ? "t ∈" : "r ∈", r.box_r_lo,
                     r.box_r_hi, r.dim == 2 ? fmt::format(" × φ ∈ [{:.6g}, {:.6g}]", r.box_phi_lo, r.box_phi_hi) : "",
                     r.box_margin_enclosure);
}

}  // namespace villani::cli
