// C[b] = A[b] B[b] for one 64x64 tile of C per workgroup (256 invocations, 4x4 outputs each),
// through 16-deep tiles of A and B staged in workgroup memory. Operands are strided views
// (batch, row and column strides in the parameters), so transposed operands need no copy.
// {{T}}: the accumulator type (f32, or u32 for int32/uint32: wrapping products and sums);
// {{LOAD_A}}(i), {{LOAD_B}}(i): an element as {{T}} at element offset i (u32);
// {{STORE}}(i, v): writes v at element offset i of C; {{A_OFF}}, {{B_OFF}}, {{C_OFF}}: the
// operands' element offsets (i32 expressions: a scan's window moves them each step).
// {{M}}, {{N}}, {{K}}, {{AS0}}..{{BS2}}: sizes and strides (u32 expressions: parameters, or
// constants in a baked shader).

var<workgroup> As: array<{{T}}, 1024>;
var<workgroup> Bs: array<{{T}}, 1024>;

fn mm_a(b: u32, r: u32, c: u32) -> {{T}} {
  if (r >= {{M}} || c >= {{K}}) { return {{T}}(0); }
  let i = {{A_OFF}} + i32(b) * bitcast<i32>({{AS0}}) + i32(r) * bitcast<i32>({{AS1}}) + i32(c) * bitcast<i32>({{AS2}});
  return {{LOAD_A}}(u32(i));
}

fn mm_b(b: u32, r: u32, c: u32) -> {{T}} {
  if (r >= {{K}} || c >= {{N}}) { return {{T}}(0); }
  let i = {{B_OFF}} + i32(b) * bitcast<i32>({{BS0}}) + i32(r) * bitcast<i32>({{BS1}}) + i32(c) * bitcast<i32>({{BS2}});
  return {{LOAD_B}}(u32(i));
}

fn mm_main(wid: vec3<u32>, lid: u32) {
  let m = {{M}};
  let n = {{N}};
  let k = {{K}};
  let batch = wid.z;
  let row0 = wid.y * 64u;
  let col0 = wid.x * 64u;
  let tx = lid % 16u;
  let ty = lid / 16u;
  var acc: array<array<{{T}}, 4>, 4>;
  for (var k0 = 0u; k0 < k; k0 = k0 + 16u) {
    for (var t = 0u; t < 4u; t = t + 1u) {
      let idx = lid + 256u * t;
      As[(idx % 16u) * 64u + idx / 16u] = mm_a(batch, row0 + idx / 16u, k0 + idx % 16u);
      Bs[idx] = mm_b(batch, k0 + idx / 64u, col0 + idx % 64u);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk = kk + 1u) {
      var a: array<{{T}}, 4>;
      var b: array<{{T}}, 4>;
      for (var i = 0u; i < 4u; i = i + 1u) {
        a[i] = As[kk * 64u + ty * 4u + i];
        b[i] = Bs[kk * 64u + tx * 4u + i];
      }
      for (var i = 0u; i < 4u; i = i + 1u) {
        for (var j = 0u; j < 4u; j = j + 1u) {
          acc[i][j] = acc[i][j] + a[i] * b[j];
        }
      }
    }
    workgroupBarrier();
  }
  let c0 = u32({{C_OFF}}) + batch * m * n;
  for (var i = 0u; i < 4u; i = i + 1u) {
    let r = row0 + ty * 4u + i;
    for (var j = 0u; j < 4u; j = j + 1u) {
      let c = col0 + tx * 4u + j;
      if (r < m && c < n) { {{STORE}}(c0 + r * n + c, acc[i][j]); }
    }
  }
}
