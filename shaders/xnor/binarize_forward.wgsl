// xnor/binarize_forward — f32 → b1: sign bits packed along channels.
// Math:   bit(c) = 1 ⇔ x[c] < 0 (value −1); x ≥ 0 (and +0, −0) is +1, bit 0.
// Layout: x [rows, C] f32 (NHWC flattened), y [rows, ⌈C/32⌉] u32: channel c is bit c % 32 (LSB first) of word
//         c / 32; padding channels (c ≥ C) are 0 bits, which the xnor kernels rely on.
// Thread: one output word per invocation, i = row·⌈C/32⌉ + j. Overwrites y.

struct Params {
  n: u32,
  c: u32,
  c32: u32,
}

override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<f32>
//! read_write y: array<u32>

//! entry
  let row = i / params.c32;
  let c0 = (i % params.c32) * 32u;
  let cnt = min(32u, params.c - c0);
  var word = 0u;
  for (var k = 0u; k < cnt; k++) {
    word |= select(0u, 1u << k, x[row * params.c + c0 + k] < 0.0);
  }
  y[i] = word;
}
