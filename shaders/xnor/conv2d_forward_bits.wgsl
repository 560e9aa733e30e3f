// xnor/conv2d_forward_bits — binary convolution whose output stays packed: batch-norm + sign fused as a
// per-channel integer threshold on the dot product, so consecutive binary layers never leave b1 (as Larq Compute
// Engine does).
//
// Math:   dot[co] = Cin·(taps inside) − 2·popcount(x_bits xor w_bits)   (see xnor/conv2d_forward_float)
//         sign( a[co]·α[co]·dot + b[co] ) < 0  ⇔  (dot < thr[co]) ≠ flip[co]   (thresholds from xnorThresholds:
//         thr = ⌈−b/(aα)⌉, flip 0 when aα > 0; thr = ⌊−b/(aα)⌋ + 1, flip 1 when aα < 0), so the output bit is exact.
// Layout: x [N,H,W,⌈Cin/32⌉] u32 (b1), w [KH,KW,⌈Cin/32⌉,Cout] u32 read as vec4<u32> along Cout,
//         thr [Cout/4][2] vec4<i32> (threshold, flip), y [N,OH,OW,Cout/32] u32 (b1, bit co % 32 = 1 ⇔ −1).
//         Needs Cout % 32 == 0.
// Thread: i = ((n·OH + oh)·⌈OW/TW⌉ + owt)·(Cout/32) + co32 computes the words y[n, oh, owt·TW + t, co32] (32
//         channels each), t < TW. Overwrites y.

//! import xnor_conv_params

override WG: u32 = 64u;
override TW: u32 = 2u;
const MAX_TW: u32 = 4u;

//! uniform params: Params
//! read x: array<u32>
//! read w: array<vec4<u32>>
//! read thr: array<vec4<i32>>
//! read_write y: array<u32>

//! entry
  let cout4 = params.cout / 4u;
  let cout32 = params.cout / 32u;
  let tile = conv_tile(i, cout32, params.ow_tiles, params.geom.out_hw.x);
  let co32 = tile.blk; let owt = tile.owt; let oh = tile.oh; let nb = tile.n;
  let ow0 = owt * TW;
  // pop[t·8 + v]: popcounts of channels co32·32 + 4v .. +3 at column t
  var pop: array<vec4<u32>, 32>;
  var taps: array<u32, MAX_TW>;
  for (var t = 0u; t < TW; t++) {
    taps[t] = 0u;
    for (var v = 0u; v < 8u; v++) { pop[t * 8u + v] = vec4<u32>(0u); }
  }
  for (var kh = 0u; kh < params.geom.kernel.x; kh++) {
    let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    if (ih < 0 || ih >= params.geom.in_hw.x) { continue; }
    let xrow = (nb * u32(params.geom.in_hw.x) + u32(ih)) * u32(params.geom.in_hw.y);
    for (var kw = 0u; kw < params.geom.kernel.y; kw++) {
      let wbase = (kh * params.geom.kernel.y + kw) * params.c32 * cout4 + co32 * 8u;
      var xb: array<u32, MAX_TW>;
      var ok: array<bool, MAX_TW>;
      for (var t = 0u; t < TW; t++) {
        let iw = i32(ow0 + t) * params.geom.stride.y - params.geom.pad.y + i32(kw) * params.geom.dilation.y;
        ok[t] = iw >= 0 && iw < params.geom.in_hw.y;
        taps[t] += select(0u, 1u, ok[t]);
        xb[t] = (xrow + u32(max(iw, 0))) * params.c32;
      }
      for (var j = 0u; j < params.c32; j++) {
        let wb = wbase + j * cout4;
        var wv: array<vec4<u32>, 8>;
        for (var v = 0u; v < 8u; v++) { wv[v] = w[wb + v]; }
        for (var t = 0u; t < TW; t++) {
          if (!ok[t]) { continue; }
          let xv = vec4<u32>(x[xb[t] + j]);
          for (var v = 0u; v < 8u; v++) { pop[t * 8u + v] += countOneBits(xv ^ wv[v]); }
        }
      }
    }
  }
  for (var t = 0u; t < TW; t++) {
    if (ow0 + t >= params.geom.out_hw.y) { break; }
    var word = 0u;
    for (var v = 0u; v < 8u; v++) {
      let dot = vec4<i32>(i32(taps[t] * params.cin)) - 2 * vec4<i32>(pop[t * 8u + v]);
      let th = thr[2u * (co32 * 8u + v)];
      let flip = thr[2u * (co32 * 8u + v) + 1u];
      let neg = vec4<u32>((dot < th) != (flip != vec4<i32>(0)));
      word |= (neg.x | (neg.y << 1u) | (neg.z << 2u) | (neg.w << 3u)) << (4u * v);
    }
    y[((nb * params.geom.out_hw.x + oh) * params.geom.out_hw.y + ow0 + t) * cout32 + co32] = word;
  }
}
