// store4 for the pointwise GEMM kernels: writes 4 consecutive output channels c0..c0+3 of row `row`, skipping rows
// past M, optionally channel-shuffled (channel c goes to (c mod (C/S))·S + c / (C/S), S = SHUFFLE).
// Needs module-scope `params` (with m, c), `y: array<f32>` and the override SHUFFLE.
fn store4(row: u32, c0: u32, v: vec4<f32>) {
  if (row >= params.m) { return; }
  let rowBase = row * params.c;
  if (SHUFFLE > 1u) {
    let per = params.c / SHUFFLE;
    y[rowBase + (c0 % per) * SHUFFLE + c0 / per] = v.x;
    y[rowBase + ((c0 + 1u) % per) * SHUFFLE + (c0 + 1u) / per] = v.y;
    y[rowBase + ((c0 + 2u) % per) * SHUFFLE + (c0 + 2u) / per] = v.z;
    y[rowBase + ((c0 + 3u) % per) * SHUFFLE + (c0 + 3u) / per] = v.w;
  } else {
    y[rowBase + c0] = v.x;
    y[rowBase + c0 + 1u] = v.y;
    y[rowBase + c0 + 2u] = v.z;
    y[rowBase + c0 + 3u] = v.w;
  }
}
