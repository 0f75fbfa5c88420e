#include "validators/certify.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
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

namespace {

// One cover problem: prove margin ≥ 0 (strictly > 0 where `strict`) on the union of the initial
// boxes by interval enclosures and bisection. Slots [x0, x1, λ, s]: `polar` maps a 2-D box
// (r, φ) to θ = r(cos φ, sin φ); otherwise the box's ranges are the slots themselves (1-D: x0;
// 2-D: x0 ∈ [a, b], x1 ∈ [p0, p1]). `inside` says whether a point (slot values) lies in the
// region, so that a negative margin there is a counterexample.
struct Cover {
  const sym::Program* margin = nullptr;
  const std::vector<sym::Program>* grads = nullptr;
  int d = 1;
  bool polar = false;
  I50 lam, temp;
  std::function<bool(const I50* slots)> inside;
};

struct CoverOutcome {
  Verdict verdict = Verdict::Inconclusive;
  long boxes_evaluated = 0, boxes_certified = 0;
  int max_depth = 0;
  double min_lower = std::numeric_limits<double>::infinity();
  std::vector<double> point;  // slot values of a counterexample
  I50 point_margin;
  Box undecided;              // the smallest box left undecided (Inconclusive)
  std::string budget_note;
};

CoverOutcome run_cover(const Cover& cv, std::vector<Box> heap, const CertifyOptions& o, bool strict,
                       const std::string& label) {
  CoverOutcome res;
  const int d = cv.d;
  sym::Evaluator<I50> g(*cv.margin);
  std::vector<sym::Evaluator<I50>> grad;
  if (cv.grads)
    for (const auto& gp : *cv.grads) grad.emplace_back(gp);
  I50 vars[4];
  vars[d] = cv.lam;
  vars[d + 1] = cv.temp;
  auto set_box = [&](const Box& b) {
    if (d == 1) {
      vars[0] = I50(b.a, b.b);
    } else if (cv.polar) {
      const I50 R(b.a, b.b), P(b.p0, b.p1);
      vars[0] = R * cos(P);
      vars[1] = R * sin(P);
    } else {
      vars[0] = I50(b.a, b.b);
      vars[1] = I50(b.p0, b.p1);
    }
  };
  // The margin's enclosure on a box: the natural interval extension intersected with the centred
  // (mean-value) form g(c) + ∇g(box)·(box − c), ∇g compiled from the symbolic energy. The centred
  // form's overestimate shrinks quadratically with the box, so a margin whose minimum is interior
  // (where ∇g → 0) closes at tight thresholds; the natural form alone overestimates linearly.
  // 2-D in polar coordinates: ∂g/∂r = ∇g·(cos φ, sin φ), ∂g/∂φ = ∇g·(−r sin φ, r cos φ).
  auto eval_box = [&](const Box& b) -> I50 {
    set_box(b);
    const I50 nat = g(vars);
    if (grad.size() != std::size_t(d)) return nat;
    I50 mv;
    if (d == 1) {
      const double c = 0.5 * (b.a + b.b);
      const I50 slope = grad[0](vars);
      vars[0] = I50(c);
      mv = g(vars) + slope * (I50(b.a, b.b) - I50(c));
    } else if (cv.polar) {
      const I50 R(b.a, b.b), P(b.p0, b.p1);
      const I50 cP = cos(P), sP = sin(P);
      const I50 g0 = grad[0](vars), g1 = grad[1](vars);
      const I50 dr = g0 * cP + g1 * sP, dphi = (g1 * cP - g0 * sP) * R;
      const double rc = 0.5 * (b.a + b.b), pc = 0.5 * (b.p0 + b.p1);
      vars[0] = I50(rc) * cos(I50(pc));
      vars[1] = I50(rc) * sin(I50(pc));
      mv = g(vars) + dr * (R - I50(rc)) + dphi * (P - I50(pc));
    } else {
      const I50 X(b.a, b.b), Y(b.p0, b.p1);
      const I50 g0 = grad[0](vars), g1 = grad[1](vars);
      const double xc = 0.5 * (b.a + b.b), yc = 0.5 * (b.p0 + b.p1);
      vars[0] = I50(xc);
      vars[1] = I50(yc);
      mv = g(vars) + g0 * (X - I50(xc)) + g1 * (Y - I50(yc));
    }
    const Real50 lo = std::max(Real50(mp::lower(nat)), Real50(mp::lower(mv)));
    const Real50 hi = std::min(Real50(mp::upper(nat)), Real50(mp::upper(mv)));
    if (mp::isnan(lo) || mp::isnan(hi) || lo > hi) return nat;  // NaN in one form: keep the other
    return I50(lo, hi);
  };
  auto decided = [&](double key) { return strict ? key > 0 : key >= 0; };
  // The midpoint's slot values (polar: θ itself, as doubles).
  auto midpoint = [&](const Box& b) {
    if (d == 1) return std::vector<double>{0.5 * (b.a + b.b)};
    const double x = 0.5 * (b.a + b.b), y = 0.5 * (b.p0 + b.p1);
    if (cv.polar) return std::vector<double>{x * std::cos(y), x * std::sin(y)};
    return std::vector<double>{x, y};
  };

  auto cmp = [](const Box& x, const Box& y) { return x.key > y.key; };  // min-heap on key
  for (auto& b : heap) {
    b.key = lower_of(eval_box(b));
    ++res.boxes_evaluated;
  }
  std::make_heap(heap.begin(), heap.end(), cmp);

  std::vector<Box> stuck;
  bool found = false;
  long iteration = 0;
  while (!heap.empty()) {
    if (o.progress && iteration++ % 64 == 0)
      progress_update(o.progress, label, res.boxes_evaluated, o.max_boxes, "box",
                      fmt::format("{} decided, {} open, depth {}", res.boxes_certified, heap.size(), res.max_depth),
                      true);
    std::pop_heap(heap.begin(), heap.end(), cmp);
    Box b = heap.back();
    heap.pop_back();
    if (decided(b.key)) {
      ++res.boxes_certified;
      res.min_lower = std::min(res.min_lower, b.key);
      res.max_depth = std::max(res.max_depth, b.depth);
      continue;
    }
    // Midpoint as a point interval: a counterexample?
    const auto pt = midpoint(b);
    for (int k = 0; k < d; ++k) vars[k] = I50(pt[k]);
    const I50 gp = g(vars);
    if ((strict ? mp::upper(gp) <= 0 : mp::upper(gp) < 0) && cv.inside(vars)) {
      found = true;
      res.verdict = Verdict::Violated;
      res.point = pt;
      res.point_margin = gp;
      res.max_depth = std::max(res.max_depth, b.depth);
      break;
    }
    // Split, unless out of depth or of double resolution.
    Box c1 = b, c2 = b;
    c1.depth = c2.depth = b.depth + 1;
    const bool split_first = d == 1 || (b.b - b.a) >= (cv.polar ? b.b : 1.0) * (b.p1 - b.p0);
    if (split_first) {
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
  if (found) return res;
  if (heap.empty() && stuck.empty()) {
    res.verdict = Verdict::Holds;
    return res;
  }
  res.verdict = Verdict::Inconclusive;
  // The smallest box actually undecided (lower enclosure below the threshold). Boxes still
  // queued and decided would be certified when popped; naming one of them (as before) reported
  // an "undecided" box with a positive enclosure.
  std::vector<Box> left_over = stuck;
  for (const auto& b : heap)
    if (!decided(b.key)) left_over.push_back(b);
  if (left_over.empty()) left_over.insert(left_over.end(), heap.begin(), heap.end());
  const int sd = cv.polar ? d : 1;  // size_of's arc length applies to polar boxes only
  const Box* best = &left_over.front();
  for (const auto& b : left_over)
    if (size_of(b, sd) < size_of(*best, sd)) best = &b;
  res.undecided = *best;
  if (res.undecided.enclosure.empty()) res.undecided.enclosure = villani::to_string(eval_box(res.undecided), 12);
  res.budget_note = !stuck.empty()
                        ? fmt::format("{} box(es) undecided at the depth limit {} (or at double resolution)",
                                      stuck.size(), o.max_depth)
                        : fmt::format("box budget {} spent with {} box(es) open", o.max_boxes, heap.size());
  return res;
}

std::vector<Box> annulus_boxes(int d, double r0, double r1) {
  std::vector<Box> boxes;
  if (d == 1) {
    boxes.push_back(make_box(r0, r1));
    if (r1 > 0) boxes.push_back(make_box(-r1, -r0));
  } else {
    const int slices = 8;
    const double full = 6.2832;  // > 2π: the angle boxes cover the circle
    for (int k = 0; k < slices; ++k)
      boxes.push_back(make_box(r0, r1, full * k / slices, k + 1 == slices ? full : full * (k + 1) / slices));
  }
  return boxes;
}

// The far field u = 1/‖θ‖ ∈ [0, umax]: 1-D one interval (per side), 2-D eight angle slices.
std::vector<Box> far_boxes(int d, double umax) {
  if (d == 1) return {make_box(0, umax)};
  std::vector<Box> boxes;
  const double full = 6.2832;  // > 2π
  for (int k = 0; k < 8; ++k) boxes.push_back(make_box(0, umax, full * k / 8, k == 7 ? full : full * (k + 1) / 8));
  return boxes;
}

// A compiled margin with its slot derivatives (for the centred forms of run_cover).
struct Margin {
  sym::Program program;
  std::vector<sym::Program> grads;
};

// make(normalized, grads) compiles a margin. For the near field (`far` false) the expanded form;
// for a far part, of the expanded and the normalized form the one whose natural enclosures over
// `boxes` (direct slots) are finite on more boxes, then higher at their worst: each encloses
// some expressions at u = 0 that the other cannot (inf − inf, or 0/0).
template <class Make>
Margin margin_of(const Make& make, bool far, const std::vector<Box>& boxes, int d, const I50& lam, const I50& temp) {
  Margin m;
  m.program = make(false, &m.grads);
  if (!far) return m;
  Margin n;
  n.program = make(true, &n.grads);
  auto score = [&](const sym::Program& p) {
    sym::Evaluator<I50> g(p);
    I50 vars[4];
    vars[d] = lam;
    vars[d + 1] = temp;
    int finite = 0;
    double worst = std::numeric_limits<double>::infinity();
    for (const auto& b : boxes) {
      vars[0] = I50(b.a, b.b);
      if (d == 2) vars[1] = I50(b.p0, b.p1);
      const double lo = lower_of(g(vars));
      if (std::isfinite(lo)) ++finite;
      worst = std::min(worst, lo);
    }
    return std::pair<int, double>(finite, worst);
  };
  return score(n.program) > score(m.program) ? n : m;
}

Cover cover_of(const Margin& m, int d, bool polar, const I50& lam, const I50& temp) {
  Cover cv;
  cv.margin = &m.program;
  cv.grads = &m.grads;
  cv.d = d;
  cv.polar = polar;
  cv.lam = lam;
  cv.temp = temp;
  return cv;
}

}  // namespace

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
  // the interval slots for them are then unused by the margin but kept for the value.
  Margin mg;
  mg.program = coercive ? energy.coercivity_margin(st.c, st.C, lambda, s, &mg.grads)
                        : energy.psi_margin(st.M, st.kind == CertifyStatement::Kind::Psi2s, lambda, s, "--certify",
                                            &mg.grads);
  const sym::Program& margin = mg.program;
  const sym::Program& lhs = coercive ? energy.energy() : energy.psi(st.kind == CertifyStatement::Kind::Psi2s);
  Cover cv = cover_of(mg, d, /*polar=*/true, interval_of<I50>(lambda, "--lambda"), interval_of<I50>(s, "--temperature"));
  const I50 r0i = interval_of<I50>(st.r0_text, "--certify"), r1i = interval_of<I50>(st.r1_text, "--certify");
  const I50 r0sq = r0i * r0i, r1sq = r1i * r1i;
  // A point provably in the annulus (θ exact doubles).
  cv.inside = [&](const I50* th) {
    I50 r2(0);
    for (int k = 0; k < d; ++k) r2 += th[k] * th[k];
    return mp::lower(r2) >= mp::upper(r0sq) && mp::upper(r2) <= mp::lower(r1sq);
  };
  const CoverOutcome out = run_cover(cv, annulus_boxes(d, st.r0, st.r1), o, /*strict=*/false, "certify");
  res.verdict = out.verdict;
  res.boxes_evaluated = out.boxes_evaluated;
  res.boxes_certified = out.boxes_certified;
  res.max_depth = out.max_depth;
  if (out.verdict == Verdict::Violated) {
    const auto& th = out.point;
    res.point = th;
    double r2 = 0;
    for (double x : th) r2 += x * x;
    res.point_radius = std::sqrt(r2);
    res.margin = to_double(out.point_margin);
    res.margin_enclosure_50 = villani::to_string(out.point_margin, 20);
    I50 vars[4];
    for (int k = 0; k < d; ++k) vars[k] = I50(th[k]);
    vars[d] = cv.lam;
    vars[d + 1] = cv.temp;
    sym::Evaluator<I50> left(lhs);
    res.value = to_double(left(vars));
    res.rhs = res.value - res.margin;
    // Independent re-evaluation at 100 digits.
    sym::Evaluator<I100> g100(margin);
    I100 v100[4];
    for (int k = 0; k < d; ++k) v100[k] = I100(th[k]);
    v100[d] = interval_of<I100>(lambda, "--lambda");
    v100[d + 1] = interval_of<I100>(s, "--temperature");
    res.confirmed_100 = mp::upper(g100(v100)) < 0;
  } else {
    res.min_lower_margin = out.min_lower;
    if (out.verdict == Verdict::Inconclusive) {
      res.box_r_lo = out.undecided.a;
      res.box_r_hi = out.undecided.b;
      res.box_phi_lo = out.undecided.p0;
      res.box_phi_hi = out.undecided.p1;
      res.box_margin_enclosure = out.undecided.enclosure;
      res.budget_note = out.budget_note;
    }
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

WellCertificate certify_no_wells(const sym::Energy& energy, const std::string& lambda, const std::string& s,
                                 double radius, const CertifyOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  WellCertificate w;
  const int d = energy.dim();
  w.radius = radius;
  w.far_radius = 4 * radius;
  const I50 lam = interval_of<I50>(lambda, "--lambda");
  if (!(mp::lower(lam) > 0)) {
    w.verdict = Verdict::NotApplicable;
    w.text = "not attempted: the radial argument θ·∇F ≥ (λ/4)‖θ‖² needs λ > 0";
    return w;
  }
  if (!(radius > 0) || !std::isfinite(w.far_radius)) {
    w.verdict = Verdict::Inconclusive;
    w.text = fmt::format("not attempted: the box radius {} is not a positive finite number", radius);
    return w;
  }
  const std::string norm = d == 1 ? "|t|" : "‖θ‖";
  auto finish = [&](Verdict v, std::string text) {
    w.verdict = v;
    w.text = std::move(text);
    w.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return w;
  };
  const I50 temp = interval_of<I50>(s, "--temperature");
  // Near field: θ·∇F − (λ/4)‖θ‖² > 0 on R ≤ ‖θ‖ ≤ 4R, in polar boxes (1-D: two intervals).
  {
    const Margin m = margin_of(
        [&](bool, std::vector<sym::Program>* g) { return energy.radial_margin(sym::Energy::Radial::Near, lambda, s, g); },
        false, {}, d, lam, temp);
    Cover cv = cover_of(m, d, /*polar=*/true, lam, temp);
    const double r0 = radius, r1 = w.far_radius;
    cv.inside = [&](const I50* th) {
      I50 r2(0);
      for (int k = 0; k < d; ++k) r2 += th[k] * th[k];
      return mp::lower(r2) >= r0 * r0 && mp::upper(r2) <= r1 * r1;
    };
    const CoverOutcome out = run_cover(cv, annulus_boxes(d, r0, r1), o, /*strict=*/true, "wells");
    w.boxes_evaluated += out.boxes_evaluated;
    if (out.verdict == Verdict::Violated) {
      const auto& p = out.point;
      double r = 0;
      for (double x : p) r += x * x;
      r = std::sqrt(r);
      w.region = d == 1 ? fmt::format("t = {:.6g}", p[0]) : fmt::format("θ = ({:.6g}, {:.6g})", p[0], p[1]);
      return finish(Verdict::Inconclusive,
                    fmt::format("not excluded: θ·∇F ≤ (λ/4)‖θ‖² at {} ({} = {:.6g}, outside the box's radius {:.6g}); "
                                "F may have a critical point (a well) there",
                                w.region, norm, r, radius));
    }
    if (out.verdict != Verdict::Holds) {
      const Box& b = out.undecided;
      w.region = d == 1 ? fmt::format("t ∈ [{:.6g}, {:.6g}]", b.a, b.b)
                        : fmt::format("{:.6g} ≤ ‖θ‖ ≤ {:.6g}, φ ∈ [{:.4g}, {:.4g}]", b.a, b.b, b.p0, b.p1);
      return finish(Verdict::Inconclusive, fmt::format("not excluded: the interval proof could not decide {} ({})",
                                                       w.region, out.budget_note));
    }
  }
  // Far field ‖θ‖ ≥ 4R: in u = 1/‖θ‖ ∈ [0, 1/(4R)], (θ·∇F)/‖θ‖² − λ/4 > 0.
  const double umax = 1.0 / w.far_radius * (1 + 1e-15);
  std::vector<sym::Energy::Radial> far = d == 1 ? std::vector<sym::Energy::Radial>{sym::Energy::Radial::FarPlus,
                                                                                    sym::Energy::Radial::FarMinus}
                                               : std::vector<sym::Energy::Radial>{sym::Energy::Radial::Far2D};
  const std::vector<Box> boxes = far_boxes(d, umax);
  for (const auto part : far) {
    const Margin m = margin_of(
        [&](bool normalized, std::vector<sym::Program>* g) { return energy.radial_margin(part, lambda, s, g, normalized); },
        true, boxes, d, lam, temp);
    Cover cv = cover_of(m, d, /*polar=*/false, lam, temp);
    cv.inside = [&](const I50* x) { return mp::lower(x[0]) > 0 && mp::upper(x[0]) <= umax; };
    const CoverOutcome out = run_cover(cv, boxes, o, /*strict=*/true, "wells (far field)");
    w.boxes_evaluated += out.boxes_evaluated;
    if (out.verdict != Verdict::Holds) {
      const std::string side =
          d == 1 ? (part == sym::Energy::Radial::FarPlus ? " (t > 0)" : " (t < 0)") : "";
      if (out.verdict == Verdict::Violated) {
        const double u = out.point[0];
        w.region = d == 1 ? fmt::format("{} = {:.6g}{}", norm, 1 / u, side)
                          : fmt::format("θ = ({:.6g}, {:.6g})", std::cos(out.point[1]) / u, std::sin(out.point[1]) / u);
        return finish(Verdict::Inconclusive,
                      fmt::format("not excluded: θ·∇F ≤ (λ/4)‖θ‖² at {} (outside the box's radius {:.6g}); F may have "
                                  "a critical point (a well) there",
                                  w.region, radius));
      }
      const Box& b = out.undecided;
      w.region = fmt::format("{:.6g} ≤ {} ≤ {}{}", 1 / b.b, norm, b.a > 0 ? fmt::format("{:.6g}", 1 / b.a) : "∞", side);
      return finish(Verdict::Inconclusive,
                    fmt::format("not excluded: the interval proof could not decide the far field {} ({})", w.region,
                                out.budget_note));
    }
  }
  return finish(Verdict::Holds,
                fmt::format("certified: θ·∇F > (λ/4)‖θ‖² > 0 for every {} ≥ {:.6g} (interval arithmetic, 50 digits; "
                            "near field {:.6g} ≤ {} ≤ {:.6g} in boxes, far field in u = 1/{}), so F has no critical "
                            "point outside the box",
                            norm, radius, radius, norm, w.far_radius, norm));
}

CurvatureCertificate certify_curvature_floor(const sym::Energy& energy, const std::string& K, double radius,
                                             const CertifyOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  CurvatureCertificate c;
  c.K = K;
  const int d = energy.dim();
  const double r1 = 4 * radius, umax = 1.0 / r1 * (1 + 1e-15);
  auto finish = [&](Verdict v, std::string text) {
    c.verdict = v;
    c.text = std::move(text);
    c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return c;
  };
  if (!(radius > 0) || !std::isfinite(r1)) return finish(Verdict::Inconclusive, "not attempted: no finite radius");
  const std::string norm = d == 1 ? "|t|" : "‖θ‖";
  struct Part {
    sym::Energy::Radial part;
    bool polar;
    std::vector<Box> boxes;
  };
  std::vector<Part> parts;
  parts.push_back({sym::Energy::Radial::Near, true, annulus_boxes(d, 0, r1)});
  if (d == 1) {
    parts.push_back({sym::Energy::Radial::FarPlus, false, far_boxes(1, umax)});
    parts.push_back({sym::Energy::Radial::FarMinus, false, far_boxes(1, umax)});
  } else {
    parts.push_back({sym::Energy::Radial::Far2D, false, far_boxes(2, umax)});
  }
  for (const auto& p : parts) {
    // ∇²L holds neither λ nor s: their slots are unused.
    const Margin m = margin_of(
        [&](bool normalized, std::vector<sym::Program>* g) { return energy.curvature_margin(p.part, K, g, normalized); },
        !p.polar, p.boxes, d, I50(0), I50(1));
    Cover cv = cover_of(m, d, p.polar, I50(0), I50(1));
    cv.inside = [&](const I50* x) {
      if (!p.polar) return mp::lower(x[0]) > 0 && mp::upper(x[0]) <= umax;
      I50 r2(0);
      for (int k = 0; k < d; ++k) r2 += x[k] * x[k];
      return mp::upper(r2) <= r1 * r1;
    };
    const CoverOutcome out = run_cover(cv, p.boxes, o, /*strict=*/false, "curvature floor");
    c.boxes_evaluated += out.boxes_evaluated;
    if (out.verdict == Verdict::Holds) continue;
    const std::string where = p.polar ? fmt::format("{} ≤ {:.6g}", norm, r1) : fmt::format("{} ≥ {:.6g}", norm, r1);
    return finish(out.verdict, out.verdict == Verdict::Violated
                                   ? fmt::format("λ_min(∇²L) < −{} at a point of {}", K, where)
                                   : fmt::format("λ_min(∇²L) ≥ −{} not decided on {} ({})", K, where, out.budget_note));
  }
  return finish(Verdict::Holds, fmt::format("certified: λ_min(∇²L) ≥ −{} for every θ (interval arithmetic, 50 digits; "
                                            "{} ≤ {:.6g} in boxes, beyond in u = 1/{})",
                                            K, norm, r1, norm));
}

}  // namespace villani::validators
