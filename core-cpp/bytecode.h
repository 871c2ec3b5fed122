// The bytecode the TypeScript compiler (ts/compiler) emits and wj_run executes: one call
// runs a whole program. Keep these numbers in sync with ts/compiler/bytecode.ts (a spec
// compares the two files).
//
// A program is a sequence of instructions [op, length, ...payload] of int32 words. Buffers
// are named by slot: the caller passes a table of byte addresses, one per slot (program
// inputs, outputs, and temporaries inside one arena).
#pragma once
#include <stdint.h>

namespace wj {

enum Op : int32_t {
  OP_FUSED = 1,   // elementwise kernel over strided views (see fused.cpp)
  OP_DOT = 2,     // batched GEMM on strided operands (float32 or float64)
  OP_REDUCE = 3,  // reduction of a contiguous [outer, red, inner] array over `red`
  OP_COPY = 4,    // strided copy (transpose, slice, rev, pad interiors, concatenate parts)
  OP_FILL = 5,    // fill with one value
  OP_HOST = 6,    // call back into JS (primitives without a kernel here)
  OP_GATHER = 7,  // rows of trailing slices picked by an index array (lax's simplified gather)
  OP_SCATTER = 8, // the converse, adding (or writing) update rows into an operand copy
  // Control flow: nested bytecode blocks over the same slot table (see interp.cpp).
  OP_SCAN = 9,    // run a body `length` times, pointing window slots at row i of their arrays
  OP_WHILE = 10,  // run a cond block, then the body while its bool result is true
  OP_COND = 11,   // run the branch picked by an int32 index (clamped)
  OP_DSLICE = 12, // copy a window at run-time start indices out of (or into) an array
  OP_CUMULATIVE = 13,  // inclusive scan (sum, prod, max, min) along the middle axis of [outer, n, inner]
  OP_SORT = 14,   // stable sort of operands along the middle axis by their first keys
  OP_REDUCE_FUSED = 15,  // a float32 OP_REDUCE over trailing axes whose input is an OP_FUSED kernel, computed piecewise
  OP_COLLECTIVE = 16,    // a collective over mesh axes, in a program that runs on every device (devices.cpp)
};

// Collectives (OP_COLLECTIVE), on contiguous buffers; "rows" are the group's members, in rank order.
enum Coll : int32_t {
  C_PSUM = 0, C_PMAX = 1, C_PMIN = 2,  // elementwise over the members' inputs
  C_ALL_GATHER = 3,      // out[r] = member r's input
  C_REDUCE_SCATTER = 4,  // out = sum over members of row `rank` of their inputs
  C_ALL_TO_ALL = 5,      // out[r] = row `rank` of member r's input
  C_PPERMUTE = 6,        // out = the input of the member sending here, else zeros
  C_AXIS_INDEX = 7,      // out (int32) = this device's rank along the axes
};

// Storage dtypes of kernel inputs and outputs.
// DT_C64 is an output only: float32 real and imaginary parts interleaved by E_STOREC. DT_F16
// is storage only (fused kernels load it into float32 lanes and round stores to it).
enum DT : int32_t { DT_F32 = 0, DT_I32 = 1, DT_U32 = 2, DT_BOOL = 3, DT_F64 = 4, DT_C64 = 5, DT_F16 = 6 };

// Reductions.
enum ROp : int32_t { R_SUM = 0, R_PROD = 1, R_MAX = 2, R_MIN = 3, R_AND = 4, R_OR = 5, R_ARGMAX = 6, R_ARGMIN = 7 };

// Instructions of a fused kernel: [eop, dst, a, b, c]. A register holds a block of f32 or i32
// (bools are i32 0/1), or of f64: kernels with any f64 value run blocks of 32 elements rather
// than 64, so that 32 doubles fit the same 256 bytes.
enum EOp : int32_t {
  E_LOAD = 0,      // dst <- input a
  E_STORE = 1,     // output a <- register b
  E_CONST = 2,     // dst <- splat(bits a)
  E_INDEX = 3,     // dst <- coordinate along axis a (i32)
  E_CONST64 = 4,   // dst <- splat(f64 bits: a low word, b high word)
  E_STOREC = 5,    // complex64 output a <- (real part: register b, imaginary part: register c)
  // float
  E_FADD = 10, E_FSUB, E_FMUL, E_FDIV, E_FMAX, E_FMIN, E_FNEG, E_FABS, E_FSQRT, E_FRSQRT,
  E_FFLOOR = 20, E_FCEIL, E_FROUND_EVEN, E_FROUND_AWAY, E_FSIGN, E_FSQUARE, E_FPOW, E_FATAN2, E_FREM, E_FISFINITE,
  E_FEQ = 30, E_FNE, E_FLT, E_FLE, E_FGT, E_FGE,
  E_VMATH = 36,    // dst <- vmath(op b)(a)  (VMathOp in vmath.h)
  E_FCBRT = 37, E_FNEXTAFTER = 38,
  // integer
  E_IADD = 40, E_ISUB, E_IMUL, E_IDIV, E_IREM, E_INEG, E_IABS, E_IMAX, E_IMIN, E_ISIGN,
  E_UDIV = 50, E_UREM, E_UMAX, E_UMIN, E_USIGN,
  E_AND = 55, E_OR, E_XOR, E_NOT, E_BNOT, E_SHL, E_SHRL, E_SHRA,
  E_IEQ = 63, E_INE, E_ILT, E_ILE, E_IGT, E_IGE, E_ULT, E_ULE, E_UGT, E_UGE,
  // conversions and selection
  E_F2I = 80, E_F2U, E_I2F, E_U2F, E_TOBOOL, E_FTOBOOL,
  E_SELECT = 90,   // dst <- a ? c : b   (a is a 0/1 mask; select_n order: case0 if false)
  E_IPOW = 91,     // dst <- a ** b (b a literal non-negative int; float register)
  // shifts by a literal count b in [0, 32), and rotate left by b in (0, 32)
  E_SHLI = 92, E_SHRLI = 93, E_SHRAI = 94, E_ROTLI = 95,
  E_F16ROUND = 96, // dst <- a rounded to the nearest float16 (kept in float32 lanes)
  // float64 (f64 registers; comparisons and is_finite give i32 0/1 lanes)
  E_DADD = 100, E_DSUB, E_DMUL, E_DDIV, E_DMAX, E_DMIN, E_DNEG, E_DABS, E_DSQRT, E_DRSQRT,
  E_DFLOOR = 110, E_DCEIL, E_DROUND_EVEN, E_DROUND_AWAY, E_DSIGN, E_DSQUARE, E_DPOW, E_DATAN2, E_DREM, E_DISFINITE,
  E_DEQ = 120, E_DNE, E_DLT, E_DLE, E_DGT, E_DGE,
  E_DMATH = 126,   // dst <- libm64 function (VMathOp b)(a)
  E_DCBRT = 127, E_DNEXTAFTER = 128, E_DIPOW = 129,
  E_F2D = 130, E_D2F, E_I2D, E_U2D, E_D2I, E_D2U, E_DTOBOOL,
  E_DSELECT = 137, // dst <- a ? c : b with f64 cases (a an i32 mask)
};

}  // namespace wj
