// channel_affine_forward — per-channel scale and shift, the inference form of batch-norm when it cannot be folded
// into a convolution: y[.., c] = act(x[.., c]·scale[c] + shift[c]),
// with scale = γ/√(var+ε), shift = β − mean·scale computed once on the CPU.
// Layout: x, y [.., C] (NHWC, channels last), scale, shift [C]. Thread: one element per invocation. Overwrites y.
//! import activation

struct Params { n: u32, c: u32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<f32>
//! read scale: array<f32>
//! read shift: array<f32>
//! read_write y: array<f32>

//! entry
  let c = i % params.c;
  y[i] = activate(x[i] * scale[c] + shift[c]);
}
