// float16 <-> float32 without the shader-f16 feature: integer arithmetic on the bits, rounding to
// nearest even, as the reference's float16Bits and the wasm core's float_to_half.

fn wj_half_to_float(h: u32) -> f32 {
  let sign = (h & 0x8000u) << 16u;
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  if (e == 0u) { return bitcast<f32>(bitcast<u32>(f32(m) * 5.9604645e-8) | sign); }  // m 2^-24
  if (e == 31u) { return bitcast<f32>(sign | 0x7f800000u | (m << 13u)); }
  return bitcast<f32>(sign | ((e + 112u) << 23u) | (m << 13u));
}

fn wj_float_to_half(f: f32) -> u32 {
  var x = bitcast<u32>(f);
  let sign = (x >> 16u) & 0x8000u;
  x = x & 0x7fffffffu;
  if (x >= 0x7f800000u) { return sign | 0x7c00u | select(0u, 0x200u, x > 0x7f800000u); }
  if (x >= 0x477ff000u) { return sign | 0x7c00u; }       // from 65520 up: infinity
  if (x < 0x38800000u) {                                 // below 2^-14: a subnormal half or zero
    return sign | u32(round(bitcast<f32>(x) * 16777216.0));  // exact units of 2^-24, ties to even
  }
  x = x + 0xc8000fffu + ((x >> 13u) & 1u);               // rebias, round the 13 dropped bits to even
  return sign | ((x >> 13u) & 0xffffu);
}

// A float32 rounded to the nearest float16 value, kept as float32.
fn wj_f16_round(f: f32) -> f32 { return wj_half_to_float(wj_float_to_half(f)); }
