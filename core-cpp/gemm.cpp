// Batched f32 GEMM on SIMD128, GotoBLAS/BLIS style. For each KC-deep slice of k,
// B is packed (a KC x NC block at a time) into NR-wide micro-panels and A (an MC x KC
// block at a time) into MR-tall micro-panels; a register-blocked MR x NR micro-kernel
// then runs over the packed panels with f32x4 mul + add (SIMD128 has no FMA; the
// relaxed-SIMD build fuses them, here and in the direct paths).
// Transposed operands are only strides: packing makes every layout contiguous.
// Small and skinny problems skip packing (the direct path). Threads take whole batch
// entries, or slices of c's rows or columns.
#include "gemm.h"

#include <wasm_simd128.h>

#include "threads.h"

namespace wj {
namespace {

// The micro-tile: 4 x 8 = 8 f32x4 accumulators. V8 on x64 gives wasm 15 xmm
// registers and loads the tile's 4 A splats and 2 B vectors up front, so this is
// the largest tile it keeps in registers: 6 x 8, 4 x 12 and 8 x 8 spill and run at
// half the speed (measured in Node 20 on Zen 4).
constexpr int64_t kMR = 4;
constexpr int64_t kNV = 2;  // f32x4 vectors across a micro-tile
constexpr int64_t kNR = 4 * kNV;

// Cache blocking: a KC x NR micro-panel of B (16 KiB) stays in L1 while the MC x KC
// block of A (128 KiB) streams from L2; the KC x NC block of B (1 MiB) sits in L2/L3.
// Neighbouring choices (KC 256..1024, MC 32..256, NC 256..1024) were within 4%.
constexpr int64_t kKC = 512;
constexpr int64_t kMC = 64;
constexpr int64_t kNC = 512;

// At or below this many multiply-adds (m*n*k) packing costs more than it saves.
constexpr int64_t kDirectMaxMacs = 32 * 1024;
// Below this many multiply-adds per thread, waking workers costs more than it saves: a
// fork-join of the pool took ~17 us in Node 20 (workers sleep in Atomics.wait), and a
// thread does 512k multiply-adds in ~23 us. So products from ~100^3 up are split.
constexpr int64_t kMinMacsPerThread = 512 * 1024;
// Above this many floats of b (1 MiB), gemm_direct_rows's walk down b in column
// strips misses cache; gemm_direct_axpy streams b row by row instead.
constexpr int64_t kDirectRowsMaxB = 256 * 1024;
// The narrowest slice of c when one product is split over threads: NC, so slicing
// columns finer than a thread's share adds no packing of A (one pack per NC block
// either way). 256-wide slices cost 2.5% more CPU time at 1024^2 (Deno, 1 thread).
constexpr int64_t kMinSliceExtent = kNC;

// One matrix product (a batch entry or a slice of one): c = a @ b.
struct Gemm {
  const float* a;
  const float* b;
  float* c;
  int64_t m, n, k;
  int64_t a_rs, a_cs, b_rs, b_cs, c_rs;
};

inline int64_t min64(int64_t x, int64_t y) { return x < y ? x : y; }
inline int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

// --- packing -----------------------------------------------------------------------

// Transposes the 4 x 4 block held in rows r0..r3, in place.
inline void transpose4x4(v128_t& r0, v128_t& r1, v128_t& r2, v128_t& r3) {
  v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5);
  v128_t t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
  v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
  v128_t t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  r0 = wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5);
  r1 = wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7);
  r2 = wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5);
  r3 = wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7);
}

