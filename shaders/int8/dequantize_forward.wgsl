// int8/dequantize_forward — q8 → f32: y = f32(q − zero) · scale (one correctly rounded product).
// Layout: x [rows, ⌈C/4⌉] u32 (q8, channel c in byte c % 4), y [rows, C] f32.
// Thread: one output element per invocation, i = row·C + c. Overwrites y.

struct Params {
  n: u32,
  c: u32,
  c4: u32,
  scale: f32,
  zero: i32,
}

override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<u32>
//! read_write y: array<f32>

//! entry
  let row = i / params.c;
  let ch = i % params.c;
  let word = x[row * params.c4 + ch / 4u];
  let q = i32(word << (24u - 8u * (ch % 4u))) >> 24u;
  y[i] = f32(q - params.zero) * params.scale;
}
