// global_pool_forward — global average (MODE 0) or max (MODE 1) over H×W: y[n,c] = mean_or_max_{h,w} x[n,h,w,c].
// Layout: x [N,H,W,C] NHWC, y [N,C] (= [N,1,1,C]). Thread: one (n,c) per invocation. Overwrites y.

struct Params { n: u32, c: u32, hw: u32 }
override WG: u32 = 64u;
override MODE: u32 = 0u;

//! uniform params: Params
//! read x: array<f32>
//! read_write y: array<f32>

//! entry
  let c = i % params.c;
  let nb = i / params.c;
  let base = nb * params.hw * params.c + c;
  var sum = 0.0;
  var best = -3.4028234663852886e38;
  for (var p = 0u; p < params.hw; p++) {
    let v = x[base + p * params.c];
    sum += v;
    best = max(best, v);
  }
  y[i] = select(sum / f32(params.hw), best, MODE == 1u);
}
