#include "validators/certify.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <regex>

#include "numerics/checked.hpp"
#include "numerics/errors.hpp"
#include "numerics/scalar.hpp"
#include "numerics/symbolic/program.hpp"

namespace villani::validators {

namespace {

using I50 = Interval50;
using I100 = Interval100;
namespace sym = numerics::symbolic;

// A decimal radius; rounded outward to a double (down for r0, up for r1).
double parse_radius(const std::string& text, bool round_up, const std::string& argument) {
  double v = 0;
  const bool inf_text = text.find("inf") != std::string::npos;
  if (!parse_real(text, v))
    throw InputError(argument, "the radius '" + quote_input(text) + "' is " +
                                   (inf_text ? "not finite" : "not a decimal number within double's range"));
  const Real50 exact(text);
  if (round_up && Real50(v) < exact) v = std::nextafter(v, std::numeric_limits<double>::infinity());
  if (!round_up && Real50(v) > exact) v = std::nextafter(v, -std::numeric_limits<double>::infinity());
  return v;
}

template <class T>
T interval_of(const std::string& text, const std::string& argument) {
  try {
    return T(text);
  } catch (const std::exception&) {
    throw InputError(argument, "expected a decimal number; got '" + text + "'");
  }
}

struct Box {
  double a = 0, b = 0;     // 1-D: t ∈ [a, b]; 2-D: r ∈ [a, b]
  double p0 = 0, p1 = 0;   // 2-D: φ ∈ [p0, p1]
  int depth = 0;
  double key = 0;          // lower end of the margin's enclosure (NaN → −inf)
  std::string enclosure;   // filled only for reporting
};

Box make_box(double a, double b, double p0 = 0, double p1 = 0) {
  Box x;
  x.a = a;
  x.b = b;
  x.p0 = p0;
  x.p1 = p1;
  return x;
}

double lower_of(const I50& x) {
  const double v = mp::lower(x).convert_to<double>();
  return std::isnan(v) ? -std::numeric_limits<double>::infinity() : v;
}

double size_of(const Box& b, int dim) {
  return dim == 1 ? b.b - b.a : std::max(b.b - b.a, b.b * (b.p1 - b.p0));
}

std::string readable(const CertifyStatement& st, int dim) {
  const std::string norm = dim == 1 ? "|t|" : "‖θ‖";
  const std::string region = fmt::format("{} ≤ {} ≤ {}", st.r0_text, norm, st.r1_text);
  switch (st.kind) {
    case CertifyStatement::Kind::Psi: return fmt::format("Ψ_s(θ) ≥ {} on {}", st.M, region);
    case CertifyStatement::Kind::Psi2s: return fmt::format("Ψ_2s(θ) ≥ {} on {}", st.M, region);
    case CertifyStatement::Kind::Coercive:
      return fmt::format("F(θ) ≥ {}·{}² − {} on {}", st.c, norm, st.C, region);
  }
  return "";
}

}  // namespace

CertifyStatement parse_certify(const std::string& text, const std::string& argument) {
  static const std::regex psi_re(
      R"(^\s*(psi|psi_s|psi2s|psi_2s)\s*>=\s*(.+?)\s+on\s+r\s+in\s*\[\s*(.+?)\s*,\s*(.+?)\s*\]\s*$)",
      std::regex::ECMAScript);
  static const std::regex coer_re(
      R"(^\s*coercive\s+c\s*=\s*(.+?)\s*,\s*C\s*=\s*(.+?)\s+on\s+r\s+in\s*\[\s*(.+?)\s*,\s*(.+?)\s*\]\s*$)",
      std::regex::ECMAScript);
  CertifyStatement st;
  st.text = text;
  std::smatch m;
  if (std::regex_match(text, m, psi_re)) {
    const std::string which = m[1].str();
    st.kind = (which == "psi2s" || which == "psi_2s") ? CertifyStatement::Kind::Psi2s
                                                       : CertifyStatement::Kind::Psi;
    st.M = m[2].str();
    st.r0_text = m[3].str();
    st.r1_text = m[4].str();
  } else if (std::regex_match(text, m, coer_re)) {
    st.kind = CertifyStatement::Kind::Coercive;
    st.c = m[1].str();
    st.C = m[2].str();
    st.r0_text = m[3].str();
    st.r1_text = m[4].str();
  } else {
    throw InputError(argument, "cannot parse '" + text +
                                   "'; expected \"psi>=M on r in [r0,r1]\", \"psi2s>=M on r in "
                                   "[r0,r1]\" or \"coercive c=..,C=.. on r in [r0,r1]\"");
  }
  st.r0 = parse_radius(st.r0_text, false, argument);
  st.r1 = parse_radius(st.r1_text, true, argument);
  if (!(st.r0 >= 0) || !(Real50(st.r0_text) <= Real50(st.r1_text)))
    throw InputError(argument, "expected 0 ≤ r0 ≤ r1; got r in [" + st.r0_text + ", " + st.r1_text + "]");
  // M, c, C: a decimal or a fraction (kept exact by GiNaC when compiled).
  static const std::regex number_re(R"(^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?(/\d+)?$)");
  for (const auto& [t, what] : {std::pair{&st.M, "M"}, std::pair{&st.c, "c"}, std::pair{&st.C, "C"}}) {
    if (st.kind == CertifyStatement::Kind::Coercive ? std::string(what) == "M" : std::string(what) != "M") continue;
    if (!std::regex_match(*t, number_re))
      throw InputError(argument, std::string(what) + " must be a decimal number or a fraction; got '" + *t + "'");
  }
  return st;
}

CertifyResult certify(const sym::Energy& energy, const std::string& lambda, const std::string& s,
                      const CertifyStatement& st, const CertifyOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  CertifyResult res;
  res.options = o;
  const int d = energy.dim();
  res.dim = d;
  res.statement = readable(st, d);
  if (o.max_boxes < 1) throw InputError("--certify-max-boxes", "must be ≥ 1");
  if (o.max_depth < 1 || o.max_depth > 200) throw InputError("--certify-max-depth", "expected 1 … 200");

  const bool coercive = st.kind == CertifyStatement::Kind::Coercive;
  // λ and s enter the margin as exact rationals (GiNaC cancels before any interval is formed);
  // the interval slots for them below are then unused by the margin but kept for the value.
  std::vector<sym::Program> grad_progs;
  const sym::Program margin =
      coercive ? energy.coercivity_margin(st.c, st.C, lambda, s, &grad_progs)
               : energy.psi_margin(st.M, st.kind == CertifyStatement::Kind::Psi2s, lambda, s, "--certify", &grad_progs);
  const sym::Program& lhs = coercive ? energy.energy() : energy.psi(st.kind == CertifyStatement::Kind::Psi2s);
  sym::Evaluator<I50> g(margin), left(lhs);
  std::vector<sym::Evaluator<I50>> grad;
  for (const auto& gp : grad_progs) grad.emplace_back(gp);
  const I50 lam = interval_of<I50>(lambda, "--lambda"), temp = interval_of<I50>(s, "--temperature");
  const I50 r0i = interval_of<I50>(st.r0_text, "--certify"), r1i = interval_of<I50>(st.r1_text, "--certify");
  const I50 r0sq = r0i * r0i, r1sq = r1i * r1i;

  I50 vars[4];
  vars[d] = lam;
  vars[d + 1] = temp;
  // The margin's enclosure on a box: the natural interval extension intersected with the centred
  // (mean-value) form g(c) + ∇g(box)·(box − c), ∇g compiled from the symbolic energy. The centred
  // form's overestimate shrinks quadratically with the box, so a margin whose minimum is interior
  // (where ∇g → 0) closes at tight thresholds; the natural form alone overestimates linearly.
  // 2-D in polar coordinates: ∂g/∂r = ∇g·(cos φ, sin φ), ∂g/∂φ = ∇g·(−r sin φ, r cos φ).
  auto eval_box = [&](const Box& b) -> I50 {
    I50 nat;
    if (d == 1) {
      vars[0] = I50(b.a, b.b);
    } else {
      const I50 R(b.a, b.b), P(b.p0, b.p1);
      vars[0] = R * cos(P);
      vars[1] = R * sin(P);
    }
    nat = g(vars);
    if (grad.size() != std::size_t(d)) return nat;
    I50 mv;
    if (d == 1) {
      const double c = 0.5 * (b.a + b.b);
      const I50 slope = grad[0](vars);
      vars[0] = I50(c);
      mv = g(vars) + slope * (I50(b.a, b.b) - I50(c));
    } else {
      const I50 R(b.a, b.b), P(b.p0, b.p1);
      const I50 cP = cos(P), sP = sin(P);
      const I50 g0 = grad[0](vars), g1 = grad[1](vars);
      const I50 dr = g0 * cP + g1 * sP, dphi = (g1 * cP - g0 * sP) * R;
      const double rc = 0.5 * (b.a + b.b), pc = 0.5 * (b.p0 + b.p1);
      vars[0] = I50(rc) * cos(I50(pc));
      vars[1] = I50(rc) * sin(I50(pc));
      mv = g(vars) + dr * (R - I50(rc)) + dphi * (P - I50(pc));
    }
    const Real50 lo = std::max(Real50(mp::lower(nat)), Real50(mp::lower(mv)));
    const Real50 hi = std::min(Real50(mp::upper(nat)), Real50(mp::upper(mv)));
    if (mp::isnan(lo) || mp::isnan(hi) || lo > hi) return nat;  // NaN in one form: keep the other
    return I50(lo, hi);
  };
  // A point θ (doubles): its margin enclosure, and whether it provably lies in the annulus.
  auto eval_point = [&](const std::vector<double>& th, bool& inside) -> I50 {
    I50 r2(0);
    for (int k = 0; k < d; ++k) {
      vars[k] = I50(th[k]);
      r2 += vars[k] * vars[k];
    }
    inside = mp::lower(r2) >= mp::upper(r0sq) && mp::upper(r2) <= mp::lower(r1sq);
    return g(vars);
  };
  auto midpoint = [&](const Box& b) {
    if (d == 1) return std::vector<double>{0.5 * (b.a + b.b)};
    const double r = 0.5 * (b.a + b.b), p = 0.5 * (b.p0 + b.p1);
    return std::vector<double>{r * std::cos(p), r * std::sin(p)};
  };

  // Initial cover.
  std::vector<Box> heap;
  if (d == 1) {
    heap.push_back(make_box(st.r0, st.r1));
    if (st.r1 > 0) heap.push_back(make_box(-st.r1, -st.r0));
  } else {
    const int slices = 8;
    const double full = 6.2832;  // > 2π: the angle boxes cover the circle
    for (int k = 0; k < slices; ++k)
      heap.push_back(make_box(st.r0, st.r1, full * k / slices, k + 1 == slices ? full : full * (k + 1) / slices));
  }
  auto cmp = [](const Box& x, const Box& y) { return x.key > y.key; };  // min-heap on key
  for (auto& b : heap) {
    b.key = lower_of(eval_box(b));
    ++res.boxes_evaluated;
  }
  std::make_heap(heap.begin(), heap.end(), cmp);

  std::vector<Box> stuck;
  double min_lower = std::numeric_limits<double>::infinity();
  bool found = false;
  long iteration = 0;
  while (!heap.empty()) {
    if (o.progress && iteration++ % 64 == 0)
      progress_update(o.progress, "certify", res.boxes_evaluated, o.max_boxes, "box",
                      fmt::format("{} decided, {} open, depth {}", res.boxes_certified, heap.size(), res.max_depth),
                      true);
    std::pop_heap(heap.begin(), heap.end(), cmp);
    Box b = heap.back();
    heap.pop_back();
    if (b.key >= 0) {  // certified
      ++res.boxes_certified;
      min_lower = std::min(min_lower, b.key);
      res.max_depth = std::max(res.max_depth, b.depth);
      continue;
    }
    // Midpoint as a point interval: a counterexample?
    const auto th = midpoint(b);
    bool inside = false;
    const I50 gp = eval_point(th, inside);
    if (inside && mp::upper(gp) < 0) {
      found = true;
      res.verdict = Verdict::Violated;
      res.point = th;
      double r2 = 0;
      for (double x : th) r2 += x * x;
      res.point_radius = std::sqrt(r2);
      res.margin = to_double(gp);
      res.margin_enclosure_50 = villani::to_string(gp, 20);
      const I50 lv = left(vars);
      res.value = to_double(lv);
      res.rhs = res.value - res.margin;
      res.max_depth = std::max(res.max_depth, b.depth);
      // Independent re-evaluation at 100 digits.
      sym::Evaluator<I100> g100(margin);
      I100 v100[4];
      for (int k = 0; k < d; ++k) v100[k] = I100(th[k]);
      v100[d] = interval_of<I100>(lambda, "--lambda");
      v100[d + 1] = interval_of<I100>(s, "--temperature");
      res.confirmed_100 = mp::upper(g100(v100)) < 0;
      break;
    }
    // Split, unless out of depth or of double resolution.
    Box c1 = b, c2 = b;
    c1.depth = c2.depth = b.depth + 1;
    const bool split_r = d == 1 || (b.b - b.a) >= b.b * (b.p1 - b.p0);
    if (split_r) {
      const double m = 0.5 * (b.a + b.b);
      c1.b = m;
      c2.a = m;
      if (!(m > b.a && m < b.b)) c1.depth = -1;
    } else {
      const double m = 0.5 * (b.p0 + b.p1);
      c1.p1 = m;
      c2.p0 = m;
      if (!(m > b.p0 && m < b.p1)) c1.depth = -1;
    }
    if (b.depth >= o.max_depth || c1.depth < 0) {
      b.enclosure = villani::to_string(eval_box(b), 12);
      stuck.push_back(b);
      continue;
    }
    if (res.boxes_evaluated + 2 > o.max_boxes) {
      heap.push_back(b);  // undecided, budget spent
      std::push_heap(heap.begin(), heap.end(), cmp);
      break;
    }
    res.max_depth = std::max(res.max_depth, c1.depth);
    for (Box* c : {&c1, &c2}) {
      c->key = lower_of(eval_box(*c));
      ++res.boxes_evaluated;
      heap.push_back(*c);
      std::push_heap(heap.begin(), heap.end(), cmp);
    }
  }
  if (!found) {
    if (heap.empty() && stuck.empty()) {
      res.verdict = Verdict::Holds;
      res.min_lower_margin = min_lower;
    } else {
      res.verdict = Verdict::Inconclusive;
      // The smallest box actually undecided (lower enclosure < 0). Boxes still queued with a
      // lower end ≥ 0 would be certified when popped; naming one of them (as before) reported an
      // "undecided" box with a positive enclosure.
      std::vector<Box> left_over = stuck;
      for (const auto& b : heap)
        if (b.key < 0) left_over.push_back(b);
      if (left_over.empty()) left_over.insert(left_over.end(), heap.begin(), heap.end());
      const Box* best = &left_over.front();
      for (const auto& b : left_over)
        if (size_of(b, d) < size_of(*best, d)) best = &b;
      Box bb = *best;
      if (bb.enclosure.empty()) bb.enclosure = villani::to_string(eval_box(bb), 12);
      res.box_r_lo = bb.a;
      res.box_r_hi = bb.b;
      res.box_phi_lo = bb.p0;
      res.box_phi_hi = bb.p1;
      res.box_margin_enclosure = bb.enclosure;
      res.min_lower_margin = min_lower;
      res.budget_note = !stuck.empty()
                            ? fmt::format("{} box(es) undecided at the depth limit {} (or at double resolution)",
                                          stuck.size(), o.max_depth)
                            : fmt::format("box budget {} spent with {} box(es) open", o.max_boxes, heap.size());
    }
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace villani::validators
