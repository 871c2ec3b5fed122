// Measures core-cpp/libm64.cpp natively against glibc's long double functions (64-bit
// mantissas, so the reference is ~2^11 times finer than a double ulp):
//   g++ -O2 -ffp-contract=off -std=c++20 -Icore-cpp tools/libm64_ulp.cpp core-cpp/libm64.cpp -o /tmp/ulp && /tmp/ulp
// Prints the largest error in double ulps per function and argument range.
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <random>
#include "libm64.h"

using namespace wj;

static double ulp_err(double got, long double want) {
  if (isnan(got) && isnan((double)want)) return 0;
  if ((double)want == got) return 0;
  if (isinf(got) || isinf((double)want)) return (double)want == got ? 0 : 1e9;
  int e;
  frexpl(want, &e);
  long double u = ldexpl(1.0L, (e - 53) < -1074 ? -1074 : e - 53);
  return (double)(fabsl((long double)got - want) / u);
}

template <class F, class G>
static void check(const char* name, F f, G g, double lo, double hi, bool logscale = false, int n = 1000000) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> U(0, 1);
  double worst = 0, at = 0;
  for (int i = 0; i < n; ++i) {
    double x = logscale ? copysign(exp2(lo + (hi - lo) * U(rng)), U(rng) - 0.5) : lo + (hi - lo) * U(rng);
    double e = ulp_err(f(x), g((long double)x));
    if (e > worst) worst = e, at = x;
  }
  printf("%-10s [%g, %g]%s: max %.3f ulp at %a\n", name, lo, hi, logscale ? " (log2)" : "", worst, at);
}

template <class F, class G>
static void check2(const char* name, F f, G g, double lo, double hi, double lo2, double hi2, int n = 1000000) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> U(0, 1);
  double worst = 0, ax = 0, ay = 0;
  for (int i = 0; i < n; ++i) {
    double x = lo + (hi - lo) * U(rng), y = lo2 + (hi2 - lo2) * U(rng);
    double e = ulp_err(f(x, y), g((long double)x, (long double)y));
    if (e > worst) worst = e, ax = x, ay = y;
  }
  printf("%-10s: max %.3f ulp at (%a, %a)\n", name, worst, ax, ay);
}

