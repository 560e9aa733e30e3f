// sumsq_final — second pass of the global gradient norm: norm[0] = √(Σ_t partial[t]) over all P partials
// (NaN or Inf in any gradient makes the norm non-finite, which the training loop checks every step).
// Layout: partial [P], norm [1]. Thread: a single invocation (P is small: one partial per 256 gradients).
// Overwrites norm.

struct Params { n: u32, count: u32 }
override WG: u32 = 64u;

//! uniform params: Params
//! read partial: array<f32>
//! read_write norm: array<f32>

//! entry
  var acc = 0.0;
  for (var t = 0u; t < params.count; t++) { acc += partial[t]; }
  norm[0] = sqrt(acc);
}
