// global_pool_backward — gradient of global_pool_forward: average (MODE 0) dx[n,h,w,c] = dy[n,c] / (H·W);
// max (MODE 1) dx = dy[n,c] at the first maximal position of x[n,:,:,c], 0 elsewhere.
// Layout: x, dx [N,H,W,C] NHWC, dy [N,C]. Thread: one input element per invocation. Overwrites dx.

struct Params { n: u32, c: u32, hw: u32 }
override WG: u32 = 256u;
override MODE: u32 = 0u;

//! uniform params: Params
//! read x: array<f32>
//! read dy: array<f32>
//! read_write dx: array<f32>

//! entry
  let c = i % params.c;
  let nb = i / (params.c * params.hw);
  let g = dy[nb * params.c + c];
  if (MODE == 0u) {
    dx[i] = g / f32(params.hw);
    return;
  }
  let base = nb * params.hw * params.c + c;
  var best = -3.402823e38;
  var arg = 0u;
  for (var p = 0u; p < params.hw; p++) {
    let v = x[base + p * params.c];
    if (v > best) { best = v; arg = base + p * params.c; }
  }
  dx[i] = select(0.0, g, arg == i);
}