// packA: a's rows [0, mc) x columns [0, kc) into MR-tall micro-panels, each kc x MR
// (k-major); rows past mc are zero, so the micro-kernel always runs a full tile.
void pack_a(const float* a, int64_t a_rs, int64_t a_cs, int64_t mc, int64_t kc, float* out) {
  static_assert(kMR == 4, "the SIMD cases move 4 rows at a time");
  for (int64_t i0 = 0; i0 < mc; i0 += kMR) {
    int64_t rows = min64(kMR, mc - i0);
    const float* src = a + i0 * a_rs;
    int64_t l = 0;
    if (rows == kMR && a_cs == 1) {  // rows contiguous: 4 x 4 transposes
      for (; l + 4 <= kc; l += 4, out += 4 * kMR) {
        v128_t r0 = wasm_v128_load(src + l), r1 = wasm_v128_load(src + a_rs + l);
        v128_t r2 = wasm_v128_load(src + 2 * a_rs + l), r3 = wasm_v128_load(src + 3 * a_rs + l);
        transpose4x4(r0, r1, r2, r3);
        wasm_v128_store(out, r0);
        wasm_v128_store(out + 4, r1);
        wasm_v128_store(out + 8, r2);
        wasm_v128_store(out + 12, r3);
      }
    } else if (rows == kMR && a_rs == 1) {  // columns contiguous (a transposed): copies
      for (; l < kc; ++l, out += kMR) wasm_v128_store(out, wasm_v128_load(src + l * a_cs));
    }
    for (; l < kc; ++l, out += kMR)
      for (int64_t i = 0; i < kMR; ++i) out[i] = i < rows ? src[i * a_rs + l * a_cs] : 0.0f;
  }
}

// packB: b's rows [0, kc) x columns [0, nc) into NR-wide micro-panels, each kc x NR
// (k-major); columns past nc are zero.
void pack_b(const float* b, int64_t b_rs, int64_t b_cs, int64_t kc, int64_t nc, float* out) {
  for (int64_t j0 = 0; j0 < nc; j0 += kNR) {
    int64_t cols = min64(kNR, nc - j0);
    const float* src = b + j0 * b_cs;
    int64_t l = 0;
    if (cols == kNR && b_cs == 1) {  // rows contiguous: copies
      for (; l < kc; ++l, out += kNR)
        for (int64_t v = 0; v < kNV; ++v) wasm_v128_store(out + 4 * v, wasm_v128_load(src + l * b_rs + 4 * v));
    } else if (cols == kNR && b_rs == 1) {  // columns contiguous (b transposed): 4 x 4 transposes
      for (; l + 4 <= kc; l += 4, out += 4 * kNR) {
        for (int64_t v = 0; v < kNV; ++v) {
          const float* col = src + 4 * v * b_cs + l;
          v128_t r0 = wasm_v128_load(col), r1 = wasm_v128_load(col + b_cs);
          v128_t r2 = wasm_v128_load(col + 2 * b_cs), r3 = wasm_v128_load(col + 3 * b_cs);
          transpose4x4(r0, r1, r2, r3);
          wasm_v128_store(out + 4 * v, r0);
          wasm_v128_store(out + kNR + 4 * v, r1);
          wasm_v128_store(out + 2 * kNR + 4 * v, r2);
          wasm_v128_store(out + 3 * kNR + 4 * v, r3);
        }
      }
    }
    for (; l < kc; ++l, out += kNR)
      for (int64_t j = 0; j < kNR; ++j) out[j] = j < cols ? src[l * b_rs + j * b_cs] : 0.0f;
  }
}

// --- the micro-kernel --------------------------------------------------------------

#ifdef __wasm_relaxed_simd__
constexpr bool kRelaxed = true;
#else
constexpr bool kRelaxed = false;
#endif

// Set where the engine bounds-checks every wasm memory access (Deno, which installs no
// trap handler): there loads cost more than shuffles. In the relaxed micro-kernel one
// load of the A column and 4 lane shuffles beat 4 splatting loads in Deno (49 vs 38
// GFLOP/s a core on Zen 4; a 6 x 8 tile of splatting loads: 43), and lose ~4% where
// loads are unchecked (Node 20 with --experimental-wasm-relaxed-simd, as Chromium).
bool g_checked_loads = false;

// a * b + c: one fused multiply-add where the engine has relaxed SIMD (the relaxed-threads
// variant, built with clang-19), else mul then add.
inline v128_t fmadd(v128_t a, v128_t b, v128_t c) {
#ifdef __wasm_relaxed_simd__
  return wasm_f32x4_relaxed_madd(a, b, c);
#else
  return wasm_f32x4_add(c, wasm_f32x4_mul(a, b));
#endif
}

