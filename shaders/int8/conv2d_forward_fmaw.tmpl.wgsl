// ${NAME} — int8 convolution (regular or grouped, any kernel, stride, padding, dilation) for layers with few input
// channels per group (the Cin = 3 first layer, ShuffleNet's 20-channel groups): the int8 weights are handed over as
// exact f32 integers (a copy made once at compile time from the packed words, int8WeightsF32 in src/ops/int8.ts), so
// a k-step loads them as vec4 along Cout with no unpacking; only the packed activations are unpacked (once per word,
// shared by the ${CB}·4 channels of the tile). ${ROWS} output columns × ${CB}·4 channels in named registers, as the fp32
// conv/conv2d_forward_unrolled tiles (one load per ${ROWS} or ${CB}·4 multiply-adds).
//
// Math:   acc[co] = qp.bias[co] + Σ_{kh,kw,ci<Cg} xq[n, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw, g·Cg + ci] · wq[kh,kw,ci,co]
//         (a tap outside the image reads the input zero point zx; qp.bias holds round(b/(sx·sw)) − zx·Σw),
//         yq = clamp(zy + requant(acc, m[co], s[co]), qmin, qmax)   (common/requant.wgsl: requant4_s17, so every channel must have s ≥ 17,
//         M < 2^−2, which the plan checks on the table; the full requant4 inlined once per store made the pipeline
//         take minutes to compile on SwiftShader).
//         Activations unpack to b·2^24 (common/int8_f32.wgsl) and weights are plain integers, so a product is
//         b·w·2^24 with |b·w| ≤ 2^14: the f32 sum is exact while |Σ b·w| < 2^24, i.e. over at most FLUSH4 words
//         (4·FLUSH4 products, FLUSH4 ≤ 256); it is then scaled by 2^−24 (exact) into an i32 accumulator. The f32 sums
//         carry across taps and are flushed after a chunk when the next one could pass FLUSH4 words.
// Layout: x  [N,H,W,⌈Cin/4⌉] u32 (q8; groups > 1 needs Cg % 4 == 0),
//         wf [KH,KW,⌈Cg/4⌉,${LANES},Cout] f32 (exact integers; read as vec4 along Cout, (Cout/groups) % ${CB}·4 == 0;
//            ${LANES} < 4 only for Cg ≤ ${LANES}: the lanes past Cg are never read),
//         qp [Cout/4][3] vec4<i32> (bias, m, s), y [N,OH,OW,Cout/4] u32 (q8).
// Thread: i = ((n·OH + oh)·⌈OW/${ROWS}⌉ + owt)·(Cout/(${CB}·4)) + cb computes the words
//         y[n, oh, owt·${ROWS} + r, ${CB}·cb + c], r < ${ROWS}, c < ${CB} (columns past OW computed on a clamped column and
//         not stored). Overwrites y.
//! import int8_unpack
//! import int8_f32
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
override FLUSH4: u32 = 256u; // words summed in f32 before the i32 flush (≤ 256 keeps every sum exact)
const UNSCALE_W: f32 = 0x1p-24f; // the scale of (unpacked activation) · (plain integer weight)

//! uniform params: Params
//! read x: array<u32>
//! read wf: array<vec4<f32>>
//! read qp: array<vec4<i32>>
//! read_write y: array<u32>

fn store4(idx: u32, c4: u32, a: vec4<i32>) {
  let acc = a + qp[3u * c4];
  let r = requant4_s17(acc, qp[3u * c4 + 1u], qp[3u * c4 + 2u]);
  y[idx] = pack4i8(clamp(r + params.y_zero, vec4<i32>(params.qmin), vec4<i32>(params.qmax)));
}

//! entry
  let cout4 = params.cout / 4u;
  let tile = conv_tile(i, params.cout / (${CB}u * 4u), params.ow_tiles, params.geom.out_hw.x);
  let c4 = tile.blk * ${CB}u;
  let g = (c4 * 4u) / (params.cout / params.groups);
  let ow0 = tile.owt * ${ROWS}u;
  let sw = params.geom.stride.y;
  let W = params.geom.in_hw.y;
  let xz = params.x_zero_word;
//! for r in 0..ROWS
//! for c in 0..CB
  var a${r}_${c} = vec4<i32>(0);
  var f${r}_${c} = vec4<f32>(0.0);
//! end
//! end
  var words = 0u; // words summed in f32 since the last flush
  let chunk = min(FLUSH4, params.cg4); // the most words one chunk adds
  for (var kh = 0u; kh < params.geom.kernel.x; kh++) {
    let ih = i32(tile.oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    let row_ok = ih >= 0 && ih < params.geom.in_hw.x;
    let xrow = (tile.n * u32(params.geom.in_hw.x) + u32(clamp(ih, 0, params.geom.in_hw.x - 1))) * u32(W);
    for (var kw = 0u; kw < params.geom.kernel.y; kw++) {
      let iw = i32(ow0) * sw - params.geom.pad.y + i32(kw) * params.geom.dilation.y;
//! for r in 0..ROWS
      let ok${r} = row_ok && iw + ${r} * sw >= 0 && iw + ${r} * sw < W;
      let xb${r} = (xrow + u32(clamp(iw + ${r} * sw, 0, W - 1))) * params.cin4 + g * params.cg4;
//! end
      var wb = (kh * params.geom.kernel.y + kw) * params.cg4 * ${LANES}u * cout4 + c4;
      for (var j0 = 0u; j0 < params.cg4; j0 += FLUSH4) {
        let j1 = min(j0 + FLUSH4, params.cg4);
        for (var j = j0; j < j1; j++) {
//! for k in 0..LANES
//! for c in 0..CB
          let w${k}_${c} = wf[wb + ${k}u * cout4 + ${c}u];
//! end
//! end
          wb += ${LANES}u * cout4;
//! for r in 0..ROWS
          let v${r} = unpack4f(select(xz, x[xb${r} + j], ok${r}));
//! for c in 0..CB
//! if LANES3
          f${r}_${c} += v${r}.x * w0_${c} + v${r}.y * w1_${c} + v${r}.z * w2_${c};
//! else
          f${r}_${c} += v${r}.x * w0_${c} + v${r}.y * w1_${c} + v${r}.z * w2_${c} + v${r}.w * w3_${c};
//! end
//! end
//! end
        }
        words += j1 - j0;
        if (words + chunk > FLUSH4) {
//! for r in 0..ROWS
//! for c in 0..CB
          a${r}_${c} += vec4<i32>(f${r}_${c} * UNSCALE_W);
          f${r}_${c} = vec4<f32>(0.0);
//! end
//! end
          words = 0u;
        }
      }
    }
  }
  let OW = params.geom.out_hw.y;
  let ybase = ((tile.n * params.geom.out_hw.x + tile.oh) * OW + ow0) * cout4 + c4;
//! for r in 0..ROWS
  if (ow0 + ${r}u < OW) {
//! for c in 0..CB
    store4(ybase + ${r}u * cout4 + ${c}u, c4 + ${c}u, a${r}_${c} + vec4<i32>(f${r}_${c} * UNSCALE_W));
//! end
  }
//! end
}
