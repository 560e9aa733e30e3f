// depthwise_forward_3x3 — depthwise 3×3 convolution (dilation 1, stride STRIDE ∈ {1, 2}) that loads each input
// column of a row once for all four output columns it serves: 6 loads per row at stride 1, 9 at stride 2, instead
// of 12 in depthwise_forward_regtile (loads, not arithmetic, bound depthwise layers).
//
// Math:   y[n,oh,ow,c] = act( b[c] + Σ_{kh,kw<3} x[n, oh·s − ph + kh, ow·s − pw + kw, c] · w[kh,kw,c] )
// Layout: x [N,H,W,C] NHWC, w [3,3,C], b [C], y [N,OH,OW,C]; read as vec4 along C (C % 4 == 0).
// Thread: i = ((n·OH + oh)·⌈OW/4⌉ + owt)·(C/4) + c4 computes y[n, oh, 4·owt + t, 4·c4 .. 4·c4+3], t < 4.
//         Overwrites y.
//! import activation

//! import conv_geom
struct Params {
  n: u32,
  c: u32,
  in_hw: vec2<i32>,
  out_hw: vec2<u32>,
  pad: vec2<i32>,
  ow_tiles: u32,
}

override WG: u32 = 64u;
override STRIDE: u32 = 1u;

//! uniform params: Params
//! read x: array<vec4<f32>>
//! read w: array<vec4<f32>>
//! read b: array<vec4<f32>>
//! read_write y: array<vec4<f32>>

// x at column iw of the row starting at pixel `row`, or 0 outside the image (the padding)
fn ld(row: u32, iw: i32, c4: u32, c4n: u32) -> vec4<f32> {
  if (iw < 0 || iw >= params.in_hw.y) { return vec4<f32>(0.0); }
  return x[(row + u32(iw)) * c4n + c4];
}

//! entry
  let c4n = params.c / 4u;
  let tile = conv_tile(i, c4n, params.ow_tiles, params.out_hw.x);
  let c4 = tile.blk; let owt = tile.owt; let oh = tile.oh; let nb = tile.n;
  let ow0 = owt * 4u;
  let s = i32(STRIDE);
  let iw = i32(ow0) * s - params.pad.y;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var kh = 0; kh < 3; kh++) {
    let ih = i32(oh) * s - params.pad.x + kh;
    if (ih < 0 || ih >= params.in_hw.x) { continue; }
    let row = (nb * u32(params.in_hw.x) + u32(ih)) * u32(params.in_hw.y);
    let wb = u32(kh) * 3u * c4n + c4;
    let w0 = w[wb];
    let w1 = w[wb + c4n];
    let w2 = w[wb + 2u * c4n];
    let v0 = ld(row, iw, c4, c4n);
    let v1 = ld(row, iw + 1, c4, c4n);
    let v2 = ld(row, iw + 2, c4, c4n);
    let v3 = ld(row, iw + 3, c4, c4n);
    let v4 = ld(row, iw + 4, c4, c4n);
    let v5 = ld(row, iw + 5, c4, c4n);
    if (STRIDE == 1u) {
      acc0 += v0 * w0 + v1 * w1 + v2 * w2;
      acc1 += v1 * w0 + v2 * w1 + v3 * w2;
      acc2 += v2 * w0 + v3 * w1 + v4 * w2;
      acc3 += v3 * w0 + v4 * w1 + v5 * w2;
    } else {
      let v6 = ld(row, iw + 6, c4, c4n);
      let v7 = ld(row, iw + 7, c4, c4n);
      let v8 = ld(row, iw + 8, c4, c4n);
      acc0 += v0 * w0 + v1 * w1 + v2 * w2;
      acc1 += v2 * w0 + v3 * w1 + v4 * w2;
      acc2 += v4 * w0 + v5 * w1 + v6 * w2;
      acc3 += v6 * w0 + v7 * w1 + v8 * w2;
    }
  }
  let bias = b[c4];
  let ybase = (nb * params.out_hw.x + oh) * params.out_hw.y + ow0;
  y[ybase * c4n + c4] = activate4(acc0 + bias);
  if (ow0 + 1u < params.out_hw.y) { y[(ybase + 1u) * c4n + c4] = activate4(acc1 + bias); }
  if (ow0 + 2u < params.out_hw.y) { y[(ybase + 2u) * c4n + c4] = activate4(acc2 + bias); }
  if (ow0 + 3u < params.out_hw.y) { y[(ybase + 3u) * c4n + c4] = activate4(acc3 + bias); }
}
