// conv2d_forward_regtile — fp32 convolution with a register tile: 4 output channels × TW output columns per
// invocation, weights read as vec4 along Cout. Same math as conv2d_forward_direct:
//   y[n,oh,ow,co] = act( b[co] + Σ_{kh,kw,ci<Cg} x[n, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw, g·Cg + ci] · w[kh,kw,ci,co] )
// Layout: x [N,H,W,Cin] NHWC, w [KH,KW,Cin/groups,Cout] HWIO (read as vec4: needs (Cout/groups) % 4 == 0),
//         b [Cout], y [N,OH,OW,Cout].
// Thread: i = ((n·OH + oh)·⌈OW/TW⌉ + owt)·(Cout/4) + co4 computes y[n, oh, owt·TW + t, 4·co4 .. 4·co4+3]
//         for t < TW (columns past OW are skipped). Overwrites y.
// VEC_IN = 1 additionally reads x as vec4 along channels (needs Cg % 4 == 0 and Cin % 4 == 0).
//! import activation

struct Params {
  n: u32,
  cin: u32,
  cout: u32,
  groups: u32,
  in_hw: vec2<i32>,
  out_hw: vec2<u32>,
  kernel: vec2<u32>,
  stride: vec2<i32>,
  pad: vec2<i32>,
  dilation: vec2<i32>,
  ow_tiles: u32,
}

override WG: u32 = 64u;
override VEC_IN: u32 = 0u;
const TW: u32 = 4u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let cout4 = params.cout / 4u;
  let co4 = i % cout4;
  var r = i / cout4;
  let owt = r % params.ow_tiles;
  r = r / params.ow_tiles;
  let oh = r % params.out_hw.x;
  let nb = r / params.out_hw.x;
  let cg = params.cin / params.groups;
  let g = (co4 * 4u) / (params.cout / params.groups);
  let ow0 = owt * TW;
  var acc: array<vec4<f32>, TW>;
  for (var t = 0u; t < TW; t++) { acc[t] = vec4<f32>(0.0); }
  for (var kh = 0u; kh < params.kernel.x; kh++) {
    let ih = i32(oh) * params.stride.x - params.pad.x + i32(kh) * params.dilation.x;
    if (ih < 0 || ih >= params.in_hw.x) { continue; }
    let xrow = (nb * u32(params.in_hw.x) + u32(ih)) * u32(params.in_hw.y);
    for (var kw = 0u; kw < params.kernel.y; kw++) {
      // Which of the TW columns read inside the image, and where their channels start.
      var xb: array<u32, TW>;
      var ok: array<bool, TW>;
      for (var t = 0u; t < TW; t++) {
        let iw = i32(ow0 + t) * params.stride.y - params.pad.y + i32(kw) * params.dilation.y;
        ok[t] = iw >= 0 && iw < params.in_hw.y && ow0 + t < params.out_hw.y;
        xb[t] = (xrow + u32(max(iw, 0))) * params.cin + g * cg;
      }
      let wbase = (kh * params.kernel.y + kw) * cg * cout4 + co4;
      if (VEC_IN == 1u) {
        for (var ci = 0u; ci < cg; ci += 4u) {
          let wb = wbase + ci * cout4;
          let w0 = w[wb];
          let w1 = w[wb + cout4];
          let w2 = w[wb + 2u * cout4];
          let w3 = w[wb + 3u * cout4];
          for (var t = 0u; t < TW; t++) {
            if (!ok[t]) { continue; }
            let o = xb[t] + ci;
            acc[t] += x[o] * w0 + x[o + 1u] * w1 + x[o + 2u] * w2 + x[o + 3u] * w3;
          }
        }
      } else {
        for (var ci = 0u; ci < cg; ci++) {
          let wv = w[wbase + ci * cout4];
          for (var t = 0u; t < TW; t++) {
            if (ok[t]) { acc[t] += x[xb[t] + ci] * wv; }
          }
        }
      }
    }
  }
  let bias = b[co4];
  for (var t = 0u; t < TW; t++) {
    if (ow0 + t >= params.out_hw.y) { break; }
    y[((nb * params.out_hw.x + oh) * params.out_hw.y + ow0 + t) * cout4 + co4] = activate4(acc[t] + bias);
  }
}
