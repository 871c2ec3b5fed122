// float16 with the shader-f16 feature (the shader starts with `enable f16;`): values are loaded
// and stored through array<f16> views of the buffers (shader.ts), and rounded by the hardware's
// conversion. NaN and values beyond the float16 range are set apart first, since WGSL leaves
// converting them undefined. tests/webgpu/float16.spec.ts checks every half and the rounding
// boundaries against the reference on this path and on f16_emulated.wgsl.

// A float32 rounded to the nearest float16 value, kept as float32.
fn wj_f16_round(f: f32) -> f32 {
  let x = bitcast<u32>(f) & 0x7fffffffu;
  if (x > 0x7f800000u) { return f; }
  if (x >= 0x477ff000u) { return bitcast<f32>((bitcast<u32>(f) & 0x80000000u) | 0x7f800000u); }
  return f32(f16(f));
}
