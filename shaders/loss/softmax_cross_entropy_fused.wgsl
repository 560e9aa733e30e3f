// softmax_cross_entropy_fused — the loss value and its gradient in one pass over each row of logits
// (llm.c's fused classifier): with p = softmax(z[r,:]) and y = labels[r] (a class index stored as f32),
//   loss[r] = −log p[y] = log Σ_j exp(z[r,j] − max) − (z[r,y] − max)
//   dz[r,j] = scale · (p[j] − 1[j = y])          (scale = α/N for a mean over the batch, weighted by α)
// Layout: z, dz [N, C] row-major, labels [N], loss [N]. Thread: one row per invocation.
// Overwrites loss and dz.

struct Params { n: u32, cols: u32, scale: f32 }
override WG: u32 = 64u;

//! uniform params: Params
//! read z: array<f32>
//! read labels: array<f32>
//! read_write loss: array<f32>
//! read_write dz: array<f32>

//! entry r
  let base = r * params.cols;
  let y = u32(labels[r]);
  var m = -3.402823e38;
  for (var j = 0u; j < params.cols; j++) { m = max(m, z[base + j]); }
  var s = 0.0;
  for (var j = 0u; j < params.cols; j++) { s += exp(z[base + j] - m); }
  loss[r] = log(s) - (z[base + y] - m);
  for (var j = 0u; j < params.cols; j++) {
    let p = exp(z[base + j] - m) / s;
    dz[base + j] = params.scale * (p - select(0.0, 1.0, j == y));
  }
}
