// mul_forward — elementwise product y[i] = a[i] · b[i] (same shapes). Training uses it to apply pruning masks to
// weights (w ⊙ mask) and, in the backward pass, to the gradients (dy ⊙ mask).
// Layout: a, b, y flat [n]. Thread: one element per invocation. Overwrites y.

struct Params { n: u32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read a: array<f32>
//! read b: array<f32>
//! read_write y: array<f32>

//! entry
  y[i] = a[i] * b[i];
}
