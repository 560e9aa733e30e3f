// int8/quantize_forward — f32 → q8 at a model's edge (or wherever a float region ends):
//   q = clamp(round_half_even(clamp(x · inv_scale, −512, 512)) + zero, −128, 127)
// (x · inv_scale is one correctly rounded f32 product; the CPU reference does the same with Math.fround.)
// Layout: x [rows, C] f32 (NHWC flattened), y [rows, ⌈C/4⌉] u32: channel c in byte c % 4 of word c / 4; padding
//         channels (c ≥ C) hold the zero point.
// Thread: one output word per invocation, i = row·⌈C/4⌉ + j. Overwrites y.

struct Params {
  n: u32,
  c: u32,
  c4: u32,
  inv_scale: f32,
  zero: i32,
}

override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<f32>
//! read_write y: array<u32>

//! entry
  let row = i / params.c4;
  let j = i % params.c4;
  var word = 0u;
  for (var k = 0u; k < 4u; k++) {
    let ch = 4u * j + k;
    var q = params.zero;
    if (ch < params.c) {
      q = clamp(i32(round(clamp(x[row * params.c + ch] * params.inv_scale, -512.0, 512.0))) + params.zero, -128, 127);
    }
    word |= (u32(q) & 0xffu) << (8u * k);
  }
  y[i] = word;
}
