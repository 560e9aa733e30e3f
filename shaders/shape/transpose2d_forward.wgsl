// transpose2d_forward — a batched 2-D transpose: the transposes that swap two contiguous blocks of axes after an
// untouched prefix (NCHW → NHWC is [N, C, H·W] → [N, H·W, C]; NHWC → NCHW the reverse; [A, B] → [B, A]).
// Math:   y[b, s, r] = x[b, r, s] for x [B, R, S], y [B, S, R]. R and S are override constants, so the index
//         division and remainder compile to multiplies (strided_copy_forward walks every dimension with runtime
//         divisors instead).
// Layout: x, y flat f32 row-major. Thread: one output element per invocation, i = row-major index of y. Overwrites y.

struct Params { n: u32 }
override WG: u32 = 256u;
override R: u32 = 1u;
override S: u32 = 1u;

//! uniform params: Params
//! read x: array<f32>
//! read_write y: array<f32>

//! entry
  let rs = R * S;
  let b = i / rs;
  let t = i - b * rs;
  let s = t / R;
  let r = t - s * R;
  y[i] = x[b * rs + r * S + s];
}