// f32 gemm 4x8, wasm simd128: c[0:rows, 0:cols] (= or +=) ap (kc x MR) @ bp (kc x NR).
// clang unrolls the i and v loops fully, leaving 8 accumulators in locals.
// kShuffleSplats: one load of the A column and lane shuffles for the splats, not 4
// splatting loads (see g_checked_loads). A template, not a branch: with both loops in
// one function, V8 allocated registers worse for the shuffle loop (~40 vs ~49 GFLOP/s).
template <bool kShuffleSplats>
void gemm_f32_4x8_simd128(int64_t kc, const float* ap, const float* bp, float* c, int64_t c_rs, bool accumulate,
                          int64_t rows, int64_t cols) {
  v128_t acc[kMR][kNV];
  for (int64_t i = 0; i < kMR; ++i)
    for (int64_t v = 0; v < kNV; ++v) acc[i][v] = wasm_f32x4_splat(0.0f);
  if constexpr (kShuffleSplats) {
    for (int64_t l = 0; l < kc; ++l, ap += kMR, bp += kNR) {
      v128_t bv[kNV];
      for (int64_t v = 0; v < kNV; ++v) bv[v] = wasm_v128_load(bp + 4 * v);
      v128_t a4 = wasm_v128_load(ap);
      v128_t as[kMR] = {wasm_i32x4_shuffle(a4, a4, 0, 0, 0, 0), wasm_i32x4_shuffle(a4, a4, 1, 1, 1, 1),
                        wasm_i32x4_shuffle(a4, a4, 2, 2, 2, 2), wasm_i32x4_shuffle(a4, a4, 3, 3, 3, 3)};
      for (int64_t i = 0; i < kMR; ++i)
        for (int64_t v = 0; v < kNV; ++v) acc[i][v] = fmadd(as[i], bv[v], acc[i][v]);
    }
  } else {
    for (int64_t l = 0; l < kc; ++l, ap += kMR, bp += kNR) {
      v128_t bv[kNV];
      for (int64_t v = 0; v < kNV; ++v) bv[v] = wasm_v128_load(bp + 4 * v);
      for (int64_t i = 0; i < kMR; ++i) {
        v128_t av = wasm_v128_load32_splat(ap + i);
        for (int64_t v = 0; v < kNV; ++v) acc[i][v] = fmadd(av, bv[v], acc[i][v]);
      }
    }
  }
  if (rows == kMR && cols == kNR) {
    for (int64_t i = 0; i < kMR; ++i)
      for (int64_t v = 0; v < kNV; ++v) {
        float* p = c + i * c_rs + 4 * v;
        wasm_v128_store(p, accumulate ? wasm_f32x4_add(wasm_v128_load(p), acc[i][v]) : acc[i][v]);
      }
    return;
  }
  // An edge tile: spill the accumulators, write only the part inside c.
  alignas(16) float tile[kMR * kNR];
  for (int64_t i = 0; i < kMR; ++i)
    for (int64_t v = 0; v < kNV; ++v) wasm_v128_store(tile + i * kNR + 4 * v, acc[i][v]);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) c[i * c_rs + j] = accumulate ? c[i * c_rs + j] + tile[i * kNR + j] : tile[i * kNR + j];
}

// --- the packed path ---------------------------------------------------------------

// k in near-equal slices of at most KC (a multiple of 4, for packA's transposes), so
// k = KC + 1 does not leave a 1-deep slice.
int64_t k_slice(int64_t k) {
  int64_t slices = (k + kKC - 1) / kKC;
  return min64(kKC, round_up((k + slices - 1) / slices, 4));
}

// Scratch gemm_packed needs: one KC x NC block of B, one MC x KC block of A.
int64_t packed_scratch_floats(const Gemm& g) {
  return k_slice(g.k) * (round_up(min64(kNC, g.n), kNR) + round_up(min64(kMC, g.m), kMR));
}

