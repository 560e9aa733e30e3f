// ${NAME} — int8 convolution (regular or grouped, any kernel, stride, padding, dilation) for layers with a short
// reduction (the first conv: 3 input channels; ShuffleNet's groups of 20): a ${COLS} output columns × ${CH} channels
// register tile in named f32 registers, packed int8 activations and weights unpacked to f32 in registers and
// multiplied-added in f32, and the whole reduction summed in f32 with no i32 flush (one chunk: exact, see Math).
// Requantization fused, its per-channel constants loaded once per invocation.
//
// Math:   acc[co] = qp.bias[co] + Σ_{kh,kw,ci<Cg} xq[n, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw, g·Cg + ci] · wq[kh,kw,ci,co]
//         (a tap outside the image reads the input zero point zx; qp.bias holds round(b/(sx·sw)) − zx·Σw),
//         yq = clamp(zy + requant(acc, m[co], s[co]), qmin, qmax)   (common/requant.wgsl).
//         Values are unpacked as b·2^24 (common/int8_f32.wgsl), so a product is b·b'·2^48 with |b·b'| ≤ 2^14; the
//         f32 sum of KH·KW·⌈Cg/4⌉ ≤ 256 words (≤ 1024 products, |Σ| ≤ 2^24·2^48) is exact, and times 2^−48 it is the
//         integer sum. The planner offers this kernel only when KH·KW·⌈Cg/4⌉ ≤ FLUSH4 (256).
//! if L3
//         Lane 3 of every weight word is zero padding (Cg ≤ 3), so its products are skipped (they add 0).
//! end
//! if REQF
//         requantf (common/requant.wgsl: no per-channel shift counts), offered where int8RequantF32Exact holds.
//! else
//         requant4.
//! end
// Layout: x  [N,H,W,⌈Cin/4⌉] u32 (q8; groups > 1 needs Cg % 4 == 0),
//         w  [KH,KW,⌈Cg/4⌉,Cout] u32: byte k of word (kh,kw,j,co) = wq[kh,kw,4j+k,co]; read as vec4<u32> along Cout
//            (needs (Cout/groups) % ${CH} == 0),
//         qp [Cout/4][3] vec4<i32> (bias, m, s), y [N,OH,OW,Cout/4] u32 (q8).
// Thread: i = ((n·OH + oh)·⌈OW/${COLS}⌉ + owt)·(Cout/${CH}) + cb computes the words y[n, oh, owt·${COLS} + t, ${CB}·cb + c],
//         t < ${COLS}, c < ${CB} (columns past OW computed on a clamped column and not stored). Per tap and word:
//         ${COLS} x words and ${CB} w vec4 words unpacked, ${COLS}·${CB} × (3 or 4) vec4 multiply-adds. Overwrites y.
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

//! uniform params: Params
//! read x: array<u32>
//! read w: array<vec4<u32>>
//! read qp: array<vec4<i32>>
//! read_write y: array<u32>

//! entry
  let cout4 = params.cout / 4u;
  let tile = conv_tile(i, params.cout / ${CH}u, params.ow_tiles, params.geom.out_hw.x);
  let c4 = ${CB}u * tile.blk;
  let g = (c4 * 4u) / (params.cout / params.groups);
  let ow0 = tile.owt * ${COLS}u;
  let sw = params.geom.stride.y;
  let W = params.geom.in_hw.y;
  let xz = params.x_zero_word;
  let iw0 = i32(ow0) * sw - params.geom.pad.y;
  let off = g * params.cg4;
//! for t in 0..COLS
//! for c in 0..CB
  var f${t}_${c} = vec4<f32>(0.0);
//! end
//! end
  for (var kh = 0u; kh < params.geom.kernel.x; kh++) {
    let ih = i32(tile.oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    let row_ok = ih >= 0 && ih < params.geom.in_hw.x;
    let xrow = (tile.n * u32(params.geom.in_hw.x) + u32(clamp(ih, 0, params.geom.in_hw.x - 1))) * u32(W);
    for (var kw = 0u; kw < params.geom.kernel.y; kw++) {
      let iw = iw0 + i32(kw) * params.geom.dilation.y;
//! for t in 0..COLS
      let ok${t} = row_ok && iw + ${t} * sw >= 0 && iw + ${t} * sw < W;
      let xb${t} = (xrow + u32(clamp(iw + ${t} * sw, 0, W - 1))) * params.cin4 + off;
//! end
      var wb = (kh * params.geom.kernel.y + kw) * params.cg4 * cout4 + c4;
      for (var j = 0u; j < params.cg4; j++) {
//! for c in 0..CB
        let p${c} = w[wb + ${c}u];
        let p${c}_0 = lane4f(p${c}, 0u); let p${c}_1 = lane4f(p${c}, 1u); let p${c}_2 = lane4f(p${c}, 2u);
//! if L3
//! else
        let p${c}_3 = lane4f(p${c}, 3u);
//! end
//! end
        wb += cout4;
//! for t in 0..COLS
        let v${t} = unpack4f(select(xz, x[xb${t} + j], ok${t}));
//! for c in 0..CB
//! if L3
        f${t}_${c} += v${t}.x * p${c}_0 + v${t}.y * p${c}_1 + v${t}.z * p${c}_2;
//! else
        f${t}_${c} += v${t}.x * p${c}_0 + v${t}.y * p${c}_1 + v${t}.z * p${c}_2 + v${t}.w * p${c}_3;
//! end
//! end
//! end
      }
    }
  }
  // requantization constants, once per channel word
//! for c in 0..CB
//! if REQF
  let rq${c} = requantf_load(qp[3u * (c4 + ${c}u)], qp[3u * (c4 + ${c}u) + 1u], qp[3u * (c4 + ${c}u) + 2u]);
//! else
  let bias${c} = qp[3u * (c4 + ${c}u)];
  let m${c} = qp[3u * (c4 + ${c}u) + 1u];
  let s${c} = qp[3u * (c4 + ${c}u) + 2u];
//! end
//! end
//! if REQF
  let zy = vec4<f32>(f32(params.y_zero));
  let lo = vec4<f32>(f32(params.qmin));
  let hi = vec4<f32>(f32(params.qmax));
//! else
  let lo = vec4<i32>(params.qmin);
  let hi = vec4<i32>(params.qmax);
//! end
  let OW = params.geom.out_hw.y;
  let ybase = ((tile.n * params.geom.out_hw.x + tile.oh) * OW + ow0) * cout4 + c4;
//! for t in 0..COLS
  if (ow0 + ${t}u < OW) {
//! for c in 0..CB
//! if REQF
    y[ybase + ${t}u * cout4 + ${c}u] = pack4i8f(clamp(requantf(vec4<i32>(f${t}_${c} * UNSCALE), rq${c}) + zy, lo, hi));
//! else
    let a${t}_${c} = vec4<i32>(f${t}_${c} * UNSCALE) + bias${c};
    y[ybase + ${t}u * cout4 + ${c}u] = pack4i8(clamp(requant4(a${t}_${c}, m${c}, s${c}) + params.y_zero, lo, hi));
//! end
//! end
  }
//! end
}