int main() {
  check("exp", m64::exp, expl, -745, 709.7);
  check("exp", m64::exp, expl, -1, 1);
  check("exp2", m64::exp2, exp2l, -1074, 1023);
  check("expm1", m64::expm1, expm1l, -40, 709);
  check("expm1", m64::expm1, expm1l, -1, 1);
  check("expm1", m64::expm1, expm1l, -60, 0, true);
  check("log", m64::log, logl, 0, 10);
  check("log", m64::log, logl, 0.5, 2);
  check("log", m64::log, logl, -1074, 1023, true);
  check("log1p", m64::log1p, log1pl, -1, 10);
  check("log1p", m64::log1p, log1pl, -60, 0, true);
  check("log1p", m64::log1p, log1pl, 0, 1000, true);
  check("sin", m64::sin, sinl, -100, 100);
  check("sin", m64::sin, sinl, -1e6, 1e6);
  check("sin", m64::sin, sinl, -40, 1023, true);
  check("cos", m64::cos, cosl, -100, 100);
  check("cos", m64::cos, cosl, -40, 1023, true);
  check("tan", m64::tan, tanl, -100, 100);
  check("tan", m64::tan, tanl, -40, 1023, true);
  check("atan", m64::atan, atanl, -10, 10);
  check("atan", m64::atan, atanl, -1074, 1023, true);
  check("asin", m64::asin, asinl, -1, 1);
  check("acos", m64::acos, acosl, -1, 1);
  check("sinh", m64::sinh, sinhl, -710, 710);
  check("sinh", m64::sinh, sinhl, -3, 3);
  check("cosh", m64::cosh, coshl, -710, 710);
  check("cosh", m64::cosh, coshl, -3, 3);
  check("tanh", m64::tanh, tanhl, -3, 3);
  check("tanh", m64::tanh, tanhl, -30, 5, true);
  check("asinh", m64::asinh, asinhl, -1074, 1023, true);
  check("asinh", m64::asinh, asinhl, -3, 3);
  check("acosh", m64::acosh, acoshl, 1, 5);
  check("acosh", m64::acosh, acoshl, 0, 1023, true);
  check("atanh", m64::atanh, atanhl, -1, 1);
  check("atanh", m64::atanh, atanhl, -60, 0, true);
  check("erf", m64::erf, erfl, -6, 6);
  check("erf", m64::erf, erfl, -2.5, 2.5);
  check("erf", m64::erf, erfl, -40, 1, true);
  check("cbrt", m64::cbrt, cbrtl, -1074, 1023, true);
  check("logistic", m64::logistic, [](long double x) { return 1 / (1 + expl(-x)); }, -700, 700);
  check("logistic", m64::logistic, [](long double x) { return 1 / (1 + expl(-x)); }, -5, 5);
  check2("pow", m64::pow, powl, 0, 10, -8, 8);
  check2("pow", m64::pow, powl, 0, 2, -300, 300);
  check2("pow", m64::pow, powl, 0.99, 1.01, -60000, 60000);
  check2("atan2", m64::atan2, atan2l, -10, 10, -10, 10);
  check2("fmod", m64::fmod, fmodl, -1e300, 1e300, -1e-300, 1e-300);
  check2("fmod", m64::fmod, fmodl, -100, 100, -3, 3);
  // Special values against C (pow differs from JS on 1**NaN and (+-1)**inf by design).
  double sp[] = {0.0, -0.0, 1, -1, 0.5, -0.5, 2, -2, 3, -3, INFINITY, -INFINITY, NAN, 1e300, -1e-300, 4.9e-324};
  int bad = 0;
  for (double a : sp) {
    for (double b : sp) {
      double got = m64::pow(a, b), want = pow(a, b);
      if ((fabs(a) == 1 && isinf(b)) || (a == 1 && isnan(b))) want = NAN;
      if (!(got == want && signbit(got) == signbit(want)) && !(isnan(got) && isnan(want))) { printf("pow(%g, %g) = %g want %g\n", a, b, got, want); ++bad; }
      got = m64::atan2(a, b), want = atan2(a, b);
      if (!(got == want && signbit(got) == signbit(want)) && !(isnan(got) && isnan(want))) { printf("atan2(%g, %g) = %g want %g\n", a, b, got, want); ++bad; }
      got = m64::fmod(a, b), want = fmod(a, b);
      if (!(got == want && signbit(got) == signbit(want)) && !(isnan(got) && isnan(want))) { printf("fmod(%g, %g) = %g want %g\n", a, b, got, want); ++bad; }
    }
    double fs[] = {m64::exp(a), exp(a), m64::log(a), log(a), m64::sin(a), sin(a), m64::cos(a), cos(a), m64::tanh(a), tanh(a), m64::expm1(a), expm1(a), m64::log1p(a), log1p(a), m64::atan(a), atan(a), m64::erf(a), erf(a), m64::cbrt(a), cbrt(a), m64::asinh(a), asinh(a), m64::sinh(a), sinh(a), m64::cosh(a), cosh(a), m64::tan(a), tan(a), m64::atanh(a), atanh(a)};
    for (int i = 0; i < (int)(sizeof fs / sizeof *fs); i += 2)
      if (!(fs[i] == fs[i + 1] && signbit(fs[i]) == signbit(fs[i + 1])) && !(isnan(fs[i]) && isnan(fs[i + 1])) && ulp_err(fs[i], fs[i + 1]) > 1) { printf("special fn %d at %g: %g want %g\n", i / 2, a, fs[i], fs[i + 1]); ++bad; }
  }
  printf("special-value mismatches: %d\n", bad);
}
