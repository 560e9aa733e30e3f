// conv2d_forward_regtile — fp32 convolution with a register tile: 4 output channels × TW output columns per
// invocation, weights read as vec4 along Cout. Same math as conv2d_forward_direct:
//   y[n,oh,ow,co] = act( b[co] + Σ_{kh,kw,ci<Cg} x[n, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw, g·Cg + ci] · w[kh,kw,ci,co] )
// Layout: x [N,H,W,Cin] NHWC, w [KH,KW,Cin/groups,Cout] HWIO (read as vec4: needs (Cout/groups) % 4 == 0),
//         b [Cout], y [N,OH,OW,Cout].
// Thread: i = ((n·OH + oh)·⌈OW/TW⌉ + owt)·(Cout/4) + co4 computes y[n, oh, owt·TW + t, 4·co4 .. 4·co4+3]
//         for t < TW (columns past OW are skipped). Overwrites y.
// VEC_IN = 1 additionally reads x as vec4 along channels (needs Cg % 4 == 0 and Cin % 4 == 0).
//! import activation

//! import conv_geom
struct Params {
  n: u32,
  cin: u32,
  cout: u32,
  groups: u32,
  geom: ConvGeom,
  ow_tiles: u32,
}

override WG: u32 = 64u;
override VEC_IN: u32 = 0u;
const TW: u32 = 4u;

//! uniform params: Params
//! read x: array<f32>
//! read w: array<vec4<f32>>
//! read b: array<vec4<f32>>
//! read_write y: array<vec4<f32>>

//! entry
  let cout4 = params.cout / 4u;
  let tile = conv_tile(i, cout4, params.ow_tiles, params.geom.out_hw.x);
  let co4 = tile.blk; let owt = tile.owt; let oh = tile.oh; let nb = tile.n;
  let cg = params.cin / params.groups;
  let g = (co4 * 4u) / (params.cout / params.groups);
  let ow0 = owt * TW;
  // four output columns held in named registers (no private array: see pointwise_forward_unrolled.tmpl);
  // a column past OW or a tap outside the image contributes nothing (ok0..ok3)
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  let iwStart = i32(ow0) * params.geom.stride.y - params.geom.pad.y;
  let sw = params.geom.stride.y;
  let W = params.geom.in_hw.y;
  for (var kh = 0u; kh < params.geom.kernel.x; kh++) {
    let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    if (ih < 0 || ih >= params.geom.in_hw.x) { continue; }
    let xrow = (nb * u32(params.geom.in_hw.x) + u32(ih)) * u32(W);
    for (var kw = 0u; kw < params.geom.kernel.y; kw++) {
      let iw = iwStart + i32(kw) * params.geom.dilation.y;
      let ok0 = iw >= 0 && iw < W;
      let ok1 = iw + sw >= 0 && iw + sw < W && ow0 + 1u < params.geom.out_hw.y;
      let ok2 = iw + 2 * sw >= 0 && iw + 2 * sw < W && ow0 + 2u < params.geom.out_hw.y;
      let ok3 = iw + 3 * sw >= 0 && iw + 3 * sw < W && ow0 + 3u < params.geom.out_hw.y;
      let off = g * cg;
      let xb0 = (xrow + u32(max(iw, 0))) * params.cin + off;
      let xb1 = (xrow + u32(max(iw + sw, 0))) * params.cin + off;
      let xb2 = (xrow + u32(max(iw + 2 * sw, 0))) * params.cin + off;
      let xb3 = (xrow + u32(max(iw + 3 * sw, 0))) * params.cin + off;
      let wbase = (kh * params.geom.kernel.y + kw) * cg * cout4 + co4;
      if (VEC_IN == 1u) {
        for (var ci = 0u; ci < cg; ci += 4u) {
          let wb = wbase + ci * cout4;
          let w0 = w[wb];
          let w1 = w[wb + cout4];
          let w2 = w[wb + 2u * cout4];
          let w3 = w[wb + 3u * cout4];
          if (ok0) { acc0 += x[xb0 + ci] * w0 + x[xb0 + ci + 1u] * w1 + x[xb0 + ci + 2u] * w2 + x[xb0 + ci + 3u] * w3; }
          if (ok1) { acc1 += x[xb1 + ci] * w0 + x[xb1 + ci + 1u] * w1 + x[xb1 + ci + 2u] * w2 + x[xb1 + ci + 3u] * w3; }
          if (ok2) { acc2 += x[xb2 + ci] * w0 + x[xb2 + ci + 1u] * w1 + x[xb2 + ci + 2u] * w2 + x[xb2 + ci + 3u] * w3; }
          if (ok3) { acc3 += x[xb3 + ci] * w0 + x[xb3 + ci + 1u] * w1 + x[xb3 + ci + 2u] * w2 + x[xb3 + ci + 3u] * w3; }
        }
      } else {
        for (var ci = 0u; ci < cg; ci++) {
          let wv = w[wbase + ci * cout4];
          if (ok0) { acc0 += x[xb0 + ci] * wv; }
          if (ok1) { acc1 += x[xb1 + ci] * wv; }
          if (ok2) { acc2 += x[xb2 + ci] * wv; }
          if (ok3) { acc3 += x[xb3 + ci] * wv; }
        }
      }
    }
  }
  let bias = b[co4];
  let ybase = (nb * params.geom.out_hw.x + oh) * params.geom.out_hw.y + ow0;
  y[ybase * cout4 + co4] = activate4(acc0 + bias);
  if (ow0 + 1u < params.geom.out_hw.y) { y[(ybase + 1u) * cout4 + co4] = activate4(acc1 + bias); }
  if (ow0 + 2u < params.geom.out_hw.y) { y[(ybase + 2u) * cout4 + co4] = activate4(acc2 + bias); }
  if (ow0 + 3u < params.geom.out_hw.y) { y[(ybase + 3u) * cout4 + co4] = activate4(acc3 + bias); }
}
