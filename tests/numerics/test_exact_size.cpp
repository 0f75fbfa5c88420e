// The GiNaC front end's bound on exact numbers (issue 15, numerics/symbolic/exact_size): GiNaC
// evaluates numbers while it parses, so texts that would build numbers of millions of digits are
// refused before the parse, and ordinary powers of numbers still evaluate to their exact values.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>

#include "numerics/errors.hpp"
#include "numerics/symbolic/energy.hpp"
#include "numerics/symbolic/program.hpp"

using namespace villani::numerics;

namespace {
std::string refusal(const std::string& text) {
  try {
    symbolic::Energy e(text, 0, "--loss");
  } catch (const villani::InputError& x) {
    return x.what();
  }
  return "";
}
double loss_at(const std::string& text, double t) {
  const symbolic::Energy e(text, 1, "--loss");
  return symbolic::eval_double(e.loss(), &t, 1, 1.0, 1.0);
}
}  // namespace

TEST_CASE("exact-number bound: power chains and powers of powers of numbers are refused quickly", "[symbolic][bad-input]") {
  const auto t0 = std::chrono::steady_clock::now();
  // fuzz_expr's hang: unary '+' makes 414^+414 the exponent of 414 (a number of 10^1083 digits).
  CHECK(refusal("+41+414^+414^+414").find("digits") != std::string::npos);
  CHECK(refusal("(414^414)^414*t^2").find("about 5.15e+05 digits") != std::string::npos);  // 1083·414 + …
  CHECK(refusal("((9^999)^999)^999*t^2").find("digits") != std::string::npos);
  CHECK(refusal("(t/t*414^414)^414").find("digits") != std::string::npos);  // t/t cancels: a number again
  // 1^t is 1 in the real parse, so the exponent 414^4 + 1/1696 is a number there (CI's fuzz run).
  CHECK(refusal("+41^t/414^+414^4+1^t/4/424").find("digits") != std::string::npos);
  CHECK(refusal("(1^t*414^414)^414*t^2").find("digits") != std::string::npos);
  // A decimal exponent is read through an exact power of ten (fuzz_expr: a hang inside GMP).
  CHECK(refusal("2*1e9999999999999999/exp(2^t1)").find("digits") != std::string::npos);
  CHECK(refusal("1e-200000*t^2").find("digits") != std::string::npos);
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 5);
}

TEST_CASE("exact-number bound: ordinary powers of numbers keep their exact values", "[symbolic]") {
  CHECK(refusal("(2^10)^3*t^2").empty());
  CHECK(loss_at("(2^10)^3*t^2", 0.5) == Approx(std::pow(2.0, 30) / 4).epsilon(1e-15));
  // GiNaC's unary minus takes the rest of the term: 2^-3^2*t^2 is 2^(−(3^2·t^2)).
  CHECK(loss_at("2^-3^2*t^2", 2.0) == Approx(std::pow(2.0, -36)).epsilon(1e-14));
  CHECK(loss_at("1e5*t^2 + 2.5e-1", 1.0) == Approx(100000.25).epsilon(1e-15));
  CHECK(loss_at("1e-300*t^2 + t^2", 1.0) == Approx(1.0).epsilon(1e-15));
  CHECK(loss_at("(99^99)^9/(99^99)^9*t^4", 2.0) == Approx(16.0).epsilon(1e-15));  // 8,000 digits: allowed
  CHECK(loss_at("0.5^(3*t) + (1 + t^2/1000)^10", 1.0) == Approx(0.125 + std::pow(1.001, 10)).epsilon(1e-13));
  // A constant whose numerator and denominator are beyond double but not their ratio: std::stod
  // threw on the numerator (exit 3, "internal error: stod"); GiNaC now rounds the ratio.
  CHECK(loss_at("(10^400+1)/10^400*t^2", 2.0) == Approx(4.0).epsilon(1e-15));
  CHECK(loss_at("exp(t)^2 + (t^2)^3", 0.5) == Approx(std::exp(1.0) + 1.0 / 64).epsilon(1e-14));
  // A text that does not parse is reported as such, with its numbers as the user wrote them.
  CHECK(refusal("1.2.3*t").find("does not parse") != std::string::npos);
  CHECK(refusal("t^2 + (3").find("does not parse") != std::string::npos);
  CHECK(refusal("t^2 + (3").find("villaniliteral") == std::string::npos);
}