template <bool kShuffleSplats>
void gemm_packed(const Gemm& g, float* scratch) {
  int64_t kc_max = k_slice(g.k);
  float* bp = scratch;
  float* ap = scratch + kc_max * round_up(min64(kNC, g.n), kNR);
  for (int64_t jc = 0; jc < g.n; jc += kNC) {
    int64_t nc = min64(kNC, g.n - jc);
    for (int64_t pc = 0; pc < g.k; pc += kc_max) {
      int64_t kc = min64(kc_max, g.k - pc);
      pack_b(g.b + pc * g.b_rs + jc * g.b_cs, g.b_rs, g.b_cs, kc, nc, bp);
      for (int64_t ic = 0; ic < g.m; ic += kMC) {
        int64_t mc = min64(kMC, g.m - ic);
        progress();  // a long product is working (threads.h): about every 16M multiply-adds
        pack_a(g.a + ic * g.a_rs + pc * g.a_cs, g.a_rs, g.a_cs, mc, kc, ap);
        for (int64_t jr = 0; jr < nc; jr += kNR)
          for (int64_t ir = 0; ir < mc; ir += kMR)
            gemm_f32_4x8_simd128<kShuffleSplats>(kc, ap + ir * kc, bp + jr * kc, g.c + (ic + ir) * g.c_rs + jc + jr,
                                                 g.c_rs, pc > 0, min64(kMR, mc - ir), min64(kNR, nc - jr));
      }
    }
  }
}

// --- the direct path (no packing) --------------------------------------------------

// b row-major: c's rows as sums of b's rows scaled by a's entries, SIMD across 16
// columns of c at a time held in registers.
void gemm_direct_rows(const Gemm& g) {
  for (int64_t i = 0; i < g.m; ++i) {
    progress();
    const float* a = g.a + i * g.a_rs;
    float* c = g.c + i * g.c_rs;
    int64_t j = 0;
    for (; j + 16 <= g.n; j += 16) {
      v128_t acc0 = wasm_f32x4_splat(0.0f), acc1 = acc0, acc2 = acc0, acc3 = acc0;
      for (int64_t l = 0; l < g.k; ++l) {
        v128_t av = wasm_f32x4_splat(a[l * g.a_cs]);
        const float* b = g.b + l * g.b_rs + j;
        acc0 = fmadd(av, wasm_v128_load(b), acc0);
        acc1 = fmadd(av, wasm_v128_load(b + 4), acc1);
        acc2 = fmadd(av, wasm_v128_load(b + 8), acc2);
        acc3 = fmadd(av, wasm_v128_load(b + 12), acc3);
      }
      wasm_v128_store(c + j, acc0);
      wasm_v128_store(c + j + 4, acc1);
      wasm_v128_store(c + j + 8, acc2);
      wasm_v128_store(c + j + 12, acc3);
    }
    for (; j + 4 <= g.n; j += 4) {
      v128_t acc = wasm_f32x4_splat(0.0f);
      for (int64_t l = 0; l < g.k; ++l)
        acc = fmadd(wasm_f32x4_splat(a[l * g.a_cs]), wasm_v128_load(g.b + l * g.b_rs + j), acc);
      wasm_v128_store(c + j, acc);
    }
    for (; j < g.n; ++j) {
      float s = 0.0f;
      for (int64_t l = 0; l < g.k; ++l) s += a[l * g.a_cs] * g.b[l * g.b_rs + j];
      c[j] = s;
    }
  }
}

// b row-major and large, c a few rows (vector-matrix products): stream b once, row
// by row, adding a[i, l] * b[l, :] into c's rows, which stay in cache (a block of
// 4096 columns at a time).
void gemm_direct_axpy(const Gemm& g) {
  constexpr int64_t kCols = 4096;
  for (int64_t j0 = 0; j0 < g.n; j0 += kCols) {
    progress();
    int64_t nb = min64(kCols, g.n - j0);
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t j = 0; j < nb; ++j) g.c[i * g.c_rs + j0 + j] = 0.0f;
    for (int64_t l = 0; l < g.k; ++l) {
      const float* b = g.b + l * g.b_rs + j0;
      for (int64_t i = 0; i < g.m; ++i) {
        float s = g.a[i * g.a_rs + l * g.a_cs];
        v128_t av = wasm_f32x4_splat(s);
        float* c = g.c + i * g.c_rs + j0;
        int64_t j = 0;
        // c's load first in each step: the SIMD build keeps its instruction order.
        for (; j + 8 <= nb; j += 8) {
          v128_t c0 = wasm_v128_load(c + j);
          wasm_v128_store(c + j, fmadd(av, wasm_v128_load(b + j), c0));
          v128_t c1 = wasm_v128_load(c + j + 4);
          wasm_v128_store(c + j + 4, fmadd(av, wasm_v128_load(b + j + 4), c1));
        }
        for (; j + 4 <= nb; j += 4) {
          v128_t c0 = wasm_v128_load(c + j);
          wasm_v128_store(c + j, fmadd(av, wasm_v128_load(b + j), c0));
        }
        for (; j < nb; ++j) c[j] += s * b[j];
      }
    }
  }
}

