// Scalar float64 math (see libm64.h). The methods are the textbook ones:
//   * exp/exp2/expm1: x = (64m + j) ln2/64 + r with |r| <= ln2/128 (Cody-Waite, ln2/64 split so
//     k*hi is exact), e^r - 1 by Taylor to r^6, times 2^(j/64) from a table (double-doubles),
//     times 2^m; expm1 below ln2/2 by its Taylor series to r^14 (Estrin's scheme);
//   * log/log1p: x = 2^e (1 + f), 1 + f in [sqrt(1/2), sqrt(2)), log(1 + f) = 2 atanh(s) with
//     s = f / (2 + f), written as f - f^2/2 + s (f^2/2 + R(s^2)) so the big terms stay exact;
//   * sin/cos/tan: x = n pi/2 + r, r kept as a double-double; pi/2 in three parts below 2^19,
//     Payne-Hanek with 1280 bits of 2/pi above; Taylor kernels on |r| <= pi/4;
//   * atan: 1/x above 1, then atan(c) + atan((x - c) / (1 + x c)) for c the nearest k/8
//     (atan(k/8) as double-doubles), a short odd series on |t| <= 1/16;
//   * pow: log(x) as a double-double (about 2^-62 relative), times y, then exp of a
//     double-double, so that large |y log x| loses nothing;
//   * the hyperbolic and inverse functions from those, by the usual cancellation-free forms.
// Constants were computed with Python's decimal module at 450 digits.
// Measured against glibc's long double functions over 10^6 random arguments per function and
// range (tools/libm64_ulp.cpp): exp, exp2, log, log1p, sin, cos, cbrt, pow, fmod within 0.81 ulp;
// expm1, atan, cosh, sinh, asinh, acosh, atanh within 1.9; tan, acos, atan2, tanh, logistic
// within 2.3; asin 2.9, erf 3.5.
#include "libm64.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace wj {
namespace m64 {
namespace {

constexpr double kInf = __builtin_inf();
constexpr double kNaN = __builtin_nan("");
constexpr double LN2_HI = 0x1.62e42fee00000p-1;  // 32 significant bits: k * LN2_HI is exact
constexpr double LN2_LO = 0x1.a39ef35793c76p-33;
constexpr double LN2_DD_HI = 0x1.62e42fefa39efp-1, LN2_DD_LO = 0x1.abc9e3b39803fp-56;
constexpr double PI_HI = 0x1.921fb54442d18p+1, PI_LO = 0x1.1a62633145c07p-53;
constexpr double PIO2_HI = 0x1.921fb54442d18p+0, PIO2_LO = 0x1.1a62633145c07p-54;
constexpr double PIO4_HI = 0x1.921fb54442d18p-1;
constexpr double TWO_OVER_PI = 0x1.45f306dc9c883p-1;
// pi/2 = P1 + P2 + P3 with P1, P2 of 33 bits: n * P1 and n * P2 are exact for n < 2^20.
constexpr double PIO2_1 = 0x1.921fb54400000p+0, PIO2_2 = 0x1.0b4611a600000p-34, PIO2_3 = 0x1.3198a2e037073p-69;
constexpr double TWO_OVER_SQRTPI = 0x1.20dd750429b6dp+0, INV_SQRTPI = 0x1.20dd750429b6dp-1;

inline uint64_t bits(double x) { return __builtin_bit_cast(uint64_t, x); }
inline double from_bits(uint64_t b) { return __builtin_bit_cast(double, b); }
inline double fabs(double x) { return __builtin_fabs(x); }
inline double pow2(int k) { return from_bits((uint64_t)(1023 + k) << 52); }  // k in [-1022, 1023]
inline bool is_nan(double x) { return x != x; }

// x * 2^k for any int k, rounding once at the end (subnormal results included).
double scale(double x, int k) {
  while (k > 1023) { x *= pow2(1023); k -= 1023; if (x - x != 0) return x; }
  if (k < -1022) {
    // Two steps land in the subnormals with a single rounding (the first is exact).
    while (k < -1022 - 53) { x *= pow2(-1022); k += 1022; if (x == 0) return x; }
    return x * pow2(k + 53) * pow2(-53);
  }
  return x * pow2(k);
}

// Error-free transformations (no FMA in wasm SIMD128: Dekker's split).
inline void two_sum(double a, double b, double& s, double& e) {
  s = a + b;
  double bb = s - a;
  e = (a - (s - bb)) + (b - bb);
}
inline void fast_two_sum(double a, double b, double& s, double& e) {  // |a| >= |b|
  s = a + b;
  e = b - (s - a);
}
inline void split(double a, double& hi, double& lo) {
  double t = 134217729.0 * a;  // 2^27 + 1
  hi = t - (t - a);
  lo = a - hi;
}
inline void two_prod(double a, double b, double& p, double& e) {
  p = a * b;
  double ah, al, bh, bl;
  split(a, ah, al);
  split(b, bh, bl);
  e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

// e^r - 1 - r for |r| <= ln2/2 (Taylor through r^14, Estrin's scheme for a short dependency chain).
inline double expm1_tail(double r) {
  constexpr double c[] = {1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320, 1.0 / 362880,
                          1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0, 1.0 / 87178291200.0};
  const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const double p01 = c[0] + r * c[1], p23 = c[2] + r * c[3], p45 = c[4] + r * c[5], p67 = c[6] + r * c[7];
  const double p89 = c[8] + r * c[9], pab = c[10] + r * c[11];
  const double lo = (p01 + r2 * p23) + r4 * (p45 + r2 * p67);
  const double hi = (p89 + r2 * pab) + r4 * c[12];
  return r2 * (lo + r8 * hi);
}

// 2^(j/64) as hi + lo, j = 0..63.
constexpr double kExp2Table[64][2] = {
    {0x1.0000000000000p+0, 0x0.0p+0}, {0x1.02c9a3e778061p+0, -0x1.19083535b085dp-56},
    {0x1.059b0d3158574p+0, 0x1.d73e2a475b465p-55}, {0x1.0874518759bc8p+0, 0x1.186be4bb284ffp-57},
    {0x1.0b5586cf9890fp+0, 0x1.8a62e4adc610bp-54}, {0x1.0e3ec32d3d1a2p+0, 0x1.03a1727c57b53p-59},
    {0x1.11301d0125b51p+0, -0x1.6c51039449b3ap-54}, {0x1.1429aaea92de0p+0, -0x1.32fbf9af1369ep-54},
    {0x1.172b83c7d517bp+0, -0x1.19041b9d78a76p-55}, {0x1.1a35beb6fcb75p+0, 0x1.e5b4c7b4968e4p-55},
    {0x1.1d4873168b9aap+0, 0x1.e016e00a2643cp-54}, {0x1.2063b88628cd6p+0, 0x1.dc775814a8495p-55},
    {0x1.2387a6e756238p+0, 0x1.9b07eb6c70573p-54}, {0x1.26b4565e27cddp+0, 0x1.2bd339940e9d9p-55},
    {0x1.29e9df51fdee1p+0, 0x1.612e8afad1255p-55}, {0x1.2d285a6e4030bp+0, 0x1.0024754db41d5p-54},
    {0x1.306fe0a31b715p+0, 0x1.6f46ad23182e4p-55}, {0x1.33c08b26416ffp+0, 0x1.32721843659a6p-54},
    {0x1.371a7373aa9cbp+0, -0x1.63aeabf42eae2p-54}, {0x1.3a7db34e59ff7p+0, -0x1.5e436d661f5e3p-56},
    {0x1.3dea64c123422p+0, 0x1.ada0911f09ebcp-55}, {0x1.4160a21f72e2ap+0, -0x1.ef3691c309278p-58},
    {0x1.44e086061892dp+0, 0x1.89b7a04ef80d0p-59}, {0x1.486a2b5c13cd0p+0, 0x1.3c1a3b69062f0p-56},
    {0x1.4bfdad5362a27p+0, 0x1.d4397afec42e2p-56}, {0x1.4f9b2769d2ca7p+0, -0x1.4b309d25957e3p-54},
    {0x1.5342b569d4f82p+0, -0x1.07abe1db13cadp-55}, {0x1.56f4736b527dap+0, 0x1.9bb2c011d93adp-54},
    {0x1.5ab07dd485429p+0, 0x1.6324c054647adp-54}, {0x1.5e76f15ad2148p+0, 0x1.ba6f93080e65ep-54},
    {0x1.6247eb03a5585p+0, -0x1.383c17e40b497p-54}, {0x1.6623882552225p+0, -0x1.bb60987591c34p-54},
    {0x1.6a09e667f3bcdp+0, -0x1.bdd3413b26456p-54}, {0x1.6dfb23c651a2fp+0, -0x1.bbe3a683c88abp-57},
    {0x1.71f75e8ec5f74p+0, -0x1.16e4786887a99p-55}, {0x1.75feb564267c9p+0, -0x1.0245957316dd3p-54},
    {0x1.7a11473eb0187p+0, -0x1.41577ee04992fp-55}, {0x1.7e2f336cf4e62p+0, 0x1.05d02ba15797ep-56},
    {0x1.82589994cce13p+0, -0x1.d4c1dd41532d8p-54}, {0x1.868d99b4492edp+0, -0x1.fc6f89bd4f6bap-54},
    {0x1.8ace5422aa0dbp+0, 0x1.6e9f156864b27p-54}, {0x1.8f1ae99157736p+0, 0x1.5cc13a2e3976cp-55},
    {0x1.93737b0cdc5e5p+0, -0x1.75fc781b57ebcp-57}, {0x1.97d829fde4e50p+0, -0x1.d185b7c1b85d1p-54},
    {0x1.9c49182a3f090p+0, 0x1.c7c46b071f2bep-56}, {0x1.a0c667b5de565p+0, -0x1.359495d1cd533p-54},
    {0x1.a5503b23e255dp+0, -0x1.d2f6edb8d41e1p-54}, {0x1.a9e6b5579fdbfp+0, 0x1.0fac90ef7fd31p-54},
    {0x1.ae89f995ad3adp+0, 0x1.7a1cd345dcc81p-54}, {0x1.b33a2b84f15fbp+0, -0x1.2805e3084d708p-57},
    {0x1.b7f76f2fb5e47p+0, -0x1.5584f7e54ac3bp-56}, {0x1.bcc1e904bc1d2p+0, 0x1.23dd07a2d9e84p-55},
    {0x1.c199bdd85529cp+0, 0x1.11065895048ddp-55}, {0x1.c67f12e57d14bp+0, 0x1.2884dff483cadp-54},
    {0x1.cb720dcef9069p+0, 0x1.503cbd1e949dbp-56}, {0x1.d072d4a07897cp+0, -0x1.cbc3743797a9cp-54},
    {0x1.d5818dcfba487p+0, 0x1.2ed02d75b3707p-55}, {0x1.da9e603db3285p+0, 0x1.c2300696db532p-54},
    {0x1.dfc97337b9b5fp+0, -0x1.1a5cd4f184b5cp-54}, {0x1.e502ee78b3ff6p+0, 0x1.39e8980a9cc8fp-55},
    {0x1.ea4afa2a490dap+0, -0x1.e9c23179c2893p-54}, {0x1.efa1bee615a27p+0, 0x1.dc7f486a4b6b0p-54},
    {0x1.f50765b6e4540p+0, 0x1.9d3e12dd8a18bp-54}, {0x1.fa7c1819e90d8p+0, 0x1.74853f3a5931ep-55}};
constexpr double L64_HI = 0x1.62e42fefa0000p-7, L64_LO = 0x1.cf79abc9e3b3ap-46;  // ln2/64, k * L64_HI exact
constexpr double INV_L64 = 0x1.71547652b82fep+6;

// e^r - 1 for |r| <= ln2/128 (Taylor through r^6; the next term is below 2^-63).
inline double expm1_small(double r) {
  const double r2 = r * r;
  return r + r2 * ((0.5 + r * (1.0 / 6)) + r2 * ((1.0 / 24 + r * (1.0 / 120)) + r2 * (1.0 / 720)));
}

// x = k ln2/64 + r + c, |r| <= ln2/128 (c: r's rounding error); returns k.
inline int reduce_ln2_64(double hi, double lo, double& r, double& c) {
  const double kf = __builtin_floor(hi * INV_L64 + 0.5);
  const double r_hi = hi - kf * L64_HI;  // exact
  const double r_lo = lo - kf * L64_LO;
  r = r_hi + r_lo;
  c = (r_hi - r) + r_lo;
  return (int)kf;
}

// 2^(k/64) e^(r + c) as a double: table value times 1 + (e^(r+c) - 1), then 2^(k >> 6).
inline double exp_core(int k, double r, double c) {
  const double p = expm1_small(r);
  const double q = p + c * (1 + p);
  const double* t = kExp2Table[k & 63];
  const double e = t[0] + (t[1] + t[0] * q);
  const int m = k >> 6;
  return m >= -1021 && m <= 1023 ? e * pow2(m) : scale(e, m);
}

// e^(hi + lo) for |lo| << |hi|.
double exp_dd(double hi, double lo) {
  if (is_nan(hi)) return hi;
  if (hi > 709.79) return kInf;
  if (hi < -745.2) return 0;
  double r, c;
  const int k = reduce_ln2_64(hi, lo, r, c);
  return exp_core(k, r, c);
}

// ---- log ----

// log(2^e (1 + f)) + c, for 1 + f in [sqrt(1/2), sqrt(2)) exactly and |c| small.
double log_core(int e, double f, double c) {
  const double s = f / (2 + f), z = s * s;
  // R(z) = 2 atanh(s) / s - 2 = sum 2 z^k / (2k + 1), through z^10.
  double R = 2.0 / 21;
  for (int k = 9; k >= 1; --k) R = R * z + 2.0 / (2 * k + 1);
  R *= z;
  const double hfsq = 0.5 * f * f;
  return e * LN2_HI - ((hfsq - (s * (hfsq + R) + (e * LN2_LO + c))) - f);
}

// x > 0 finite as 2^e (1 + f) with 1 + f in [sqrt(1/2), sqrt(2)).
inline void decompose(double x, int& e, double& f) {
  e = 0;
  if (x < 0x1p-1022) { x *= 0x1p54; e = -54; }
  uint64_t b = bits(x);
  e += (int)(b >> 52) - 1023;
  double m = from_bits((b & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);  // [1, 2)
  if (m > 1.4142135623730951) { m *= 0.5; ++e; }
  f = m - 1;  // exact
}

// log(x) as hi + lo, relative error about 2^-66 (for pow).
void log_dd(double x, double& hi, double& lo) {
  int e;
  double f;
  decompose(x, e, f);
  // s = f / (2 + f) as a double-double.
  double d_hi, d_lo;
  two_sum(2.0, f, d_hi, d_lo);
  const double s = f / d_hi;
  double p, pe;
  two_prod(s, d_hi, p, pe);
  const double s_lo = (((f - p) - pe) - s * d_lo) / d_hi;
  // 2 atanh(s) = 2s + 2s^3/3 + s^5 Q(s^2); the s^3 term as a double-double too.
  double z, z_lo;
  two_prod(s, s, z, z_lo);
  double s3, s3_lo;
  two_prod(s, z, s3, s3_lo);
  s3_lo += s * z_lo;
  double t3, t3_lo;  // (2/3) s^3
  two_prod(s3, 2.0 / 3, t3, t3_lo);
  t3_lo += s3_lo * (2.0 / 3) + s3 * 0x1.5555555555555p-55;  // 2/3 = 0x1.5555555555555p-1 + that
  double Q = 2.0 / 33;  // through s^33: the next term is below 2^-70 relative
  for (int k = 15; k >= 2; --k) Q = Q * z + 2.0 / (2 * k + 1);
  const double tail = s3 * z * Q;
  // e ln2 (exact product) + 2s + t3 + the small terms.
  double a, a_lo;
  two_prod((double)e, LN2_DD_HI, a, a_lo);
  double u, u_lo;
  two_sum(a, 2 * s, u, u_lo);
  double v, v_lo;
  two_sum(u, t3, v, v_lo);
  const double small = u_lo + v_lo + a_lo + e * LN2_DD_LO + 2 * s_lo / (1 - z) + t3_lo + tail;  // d/ds 2 atanh(s) = 2 / (1 - s^2)
  fast_two_sum(v, small, hi, lo);
}

// ---- trigonometric argument reduction ----

// The fraction of 2/pi, 1280 bits (bit 1 is the first after the point).
constexpr uint32_t kTwoOverPi[] = {
    0xa2f9836e, 0x4e441529, 0xfc2757d1, 0xf534ddc0, 0xdb629599, 0x3c439041, 0xfe5163ab, 0xdebbc561,
    0xb7246e3a, 0x424dd2e0, 0x06492eea, 0x09d1921c, 0xfe1deb1c, 0xb129a73e, 0xe88235f5, 0x2ebb4484,
    0xe99c7026, 0xb45f7e41, 0x3991d639, 0x835339f4, 0x9c845f8b, 0xbdf9283b, 0x1ff897ff, 0xde05980f,
    0xef2f118b, 0x5a0a6d1f, 0x6d367ecf, 0x27cb09b7, 0x4f463f66, 0x9e5fea2d, 0x7527bac7, 0xebe5f17b,
    0x3d0739f7, 0x8a5292ea, 0x6bfb5fb1, 0x1f8d5d08, 0x56033046, 0xfc7b6bab, 0xf0cfbc20, 0x9af4361d};
constexpr int kTwoOverPiBits = 32 * (int)(sizeof(kTwoOverPi) / sizeof(kTwoOverPi[0]));

// 32 bits of 2/pi's fraction starting at bit `start` (zeros outside the table).
uint32_t two_over_pi_word(int start) {
  auto bit = [](int i) -> uint32_t {
    if (i < 1 || i > kTwoOverPiBits) return 0;
    return (kTwoOverPi[(i - 1) >> 5] >> (31 - ((i - 1) & 31))) & 1;
  };
  if (start >= 1 && ((start - 1) & 31) == 0 && start + 31 <= kTwoOverPiBits) return kTwoOverPi[(start - 1) >> 5];
  uint32_t w = 0;
  for (int i = 0; i < 32; ++i) w = (w << 1) | bit(start + i);
  return w;
}

// Payne-Hanek for |x| >= 2^19: x 2/pi = n + y 2/pi with |y| <= pi/4 (y = y0 + y1); returns n mod 4.
int rem_pio2_large(double x, double& y0, double& y1) {
  const uint64_t b = bits(x);
  const int e2 = (int)((b >> 52) & 0x7ff) - 1075;  // x = m 2^e2, m a 53-bit integer
  const uint64_t m = (b & 0x000fffffffffffffULL) | 0x0010000000000000ULL;
  // Bits of 2/pi below 2^-(e2 - 2) matter; 192 of them: W = w[5] w[4] ... w[0].
  uint32_t w[6];
  for (int j = 0; j < 6; ++j) w[5 - j] = two_over_pi_word(e2 - 2 + 32 * j);
  // P = m W (256 bits, little-endian limbs); x 2/pi = P 2^-189 (mod 8).
  uint32_t P[8] = {0};
  const uint32_t mh = (uint32_t)(m >> 32), ml = (uint32_t)m;
  uint64_t carry = 0;
  for (int j = 0; j < 6; ++j) {
    uint64_t t = (uint64_t)ml * w[j] + P[j] + carry;
    P[j] = (uint32_t)t;
    carry = t >> 32;
  }
  P[6] = (uint32_t)carry;
  carry = 0;
  for (int j = 0; j < 6; ++j) {
    uint64_t t = (uint64_t)mh * w[j] + P[j + 1] + carry;
    P[j + 1] = (uint32_t)t;
    carry = t >> 32;
  }
  P[7] += (uint32_t)carry;
  // n = bits 189..191; the fraction's top 64 bits (188..125) and the next 64 (124..61).
  auto bits64 = [&](int top) {  // bits [top - 63, top]
    uint64_t r = 0;
    for (int i = top; i > top - 64; --i) r = (r << 1) | ((P[i >> 5] >> (i & 31)) & 1);
    return r;
  };
  int n = (int)(P[5] >> 29);
  const int64_t S = (int64_t)bits64(188);  // as signed: a fraction >= 1/2 becomes frac - 1
  const uint64_t B = bits64(124);
  if (S < 0) ++n;
  const int64_t S_hi = S & ~(int64_t)0x7ff;
  const double f_hi = (double)S_hi * 0x1p-64;
  const double f_lo = ((double)(S - S_hi) + (double)B * 0x1p-64) * 0x1p-64;
  double fh, fl;
  fast_two_sum(f_hi, f_lo, fh, fl);
  if (fabs(f_lo) > fabs(f_hi)) two_sum(f_hi, f_lo, fh, fl);
  double p, pe;
  two_prod(fh, PIO2_HI, p, pe);
  fast_two_sum(p, pe + fh * PIO2_LO + fl * PIO2_HI, y0, y1);
  if (x < 0) {
    y0 = -y0;
    y1 = -y1;
    n = -n;
  }
  return n & 3;
}

// x = n pi/2 + (y0 + y1), |y0 + y1| <= pi/4 (a hair more below 2^19); returns n mod 4.
int rem_pio2(double x, double& y0, double& y1) {
  const double ax = fabs(x);
  if (ax <= PIO4_HI) {
    y0 = x;
    y1 = 0;
    return 0;
  }
  if (ax < 0x1p19) {
    const double n = __builtin_floor(x * TWO_OVER_PI + 0.5);
    const double r = x - n * PIO2_1;  // exact (Sterbenz; n * PIO2_1 exact)
    const double w = n * PIO2_2;      // exact
    double t, te;
    two_sum(r, -w, t, te);
    fast_two_sum(t, te - n * PIO2_3, y0, y1);
    return (int)((int64_t)n & 3);
  }
  return rem_pio2_large(x, y0, y1);
}

// sin(x + y) and cos(x + y) for |x + y| <= pi/4 + a little, |y| << |x|.
double sin_kernel(double x, double y) {
  constexpr double S[] = {-1.0 / 6, 1.0 / 120, -1.0 / 5040, 1.0 / 362880, -1.0 / 39916800, 1.0 / 6227020800.0,
                          -1.0 / 1307674368000.0, 1.0 / 355687428096000.0};
  const double z = x * x, v = z * x;
  double r = S[7];
  for (int i = 6; i >= 1; --i) r = r * z + S[i];
  return x - ((z * (0.5 * y - v * r) - y) - v * S[0]);
}

double cos_kernel(double x, double y) {
  constexpr double C[] = {1.0 / 24, -1.0 / 720, 1.0 / 40320, -1.0 / 3628800, 1.0 / 479001600, -1.0 / 87178291200.0,
                          1.0 / 20922789888000.0};
  const double z = x * x, hz = 0.5 * z, w = 1 - hz;
  double r = C[6];
  for (int i = 5; i >= 0; --i) r = r * z + C[i];
  r *= z * z;
  return w + (((1 - w) - hz) + (r - x * y));
}

// atan(t) - t for |t| <= 1/16 + a little (odd series through t^17).
inline double atan_tail(double t) {
  const double z = t * t;
  double p = -1.0 / 17;
  for (int k = 7; k >= 1; --k) p = p * z + ((k & 1) ? -1.0 : 1.0) / (2 * k + 1);
  return t * z * p;
}

constexpr double kAtanHi[] = {0, 0x1.fd5ba9aac2f6ep-4, 0x1.f5b75f92c80ddp-3, 0x1.6f61941e4def1p-2, 0x1.dac670561bb4fp-2,
                              0x1.1e00babdefeb4p-1, 0x1.4978fa3269ee1p-1, 0x1.700a7c5784634p-1, 0x1.921fb54442d18p-1};
constexpr double kAtanLo[] = {0, -0x1.cd37686760c17p-59, 0x1.8ab6e3cf7afbdp-57, -0x1.c63aae6f6e918p-56, 0x1.a2b7f222f65e2p-56,
                              -0x1.928df287a668fp-58, 0x1.2419a87f2a458p-56, -0x1.8c34d25aadef6p-56, 0x1.1a62633145c07p-55};

// ---- erf ----
// erfc(x) for x >= 1.5 by its continued fraction, evaluated from the bottom.
double erfc_cf(double x) {
  double f = x;
  for (int k = 120; k >= 1; --k) f = x + (0.5 * k) / f;
  double h, l;
  two_prod(x, x, h, l);
  return exp_dd(-h, -l) * INV_SQRTPI / f;
}

}  // namespace

double exp(double x) { return exp_dd(x, 0); }

double exp2(double x) {
  if (is_nan(x)) return x;
  if (x > 1024) return kInf;
  if (x < -1080) return 0;
  const double kf = __builtin_floor(x * 64 + 0.5);
  const double r = x - kf * (1.0 / 64);  // exact
  double h, l;
  two_prod(r, LN2_DD_HI, h, l);
  l += r * LN2_DD_LO;
  double rr, c;
  fast_two_sum(h, l, rr, c);
  return exp_core((int)kf, rr, c);
}

double expm1(double x) {
  if (is_nan(x)) return x;
  if (x > 709.79) return kInf;
  if (x < -40) return -1;
  const double ax = fabs(x);
  if (ax < 0x1p-54) return x;
  if (ax <= 0.34657359027997264) return x + expm1_tail(x);
  // 2^m T (1 + q) - 1 with T = 2^(j/64): the scaled table value minus 1 is exact for m in
  // [0, 52] and rounds once below; the small terms come after.
  double r, c;
  const int k = reduce_ln2_64(x, 0, r, c);
  const int m = k >> 6;
  if (m > 60) return exp_core(k, r, c);
  const double p = expm1_small(r);
  const double q = p + c * (1 + p);
  const double* t = kExp2Table[k & 63];
  const double s = pow2(m);
  return (t[0] * s - 1) + s * (t[1] + t[0] * q);
}

double log(double x) {
  if (is_nan(x)) return x;
  if (x < 0) return kNaN;
  if (x == 0) return -kInf;
  if (x == kInf) return x;
  int e;
  double f;
  decompose(x, e, f);
  return log_core(e, f, 0);
}

double log1p(double x) {
  if (is_nan(x)) return x;
  if (x < -1) return kNaN;
  if (x == -1) return -kInf;
  if (x == kInf) return x;
  const double ax = fabs(x);
  if (ax < 0x1p-54) return x;
  if (x > -0.2928932188134524 && x < 0.41421356237309503) return log_core(0, x, 0);
  const double u = 1 + x;
  const double err = x <= 1 ? x - (u - 1) : 1 - (u - x);  // (1 + x) - u, exactly
  int e;
  double f;
  decompose(u, e, f);
  return log_core(e, f, err / u);
}

double sin(double x) {
  if (x - x != 0) return kNaN;
  if (fabs(x) < 0x1p-27) return x;
  double y0, y1;
  switch (rem_pio2(x, y0, y1)) {
    case 0: return sin_kernel(y0, y1);
    case 1: return cos_kernel(y0, y1);
    case 2: return -sin_kernel(y0, y1);
    default: return -cos_kernel(y0, y1);
  }
}

double cos(double x) {
  if (x - x != 0) return kNaN;
  if (fabs(x) < 0x1p-27) return 1;
  double y0, y1;
  switch (rem_pio2(x, y0, y1)) {
    case 0: return cos_kernel(y0, y1);
    case 1: return -sin_kernel(y0, y1);
    case 2: return -cos_kernel(y0, y1);
    default: return sin_kernel(y0, y1);
  }
}

double tan(double x) {
  if (x - x != 0) return kNaN;
  if (fabs(x) < 0x1p-27) return x;
  double y0, y1;
  const int n = rem_pio2(x, y0, y1);
  const double s = sin_kernel(y0, y1), c = cos_kernel(y0, y1);
  return (n & 1) ? -c / s : s / c;
}

double atan(double x) {
  if (is_nan(x)) return x;
  const double ax = fabs(x);
  double r;
  if (ax > 0x1p60) {
    r = PIO2_HI + PIO2_LO;
  } else if (ax < 0x1p-27) {
    return x;
  } else {
    const bool inv = ax > 1;
    const double t0 = inv ? 1 / ax : ax;
    const int k = (int)(t0 * 8 + 0.5);
    const double c = k * 0.125;
    const double t = k ? (t0 - c) / (1 + t0 * c) : t0;
    const double rest = kAtanLo[k] + (t + atan_tail(t));
    r = inv ? (PIO2_HI - kAtanHi[k]) + (PIO2_LO - rest) : kAtanHi[k] + rest;
  }
  return x < 0 ? -r : r;
}

double atan2(double y, double x) {
  if (is_nan(x) || is_nan(y)) return kNaN;
  const bool neg_x = __builtin_signbit(x);
  const double sy = __builtin_copysign(1.0, y);
  if (y == 0) return neg_x ? sy * (PI_HI + PI_LO) : y;
  if (x == 0) return sy * (PIO2_HI + PIO2_LO);
  if (x - x != 0) {
    if (y - y != 0) return sy * (neg_x ? 3 * PIO4_HI : PIO4_HI);
    return neg_x ? sy * (PI_HI + PI_LO) : sy * 0.0;
  }
  if (y - y != 0) return sy * (PIO2_HI + PIO2_LO);
  const double q = fabs(y / x);
  if (q > 0x1p60) return sy * (PIO2_HI + PIO2_LO);  // pi - pi/2 rounds to pi/2 as well
  const double a = atan(q);
  return sy * (neg_x ? (PI_HI - a) + PI_LO : a);
}

double asin(double x) {
  if (is_nan(x) || fabs(x) > 1) return kNaN;
  if (fabs(x) < 0x1p-27) return x;
  return atan2(x, __builtin_sqrt((1 - x) * (1 + x)));
}

double acos(double x) {
  if (is_nan(x) || fabs(x) > 1) return kNaN;
  return atan2(__builtin_sqrt((1 - x) * (1 + x)), x);
}

double sinh(double x) {
  if (x - x != 0) return x;
  const double ax = fabs(x), h = x < 0 ? -0.5 : 0.5;
  if (ax < 0x1p-27) return x;
  if (ax < 22) {
    const double t = expm1(ax);
    return ax < 1 ? h * (2 * t - t * t / (t + 1)) : h * (t + t / (t + 1));
  }
  if (ax < 709.7) return h * exp(ax);
  const double w = exp(0.5 * ax);
  return (h * w) * w;
}

double cosh(double x) {
  if (is_nan(x)) return x;
  const double ax = fabs(x);
  if (ax < 0.34657359027997264) {
    const double t = expm1(ax), w = 1 + t;
    return 1 + (t * t) / (w + w);
  }
  if (ax < 22) {
    const double t = exp(ax);
    return 0.5 * t + 0.5 / t;
  }
  if (ax < 709.7) return 0.5 * exp(ax);
  const double w = exp(0.5 * ax);
  return (0.5 * w) * w;
}

double tanh(double x) {
  if (is_nan(x)) return x;
  const double ax = fabs(x);
  double r;
  if (ax < 0x1p-27) return x;
  if (ax >= 22) {
    r = 1;
  } else if (ax >= 0.55) {
    r = 1 - 2 / (exp(2 * ax) + 1);  // 2 / (e + 1) <= 0.5: no cancellation
  } else {
    const double t = expm1(2 * ax);  // tanh = t / (t + 2), half as sensitive to t as with e^-2|x| - 1
    r = t / (t + 2);
  }
  return x < 0 ? -r : r;
}

double asinh(double x) {
  if (x - x != 0) return x;
  const double ax = fabs(x);
  double r;
  if (ax < 0x1p-27) return x;
  if (ax > 0x1p28) {
    r = log(ax) + LN2_DD_HI;
  } else if (ax > 2) {
    r = log(2 * ax + 1 / (__builtin_sqrt(ax * ax + 1) + ax));
  } else {
    const double t = ax * ax;
    r = log1p(ax + t / (1 + __builtin_sqrt(1 + t)));
  }
  return x < 0 ? -r : r;
}

double acosh(double x) {
  if (is_nan(x) || x < 1) return kNaN;
  if (x > 0x1p28) return x == kInf ? x : log(x) + LN2_DD_HI;
  if (x > 2) return log(2 * x - 1 / (x + __builtin_sqrt(x * x - 1)));
  const double t = x - 1;
  return log1p(t + __builtin_sqrt(2 * t + t * t));
}

double atanh(double x) {
  if (is_nan(x)) return x;
  const double ax = fabs(x);
  if (ax > 1) return kNaN;
  if (ax == 1) return x > 0 ? kInf : -kInf;
  if (ax < 0x1p-28) return x;
  const double r = ax < 0.5 ? 0.5 * log1p(2 * ax + 2 * ax * ax / (1 - ax)) : 0.5 * log1p(2 * ax / (1 - ax));
  return x < 0 ? -r : r;
}

double logistic(double x) {
  if (is_nan(x)) return x;
  if (x >= 0) return 1 / (1 + exp(-x));
  const double e = exp(x);
  return e / (1 + e);
}

double erf(double x) {
  if (is_nan(x)) return x;
  const double ax = fabs(x);
  double r;
  if (ax >= 6) {
    r = 1;
  } else if (ax >= 1.5) {
    r = 1 - erfc_cf(ax);
  } else if (ax < 0x1p-28) {
    return x * TWO_OVER_SQRTPI;
  } else if (ax < 0.75) {
    // Maclaurin: 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1)).
    const double z = ax * ax;
    double p = 0, t = 1;
    double c[24];
    for (int n = 0; n < 24; ++n) c[n] = ((n & 1) ? -1.0 : 1.0) / (t * (2 * n + 1)), t *= n + 1;
    for (int n = 23; n >= 1; --n) p = p * z + c[n];
    r = TWO_OVER_SQRTPI * (ax + ax * z * p);
  } else {
    // 2/sqrt(pi) e^(-x^2) sum x^(2n+1) 2^n / (2n+1)!!: positive terms, no cancellation.
    double h, l;
    two_prod(ax, ax, h, l);
    const double q = 2 * h;
    double term = ax, sum = ax, comp = 0, dsum = 0;
    for (int n = 0; n < 100 && term > sum * 0x1p-60; ++n) {
      term = term * q / (2 * n + 3);
      double s, e;
      two_sum(sum, term, s, e);
      sum = s;
      comp += e;
      dsum += (n + 1) * term;  // q dS/dq, to correct for q = 2h rather than 2(h + l)
    }
    r = TWO_OVER_SQRTPI * exp_dd(-h, -l) * (sum + (comp + dsum * (l / h)));
  }
  return x < 0 ? -r : r;
}

double cbrt(double x) {
  if (x == 0 || x - x != 0) return x;
  double a = fabs(x), post = 1;
  if (a < 0x1p-1000) { a *= 0x1p300; post = 0x1p-100; }
  double y = from_bits(bits(a) / 3 + ((uint64_t)682 << 52));
  for (int i = 0; i < 5; ++i) y = y - (y * y * y - a) / (3 * y * y);
  // One more step with the residual a - y^3 computed exactly.
  double h, l, p, pe;
  two_prod(y, y, h, l);
  two_prod(h, y, p, pe);
  pe += l * y;
  y = y + ((a - p) - pe) / (3 * h);
  y *= post;
  return x < 0 ? -y : y;
}

double pow(double x, double y) {
  if (y == 0) return 1;
  if (is_nan(x) || is_nan(y)) return kNaN;
  const double ax = fabs(x), ay = fabs(y);
  if (ay == kInf) {
    if (ax == 1) return kNaN;
    return (ax > 1) == (y > 0) ? kInf : 0;
  }
  // y's parity: 0 not an integer, 1 odd, 2 even.
  int yint = 0;
  if (__builtin_floor(y) == y) yint = ay >= 0x1p53 ? 2 : (__builtin_floor(ay * 0.5) * 2 == ay ? 2 : 1);
  const bool neg = x < 0 || (x == 0 && __builtin_signbit(x));
  const double sgn = neg && yint == 1 ? -1.0 : 1.0;
  if (ax == kInf) return y > 0 ? sgn * kInf : sgn * 0.0;
  if (ax == 0) return y > 0 ? sgn * 0.0 : sgn * kInf;
  if (x < 0 && yint == 0) return kNaN;
  if (ax == 1) return sgn;
  if (ay > 0x1p900) return (ax > 1) == (y > 0) ? kInf : sgn * 0.0;
  // Exact (correctly rounded) for the common exponents, as JavaScript's ** is.
  if (y == 1) return x;
  if (y == -1) return 1 / x;
  if (y == 2) return x * x;
  if (y == 0.5) return __builtin_sqrt(x);  // x > 0 here
  double lh, ll;
  log_dd(ax, lh, ll);
  double th, tl;
  two_prod(y, lh, th, tl);
  tl += y * ll;
  double s, se;
  fast_two_sum(th, tl, s, se);
  return sgn * exp_dd(s, se);
}

double fmod(double x, double y) {
  if (y == 0 || is_nan(x) || is_nan(y) || x - x != 0) return kNaN;
  if (y - y != 0 || x == 0) return x;
  const double ax = fabs(x), ay = fabs(y);
  if (ax < ay) return x;
  // ax = mx 2^ex, ay = my 2^ey with mx, my in [2^52, 2^53).
  auto parts = [](double a, uint64_t& m, int& e) {
    uint64_t b = bits(a);
    e = (int)(b >> 52);
    m = b & 0x000fffffffffffffULL;
    if (e == 0) {
      e = 1;
      while (m < (1ULL << 52)) { m <<= 1; --e; }
    } else {
      m |= 1ULL << 52;
    }
    e -= 1075;
  };
  uint64_t mx, my;
  int ex, ey;
  parts(ax, mx, ex);
  parts(ay, my, ey);
  uint64_t r = mx % my;
  for (int d = ex - ey; d > 0;) {
    const int s = d < 11 ? d : 11;
    r = (r << s) % my;
    d -= s;
  }
  return __builtin_copysign(scale((double)r, ey), x);  // exact: r 2^ey is a double
}

double nextafter(double x, double y) {
  if (is_nan(x) || is_nan(y)) return kNaN;
  if (x == y) return y;
  if (x == 0) return from_bits(y > 0 ? 1 : 0x8000000000000001ULL);
  uint64_t b = bits(x);
  const bool up = (x < y) == (x > 0);
  return from_bits(up ? b + 1 : b - 1);
}

double round_away(double x) {
  const double t = __builtin_trunc(x), d = x - t;
  if (d >= 0.5) return t + 1;
  if (d <= -0.5) return t - 1;
  return t;
}

double sign(double x) {
  if (is_nan(x)) return x;
  return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0;
}

namespace {
template <double (*F)(double)>
void map_loop(const double* x, double* y, int n) {
  for (int i = 0; i < n; ++i) y[i] = F(x[i]);
}

#ifdef __wasm_simd128__
// exp, tanh and logistic on f64x2 lanes: the scalar functions' operations in the same order
// (so the same bits), for the arguments of their main path; other lanes are redone by the
// scalar function. About twice the scalar speed.
inline v128_t splat(double c) { return wasm_f64x2_splat(c); }

// e^x for x in [-708, 709] (other lanes: garbage).
inline v128_t exp_f64x2(v128_t x) {
  const v128_t kf = wasm_f64x2_floor(wasm_f64x2_add(wasm_f64x2_mul(x, splat(INV_L64)), splat(0.5)));
  const v128_t r_hi = wasm_f64x2_sub(x, wasm_f64x2_mul(kf, splat(L64_HI)));
  const v128_t r_lo = wasm_f64x2_neg(wasm_f64x2_mul(kf, splat(L64_LO)));
  const v128_t r = wasm_f64x2_add(r_hi, r_lo);
  const v128_t c = wasm_f64x2_add(wasm_f64x2_sub(r_hi, r), r_lo);
  const v128_t r2 = wasm_f64x2_mul(r, r);
  const v128_t a = wasm_f64x2_add(splat(0.5), wasm_f64x2_mul(r, splat(1.0 / 6)));
  const v128_t b = wasm_f64x2_add(splat(1.0 / 24), wasm_f64x2_mul(r, splat(1.0 / 120)));
  const v128_t p = wasm_f64x2_add(r, wasm_f64x2_mul(r2, wasm_f64x2_add(a, wasm_f64x2_mul(r2, wasm_f64x2_add(b, wasm_f64x2_mul(r2, splat(1.0 / 720)))))));
  const v128_t q = wasm_f64x2_add(p, wasm_f64x2_mul(c, wasm_f64x2_add(splat(1), p)));
  const v128_t k = wasm_i32x4_trunc_sat_f64x2_zero(kf);
  const int32_t k0 = wasm_i32x4_extract_lane(k, 0) & 63, k1 = wasm_i32x4_extract_lane(k, 1) & 63;
  const v128_t t0 = wasm_f64x2_make(kExp2Table[k0][0], kExp2Table[k1][0]);
  const v128_t t1 = wasm_f64x2_make(kExp2Table[k0][1], kExp2Table[k1][1]);
  const v128_t e = wasm_f64x2_add(t0, wasm_f64x2_add(t1, wasm_f64x2_mul(t0, q)));
  const v128_t m = wasm_i64x2_extend_low_i32x4(wasm_i32x4_shr(k, 6));
  return wasm_f64x2_mul(e, wasm_i64x2_shl(wasm_i64x2_add(m, wasm_i64x2_splat(1023)), 52));
}

inline v128_t in_range(v128_t x, double lo, double hi) {
  return wasm_v128_and(wasm_f64x2_ge(x, splat(lo)), wasm_f64x2_lt(x, splat(hi)));  // false for NaN
}

// y[i..i+1] from the vector result v where `ok`, from F elsewhere.
template <double (*F)(double)>
inline void store_fixed(const double* x, double* y, v128_t v, v128_t ok) {
  wasm_v128_store(y, v);
  if (!wasm_i64x2_all_true(ok)) {
    if (!wasm_i64x2_extract_lane(ok, 0)) y[0] = F(x[0]);
    if (!wasm_i64x2_extract_lane(ok, 1)) y[1] = F(x[1]);
  }
}

void map_exp(const double* x, double* y, int n) {
  int i = 0;
  for (; i + 2 <= n; i += 2) {
    const v128_t v = wasm_v128_load(x + i);
    store_fixed<exp>(x + i, y + i, exp_f64x2(v), in_range(v, -708, 709));
  }
  for (; i < n; ++i) y[i] = exp(x[i]);
}

void map_tanh(const double* x, double* y, int n) {
  int i = 0;
  for (; i + 2 <= n; i += 2) {
    const v128_t v = wasm_v128_load(x + i), a = wasm_f64x2_abs(v);
    const v128_t e = exp_f64x2(wasm_f64x2_mul(splat(2), a));
    const v128_t r = wasm_f64x2_sub(splat(1), wasm_f64x2_div(splat(2), wasm_f64x2_add(e, splat(1))));
    const v128_t sign = wasm_v128_and(v, wasm_i64x2_splat(INT64_MIN));
    store_fixed<tanh>(x + i, y + i, wasm_v128_or(r, sign), in_range(a, 0.55, 22));
  }
  for (; i < n; ++i) y[i] = tanh(x[i]);
}

void map_logistic(const double* x, double* y, int n) {
  int i = 0;
  for (; i + 2 <= n; i += 2) {
    const v128_t v = wasm_v128_load(x + i), na = wasm_f64x2_neg(wasm_f64x2_abs(v));
    const v128_t e = exp_f64x2(na), d = wasm_f64x2_add(splat(1), e);
    const v128_t r = wasm_v128_bitselect(wasm_f64x2_div(splat(1), d), wasm_f64x2_div(e, d), wasm_f64x2_ge(v, splat(0)));
    store_fixed<logistic>(x + i, y + i, r, in_range(na, -708, 1));
  }
  for (; i < n; ++i) y[i] = logistic(x[i]);
}
#endif
}  // namespace

bool map(int32_t op, const double* x, double* y, int n) {
  using Loop = void (*)(const double*, double*, int);
#ifdef __wasm_simd128__
  constexpr Loop kExp = map_exp, kTanh = map_tanh, kLogistic = map_logistic;
#else
  constexpr Loop kExp = map_loop<exp>, kTanh = map_loop<tanh>, kLogistic = map_loop<logistic>;
#endif
  static constexpr Loop kLoops[] = {
      kExp, map_loop<log>, kTanh, kLogistic, map_loop<sin>, map_loop<cos>, map_loop<erf>,
      map_loop<expm1>, map_loop<log1p>, map_loop<tan>, map_loop<atan>, map_loop<exp2>, map_loop<asin>, map_loop<acos>,
      map_loop<sinh>, map_loop<cosh>, map_loop<asinh>, map_loop<acosh>, map_loop<atanh>, map_loop<cbrt>};
  if (op < 0 || op >= (int32_t)(sizeof(kLoops) / sizeof(kLoops[0]))) return false;
  kLoops[op](x, y, n);
  return true;
}

}  // namespace m64
}  // namespace wj
