// f64 gemm 4x4, wasm simd (f64x2): the f32 GEMM's scheme, simpler. A unit of work is a block of
// up to kMC rows of one batch entry (and a slice of its columns when the rows alone would leave
// threads idle); per KC slice of k its thread packs that A block (kMC x kKC,
// 256 KiB, for L2) in 4-row slivers, then for each 4-column panel of B packs the panel (kKC x 4,
// 8 KiB, for L1) and runs the 4x4 micro-kernel down the block's slivers. Eight f64x2
// accumulators; B is re-packed once per row block (1/kMC of the arithmetic).
#include "gemm64.h"

#include <wasm_simd128.h>

#include "threads.h"

namespace wj {
namespace {

constexpr int64_t kMR = 4, kNR = 4, kMC = 128, kKC = 256;
constexpr int64_t kMinMacsPerThread = 1 << 16;

inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

ThreadScratch<double> g_scratch;  // each thread's packed A panel

// ap: kc x 4 (a row of 4 A values per k), bp: kc x 4. c (rows x cols of it) = or += the product.
void micro_4x4(int64_t kc, const double* ap, const double* bp, double* c, int64_t c_rs, int64_t rows, int64_t cols, bool add) {
  v128_t c00 = wasm_f64x2_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int64_t l = 0; l < kc; ++l, ap += 4, bp += 4) {
    const v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 2);
    v128_t a = wasm_f64x2_splat(ap[0]);
    c00 = wasm_f64x2_add(c00, wasm_f64x2_mul(a, b0));
    c01 = wasm_f64x2_add(c01, wasm_f64x2_mul(a, b1));
    a = wasm_f64x2_splat(ap[1]);
    c10 = wasm_f64x2_add(c10, wasm_f64x2_mul(a, b0));
    c11 = wasm_f64x2_add(c11, wasm_f64x2_mul(a, b1));
    a = wasm_f64x2_splat(ap[2]);
    c20 = wasm_f64x2_add(c20, wasm_f64x2_mul(a, b0));
    c21 = wasm_f64x2_add(c21, wasm_f64x2_mul(a, b1));
    a = wasm_f64x2_splat(ap[3]);
    c30 = wasm_f64x2_add(c30, wasm_f64x2_mul(a, b0));
    c31 = wasm_f64x2_add(c31, wasm_f64x2_mul(a, b1));
  }
  const v128_t acc[4][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
  for (int64_t i = 0; i < rows; ++i) {
    double* ci = c + i * c_rs;
    if (cols == 4) {
      v128_t lo = acc[i][0], hi = acc[i][1];
      if (add) {
        lo = wasm_f64x2_add(lo, wasm_v128_load(ci));
        hi = wasm_f64x2_add(hi, wasm_v128_load(ci + 2));
      }
      wasm_v128_store(ci, lo);
      wasm_v128_store(ci + 2, hi);
    } else {
      double t[4];
      wasm_v128_store(t, acc[i][0]);
      wasm_v128_store(t + 2, acc[i][1]);
      for (int64_t j = 0; j < cols; ++j) ci[j] = add ? ci[j] + t[j] : t[j];
    }
  }
}

// Rows [i0, i0 + mc) and columns [j_lo, j_hi) of one batch entry.
void block(const Gemm64Args& g, int64_t p, int64_t i0, int64_t j_lo, int64_t j_hi, int tid) {
  const double* a = g.a + p * g.a_bs + i0 * g.a_rs;
  const double* b = g.b + p * g.b_bs;
  double* c = g.c + p * g.c_bs + i0 * g.c_rs;
  const int64_t mc = min64(kMC, g.m - i0);
  if (g.k <= 0) {
    for (int64_t i = 0; i < mc; ++i)
      for (int64_t j = j_lo; j < j_hi; ++j) c[i * g.c_rs + j] = 0;
    return;
  }
  double* ap = g_scratch.get(tid, kMC * kKC + kKC * kNR);
  if (!ap) __builtin_trap();  // out of memory
  double* bp = ap + kMC * kKC;
  for (int64_t l0 = 0; l0 < g.k; l0 += kKC) {
    const int64_t kc = min64(kKC, g.k - l0);
    // A block as slivers of 4 rows, [sliver][l][4], zero-padded below the last row.
    for (int64_t s = 0; s < mc; s += kMR) {
      double* dst = ap + s * kc;
      for (int64_t l = 0; l < kc; ++l)
        for (int64_t r = 0; r < kMR; ++r) dst[l * kMR + r] = s + r < mc ? a[(s + r) * g.a_rs + (l0 + l) * g.a_cs] : 0;
    }
    for (int64_t j0 = j_lo; j0 < j_hi; j0 += kNR) {
      const int64_t cols = min64(kNR, j_hi - j0);
      progress();  // a long product is working (threads.h): every 128K multiply-adds
      for (int64_t l = 0; l < kc; ++l)
        for (int64_t j = 0; j < kNR; ++j) bp[l * kNR + j] = j < cols ? b[(l0 + l) * g.b_rs + (j0 + j) * g.b_cs] : 0;
      for (int64_t s = 0; s < mc; s += kMR) micro_4x4(kc, ap + s * kc, bp, c + s * g.c_rs + j0, g.c_rs, min64(kMR, mc - s), cols, l0 > 0);
    }
  }
}

// Units: (batch entry, row block, column part); column parts only where row blocks are too
// few to keep every thread busy (skinny products).
struct Units {
  const Gemm64Args* g;
  int64_t mblocks, nparts;
};

void run_units(void* ctx, int64_t begin, int64_t end, int tid) {
  const Units& w = *static_cast<const Units*>(ctx);
  const Gemm64Args& g = *w.g;
  const int64_t panels = (g.n + kNR - 1) / kNR;
  for (int64_t u = begin; u < end; ++u) {
    const int64_t per_entry = w.mblocks * w.nparts, r = u % per_entry, part = r % w.nparts;
    const int64_t j_lo = min64(g.n, panels * part / w.nparts * kNR), j_hi = min64(g.n, panels * (part + 1) / w.nparts * kNR);
    if (j_lo < j_hi) block(g, u / per_entry, (r / w.nparts) * kMC, j_lo, j_hi, tid);
  }
}

}  // namespace

void gemm_f64(const Gemm64Args& g) {
  if (g.batch <= 0 || g.m <= 0 || g.n <= 0) return;
  Units w{&g, (g.m + kMC - 1) / kMC, 1};
  const int64_t threads = num_threads();
  if (g.batch * w.mblocks < threads) w.nparts = min64(threads, (g.n + 63) / 64);
  const int64_t units = g.batch * w.mblocks * w.nparts;
  const int64_t macs_per_unit = min64(g.m, kMC) * (g.n / w.nparts + 1) * (g.k > 0 ? g.k : 1);
  parallel_for(units, 1 + kMinMacsPerThread / macs_per_unit, run_units, &w);
}

}  // namespace wj