// a's rows and b's columns contiguous: every c[i, j] a SIMD dot product.
void gemm_direct_dots(const Gemm& g) {
  for (int64_t i = 0; i < g.m; ++i) {
    progress();
    const float* a = g.a + i * g.a_rs;
    for (int64_t j = 0; j < g.n; ++j) {
      const float* b = g.b + j * g.b_cs;
      v128_t acc0 = wasm_f32x4_splat(0.0f), acc1 = acc0;
      int64_t l = 0;
      for (; l + 8 <= g.k; l += 8) {
        acc0 = fmadd(wasm_v128_load(a + l), wasm_v128_load(b + l), acc0);
        acc1 = fmadd(wasm_v128_load(a + l + 4), wasm_v128_load(b + l + 4), acc1);
      }
      if (l + 4 <= g.k) {
        acc0 = fmadd(wasm_v128_load(a + l), wasm_v128_load(b + l), acc0);
        l += 4;
      }
      v128_t acc = wasm_f32x4_add(acc0, acc1);
      float s = (wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1)) +
                (wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3));
      for (; l < g.k; ++l) s += a[l] * b[l];
      g.c[i * g.c_rs + j] = s;
    }
  }
}

void gemm_direct_scalar(const Gemm& g) {
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j) {
      float s = 0.0f;
      for (int64_t l = 0; l < g.k; ++l) s += g.a[i * g.a_rs + l * g.a_cs] * g.b[l * g.b_rs + j * g.b_cs];
      g.c[i * g.c_rs + j] = s;
    }
}

// --- one product, one thread --------------------------------------------------------

// Each thread's packing buffers.
ThreadScratch<float> g_scratch;

enum class Path { Empty, Zero, Packed, Rows, Axpy, Dots, Scalar };

Path choose_path(const Gemm& g) {
  if (g.m <= 0 || g.n <= 0) return Path::Empty;
  if (g.k <= 0) return Path::Zero;
  bool large = g.m * g.n * g.k > kDirectMaxMacs;
  bool tiles = g.m >= kMR && g.n >= kNR;  // else packing pads most of every tile
  if (large && tiles) return Path::Packed;
  if (g.b_cs == 1 && g.n >= 4) return g.k * g.n > kDirectRowsMaxB ? Path::Axpy : Path::Rows;
  if (g.a_cs == 1 && g.b_rs == 1) return Path::Dots;
  return large ? Path::Packed : Path::Scalar;  // a skinny product with awkward strides: packing beats scalar
}

// The direct paths, which need no scratch (and are the fallback when it runs out).
void gemm_direct(const Gemm& g, Path path) {
  switch (path) {
    case Path::Empty: return;
    case Path::Zero:
      for (int64_t i = 0; i < g.m; ++i)
        for (int64_t j = 0; j < g.n; ++j) g.c[i * g.c_rs + j] = 0.0f;
      return;
    case Path::Rows: return gemm_direct_rows(g);
    case Path::Axpy: return gemm_direct_axpy(g);
    case Path::Dots: return gemm_direct_dots(g);
    case Path::Packed:
    case Path::Scalar: return gemm_direct_scalar(g);
  }
}

