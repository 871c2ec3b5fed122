// C[b] = A[b] B[b] without workgroup memory: each invocation computes a 4x4 block of C in

// 32x32 so that neighbours share rows of A and columns of B in cache. Edge blocks clamp their
// loads into range and store only what is inside C. This is the kernel for CPU implementations
// of WebGPU (llvmpipe, SwiftShader), where workgroup barriers are expensive and caches large;
// matmul_tiled.wgsl is the one for GPUs. Placeholders as in matmul_tiled.wgsl.

fn mm_main(wid: vec3<u32>, lid: u32) {
  let m = {{M}};
  let n = {{N}};
  let k = {{K}};
  let batch = wid.z;
  let r0 = wid.y * 64u + (lid / 8u) * 8u;
  let c0 = wid.x * 32u + (lid % 8u) * 4u;
  if (r0 >= m || c0 >= n) { return; }
  // Element offsets of A[batch, r, 0] for the 8 rows and of B[batch, 0, c] for the 4 columns (clamped).
  let ab = {{A_OFF}} + i32(batch) * bitcast<i32>({{AS0}});
  let bb = {{B_OFF}} + i32(batch) * bitcast<i32>({{BS0}});
  let ar = vec4<i32>(ab) + vec4<i32>(min(vec4<u32>(r0, r0 + 1u, r0 + 2u, r0 + 3u), vec4<u32>(m - 1u))) * bitcast<i32>({{AS1}});
  let ar2 = vec4<i32>(ab) + vec4<i32>(min(vec4<u32>(r0 + 4u, r0 + 5u, r0 + 6u, r0 + 7u), vec4<u32>(m - 1u))) * bitcast<i32>({{AS1}});
  let bc = vec4<i32>(bb) + vec4<i32>(min(vec4<u32>(c0, c0 + 1u, c0 + 2u, c0 + 3u), vec4<u32>(n - 1u))) * bitcast<i32>({{BS2}});
  let as2 = bitcast<i32>({{AS2}});
  let bs1 = bitcast<i32>({{BS1}});
  var acc0 = vec4<{{T}}>({{T}}(0));
  var acc1 = vec4<{{T}}>({{T}}(0));
  var acc2 = vec4<{{T}}>({{T}}(0));
  var acc3 = vec4<{{T}}>({{T}}(0));
  var acc4 = vec4<{{T}}>({{T}}(0));
  var acc5 = vec4<{{T}}>({{T}}(0));
  var acc6 = vec4<{{T}}>({{T}}(0));
  var acc7 = vec4<{{T}}>({{T}}(0));
  for (var kk = 0u; kk < k; kk = kk + 1u) {
    let ka = i32(kk) * as2;
    let kb = i32(kk) * bs1;
    let b = vec4<{{T}}>({{LOAD_B}}(u32(bc.x + kb)), {{LOAD_B}}(u32(bc.y + kb)), {{LOAD_B}}(u32(bc.z + kb)), {{LOAD_B}}(u32(bc.w + kb)));
    acc0 = acc0 + {{LOAD_A}}(u32(ar.x + ka)) * b;
    acc1 = acc1 + {{LOAD_A}}(u32(ar.y + ka)) * b;
    acc2 = acc2 + {{LOAD_A}}(u32(ar.z + ka)) * b;
    acc3 = acc3 + {{LOAD_A}}(u32(ar.w + ka)) * b;
    acc4 = acc4 + {{LOAD_A}}(u32(ar2.x + ka)) * b;
    acc5 = acc5 + {{LOAD_A}}(u32(ar2.y + ka)) * b;
    acc6 = acc6 + {{LOAD_A}}(u32(ar2.z + ka)) * b;
    acc7 = acc7 + {{LOAD_A}}(u32(ar2.w + ka)) * b;
  }
  let base = u32({{C_OFF}}) + batch * m * n;
  let rows = array<vec4<{{T}}>, 8>(acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7);
  for (var i = 0u; i < 8u; i = i + 1u) {
    let r = r0 + i;
    if (r >= m) { break; }
    for (var j = 0u; j < 4u; j = j + 1u) {
      if (c0 + j < n) { {{STORE}}(base + r * n + c0 + j, rows[i][j]); }
    }
  }
}
