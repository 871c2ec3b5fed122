// Scalar float64 math for the kernels (there is no libm in this build). Each function follows
// JavaScript's Math (the cpu reference) on special values, and is accurate to about 1 ulp
// (measured bounds in libm64.cpp; tests/backends/wasm-props.spec.ts checks them against the
// reference). Also used for float32 pow and atan2, computed in float64 and rounded once.
#pragma once
#include <stdint.h>

namespace wj {
namespace m64 {

double exp(double x);
double exp2(double x);
double expm1(double x);
double log(double x);
double log1p(double x);
double sin(double x);
double cos(double x);
double tan(double x);
double atan(double x);
double atan2(double y, double x);
double asin(double x);
double acos(double x);
double sinh(double x);
double cosh(double x);
double tanh(double x);
double asinh(double x);
double acosh(double x);
double atanh(double x);
double logistic(double x);
double erf(double x);
double cbrt(double x);
double pow(double x, double y);     // JavaScript's x ** y (1 ** NaN and (+-1) ** inf are NaN)
double fmod(double x, double y);    // exact, C's fmod (JavaScript's %)
double nextafter(double x, double y);
double round_away(double x);        // half away from zero
double sign(double x);              // NaN, +-1 or +0, as the reference's Math.sign(x) + 0

// y[i] = f(x[i]) for i < n, f numbered as core-cpp/vmath.h's VMathOp (Exp = 0, Log, Tanh,
// Logistic, Sin, Cos, Erf, Expm1, Log1p, Tan, Atan, Exp2, Asin, Acos, Sinh, Cosh, Asinh, Acosh,
// Atanh, Cbrt = 19); in place allowed. Returns false for a number with no function here.
// (One loop per function, so that the function inlines into it.)
bool map(int32_t op, const double* x, double* y, int n);

}  // namespace m64
}  // namespace wj