// `path` is chosen for the whole batch entry, so that a slice of it sums every element of c
// as the whole product would (results do not depend on how threads split it).
void gemm_one(const Gemm& g, int tid, Path path) {
  if (path == Path::Packed) {
    if (float* scratch = g_scratch.get(tid, packed_scratch_floats(g))) {
      if constexpr (kRelaxed) {
        if (g_checked_loads) return gemm_packed<true>(g, scratch);
      }
      return gemm_packed<false>(g, scratch);
    }
  }
  gemm_direct(g, path);
}

// --- threads -----------------------------------------------------------------------

Gemm batch_entry(const GemmArgs& g, int64_t p) {
  return Gemm{g.a + p * g.a_bs, g.b + p * g.b_bs, g.c + p * g.c_bs, g.m, g.n, g.k, g.a_rs, g.a_cs, g.b_rs, g.b_cs, g.c_rs};
}

// Whole batch entries, handed out from a shared counter (a thread that is slowed, by
// another process on its core or a busy browser main thread, simply takes fewer).
struct Entries {
  const GemmArgs* g;
  int64_t next;
};

void run_entries(void* ctx, int64_t, int64_t, int tid) {
  Entries& e = *static_cast<Entries*>(ctx);
  for (int64_t p; (p = __atomic_fetch_add(&e.next, 1, __ATOMIC_RELAXED)) < e.g->batch;) {
    const Gemm entry = batch_entry(*e.g, p);
    gemm_one(entry, tid, choose_path(entry));
  }
}

// Every batch entry cut into `parts` slices of c along its longer side, in whole
// micro-tiles and direct-path strips, handed out from a shared counter like batch
// entries; each thread packs its own panels. This keeps one fork-join per call:
// sharing one packed B block would need two per KC x NC block, each waiting for the
// pool's sleeping workers to wake. The price: A (or B) is packed once per slice, ~1%
// of the time at 1024^2 in 2 slices.
struct Slices {
  const GemmArgs* g;
  int64_t parts;
  int64_t next;
};

void run_slices(void* ctx, int64_t, int64_t, int tid) {
  Slices& d = *static_cast<Slices*>(ctx);
  const GemmArgs& g = *d.g;
  bool split_n = g.n >= g.m;
  int64_t extent = split_n ? g.n : g.m;
  int64_t unit = split_n ? 16 : kMR;  // 16: a multiple of NR and of the direct path's strip
  int64_t units = (extent + unit - 1) / unit;
  for (int64_t item; (item = __atomic_fetch_add(&d.next, 1, __ATOMIC_RELAXED)) < g.batch * d.parts;) {
    int64_t part = item % d.parts;
    int64_t lo = min64(extent, units * part / d.parts * unit), hi = min64(extent, units * (part + 1) / d.parts * unit);
    Gemm s = batch_entry(g, item / d.parts);
    const Path path = choose_path(s);
    if (split_n) {
      s.b += lo * g.b_cs;
      s.c += lo;
      s.n = hi - lo;
    } else {
      s.a += lo * g.a_rs;
      s.c += lo * g.c_rs;
      s.m = hi - lo;
    }
    gemm_one(s, tid, path);
  }
}

}  // namespace

void set_checked_loads(bool on) { g_checked_loads = on; }

void gemm_f32(const GemmArgs& g) {
  if (g.batch <= 0 || g.m <= 0 || g.n <= 0) return;
  int64_t macs = g.batch * g.m * g.n * (g.k > 0 ? g.k : 1);
  int64_t threads = min64(num_threads(), macs / kMinMacsPerThread);
  if (threads <= 1 || g.batch >= 4 * threads || g.batch % threads == 0) {
    Entries e{&g, 0};
    parallel_for(threads > 1 ? threads : 1, 1, run_entries, &e);  // one slot per thread
  } else {
    // Slices of at least kMinSliceExtent rows or columns, up to 4 a thread, so that a
    // thread slowed by another process (or a busy browser main thread) takes fewer.
    int64_t extent = g.n >= g.m ? g.n : g.m;
    Slices d{&g, min64(4 * threads, extent / kMinSliceExtent), 0};
    if (d.parts < threads) d.parts = threads;
    parallel_for(threads, 1, run_slices, &d);  // one slot per thread
  }
}

}  // namespace wj
