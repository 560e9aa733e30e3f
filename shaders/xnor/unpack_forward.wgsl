// xnor/unpack_forward — b1 → f32 ±1 (for model edges and tests).
// Math:   y[c] = −1 if bit c is set, else +1.
// Layout: x [rows, ⌈C/32⌉] u32 (channel c is bit c % 32 of word c / 32), y [rows, C] f32.
// Thread: one output element per invocation, i = row·C + c. Overwrites y.

struct Params {
  n: u32,
  c: u32,
  c32: u32,
}

override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<u32>
//! read_write y: array<f32>

//! entry
  let row = i / params.c;
  let ch = i % params.c;
  let bit = (x[row * params.c32 + ch / 32u] >> (ch % 32u)) & 1u;
  y[i] = select(1.0, -1.0, bit == 1u);
}
