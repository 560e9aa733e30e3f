// ${NAME} — int8 convolution (regular or grouped, any kernel, stride, padding, dilation) with
//! if DOT4
// requantization fused; products by dot4I8Packed (WGSL feature packed_4x8_integer_dot_product).
//! else
// requantization fused; products by unpack-and-multiply in core WGSL (no feature needed).
//! end
//
// Math:   acc[co] = qp.bias[co] + Σ_{kh,kw,ci<Cg} xq[n, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw, g·Cg + ci] · wq[kh,kw,ci,co]
//         (a tap outside the image reads the input zero point zx; qp.bias already holds round(b/(sx·sw)) − zx·Σw,
//          so padding contributes exactly 0),
//         yq = clamp(zy + requant(acc, m[co], s[co]), qmin, qmax)   (common/requant.wgsl; qmin/qmax carry ReLU/ReLU6).
// Layout: x  [N,H,W,⌈Cin/4⌉] u32: 4 int8 channels per word, channel c in byte c % 4 (q8, see graph/ir.ts);
//            groups > 1 needs Cg % 4 == 0 so that a group starts on a word.
//         w  [KH,KW,⌈Cg/4⌉,Cout] u32: word (kh,kw,j,co) holds wq[kh,kw,4j+k,co] in byte k (0 past Cg); read as
//            vec4<u32> along Cout (needs (Cout/groups) % 4 == 0).
//         qp [Cout/4][3] vec4<i32>: bias, m, s for channels 4·co4 .. 4·co4+3.
//         y  [N,OH,OW,Cout/4] u32 (q8).
// Thread: i = ((n·OH + oh)·⌈OW/TW⌉ + owt)·(Cout/4) + co4 computes the words y[n, oh, owt·TW + t, co4], t < TW
//         (columns past OW skipped). Overwrites y.
//! import int8_${FLAVOUR}
//! import requant

//! import conv_geom
struct Params {
  n: u32,
  cin4: u32,      // words per input pixel: ⌈Cin/4⌉
  cout: u32,
  groups: u32,
  cg4: u32,       // words per group of input channels: ⌈(Cin/groups)/4⌉
  geom: ConvGeom,
  ow_tiles: u32,
  x_zero_word: u32, // the input zero point in all four bytes: what a tap outside the image reads
  y_zero: i32,
  qmin: i32,
  qmax: i32,
}

override WG: u32 = 64u;
const TW: u32 = 4u;

//! uniform params: Params
//! read x: array<u32>
//! read w: array<vec4<u32>>
//! read qp: array<vec4<i32>>
//! read_write y: array<u32>

//! entry
  let cout4 = params.cout / 4u;
  let tile = conv_tile(i, cout4, params.ow_tiles, params.geom.out_hw.x);
  let co4 = tile.blk; let owt = tile.owt; let oh = tile.oh; let nb = tile.n;
  let g = (co4 * 4u) / (params.cout / params.groups);
  let ow0 = owt * TW;
  var acc: array<vec4<i32>, TW>;
  for (var t = 0u; t < TW; t++) { acc[t] = vec4<i32>(0); }
  for (var kh = 0u; kh < params.geom.kernel.x; kh++) {
    let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    let row_ok = ih >= 0 && ih < params.geom.in_hw.x;
    let xrow = (nb * u32(params.geom.in_hw.x) + u32(max(ih, 0))) * u32(params.geom.in_hw.y);
    for (var kw = 0u; kw < params.geom.kernel.y; kw++) {
      var xb: array<u32, TW>;
      var ok: array<bool, TW>;
      for (var t = 0u; t < TW; t++) {
        let iw = i32(ow0 + t) * params.geom.stride.y - params.geom.pad.y + i32(kw) * params.geom.dilation.y;
        ok[t] = row_ok && iw >= 0 && iw < params.geom.in_hw.y;
        xb[t] = select(0u, (xrow + u32(iw)) * params.cin4 + g * params.cg4, ok[t]);
      }
      let wbase = (kh * params.geom.kernel.y + kw) * params.cg4 * cout4 + co4;
      for (var j = 0u; j < params.cg4; j++) {
        let wv = w[wbase + j * cout4];
        for (var t = 0u; t < TW; t++) {
          let xv = select(params.x_zero_word, x[xb[t] + j], ok[t]);
          acc[t] += vec4<i32>(dot4i8(xv, wv.x), dot4i8(xv, wv.y), dot4i8(xv, wv.z), dot4i8(xv, wv.w));
        }
      }
    }
  }
  let bias = qp[3u * co4];
  let m = qp[3u * co4 + 1u];
  let s = qp[3u * co4 + 2u];
  for (var t = 0u; t < TW; t++) {
    if (ow0 + t >= params.geom.out_hw.y) { break; }
    let q = clamp(requant4(acc[t] + bias, m, s) + params.y_zero, vec4<i32>(params.qmin), vec4<i32>(params.qmax));
    y[((nb * params.geom.out_hw.x + oh) * params.geom.out_hw.y + ow0 + t) * cout4 + co4] = pack4i8(q);
  }
}
