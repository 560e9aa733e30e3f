// resize_forward — 2-D resize of an NHWC image as a separable filter: nearest (1 tap per axis), linear (2) or
// cubic (4); every ONNX coordinate transformation and rounding mode lives in the host-built tap tables.
// Math:   y[b,oy,ox,c] = Σ_{a<T} Σ_{e<T} wh[oy·T+a] · ww[ox·T+e] · x[b, ih[oy·T+a], iw[ox·T+e], c]
//         (ih, iw already clamped into the image). A row or column whose source lies outside the region
//         (tf_crop_and_resize) has ih or iw = −1 in its first tap: the output there is params.extrapolation.
//         Tables come from src/ops/resize.ts resizeTaps (float64, weights rounded to f32).
// Layout: x [N,H,W,C] NHWC, y [N,OH,OW,C]; ih i32 [OH·T], wh f32 [OH·T]; iw i32 [OW·T], ww f32 [OW·T].
// Thread: one output element per invocation, i = ((b·OH + oy)·OW + ox)·C + c. Overwrites y.

struct Params {
  n: u32,
  c: u32,
  in_hw: vec2<u32>,
  out_hw: vec2<u32>,
  extrapolation: f32,
}

override WG: u32 = 256u;
override TAPS: u32 = 2u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> ih: array<i32>;
@group(0) @binding(3) var<storage, read> wh: array<f32>;
@group(0) @binding(4) var<storage, read> iw: array<i32>;
@group(0) @binding(5) var<storage, read> ww: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let c = i % params.c;
  var r = i / params.c;
  let ox = r % params.out_hw.y;
  r = r / params.out_hw.y;
  let oy = r % params.out_hw.x;
  let b = r / params.out_hw.x;
  if (ih[oy * TAPS] < 0 || iw[ox * TAPS] < 0) {
    y[i] = params.extrapolation;
    return;
  }
  let base = b * params.in_hw.x;
  var acc = 0.0;
  for (var a = 0u; a < TAPS; a++) {
    let row = (base + u32(ih[oy * TAPS + a])) * params.in_hw.y;
    var racc = 0.0;
    for (var e = 0u; e < TAPS; e++) {
      racc += ww[ox * TAPS + e] * x[(row + u32(iw[ox * TAPS + e])) * params.c + c];
    }
    acc += wh[oy * TAPS + a] * racc;
  }
  y[i] = acc;
}
