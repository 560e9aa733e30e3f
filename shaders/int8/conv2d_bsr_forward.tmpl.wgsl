// ${NAME} — int8 convolution with block-sparse weights (BSR, blocks of BR = 4·BR4 output channels × BC input
// channels of one tap); only non-zero blocks are read; requantization fused.
//! if FMA
// Products in f32 ('fma' flavour): packed words unpacked to f32 in registers (common/int8_f32.wgsl, values times
// 2^24, products times 2^48, exact), multiplied-added in f32 vec4 lanes; the f32 sums are converted (times 2^−48)
// and added to i32 accumulators whenever the next block could take them past FLUSH4 words (4·FLUSH4 products,
// |partial| ≤ 2^24 for FLUSH4 = 256: exact), and at the end.
//! else
//! if DOT4
// Products by dot4I8Packed (WGSL feature packed_4x8_integer_dot_product).
//! else
// Products by unpack-and-multiply in core WGSL (no feature needed).
//! end
//! end
//
// Math:   Wm[co, k], k = (kh·KW + kw)·Cin + ci (HWIO order, groups = 1), int8 in BSR (src/ops/block_sparse.ts);
//         acc[co] = qp.bias[co] + Σ_{b in row co/BR} Σ_{j<BC} xq[n, ih(tap), iw(tap), ci0 + j] · wq[b][j][co mod BR]
//         (a tap outside the image reads the input zero point zx; qp.bias holds round(b/(sx·sw)) − zx·Σw, so
//          padding contributes exactly 0, as in int8/conv2d_forward),
//         yq = clamp(zy + requant(acc, m[co], s[co]), qmin, qmax)   (common/requant.wgsl; qmin/qmax carry ReLU/ReLU6).
// Layout: x   [N,H,W,Cin/4] u32 (q8; Cin % BC == 0), idx u32 = rowptr [Cout/BR + 1] then one code per block
//             (kh << 24 | kw << 16 | ci0/4: the block's tap and first input channel),
//         val [nnzb][BC/4][BR] u32: word (b, j4, q) holds wq[b][4·j4 + k][q] in byte k; read as vec4<u32> along
//             the block's rows,
//         qp  [Cout/4][3] vec4<i32>: bias, m, s (int8ConvTables), y [N,OH,OW,Cout/4] u32 (q8).
// Thread: i = ((n·OH + oh)·⌈OW/4⌉ + owt)·(Cout/BR) + br computes the words y[n, oh, 4·owt + t, br·BR4 + v],
//         t < 4 (columns past OW skipped), v < BR4, in named registers a_t, b_t. Overwrites y.
//! import int8_${FLAVOUR}
//! if FMA
//! import int8_f32
//! end
//! import requant

//! import conv_geom
struct Params {
  n: u32,
  cin4: u32,
  cout: u32,
  geom: ConvGeom,
  ow_tiles: u32,
  x_zero_word: u32, // the input zero point in all four bytes: what a tap outside the image reads
  y_zero: i32,
  qmin: i32,
  qmax: i32,
}

override WG: u32 = 64u;
override BR4: u32 = 1u;   // 1: 4×BC blocks, 2: 8×BC blocks
override BC: u32 = 4u;    // 4 or 8
//! if FMA
override FLUSH4: u32 = 256u; // words summed in f32 before the i32 flush (≤ 256 keeps every sum exact)
//! end

//! uniform params: Params
//! read x: array<u32>
//! read idx: array<u32>
//! read val: array<vec4<u32>>
//! read qp: array<vec4<i32>>
//! read_write y: array<u32>

fn dot4v(xv: u32, w: vec4<u32>) -> vec4<i32> {
  return vec4<i32>(dot4i8(xv, w.x), dot4i8(xv, w.y), dot4i8(xv, w.z), dot4i8(xv, w.w));
}

fn store(ow: u32, base: u32, co4: u32, a: vec4<i32>) {
  if (ow >= params.geom.out_hw.y) { return; }
  let q = requant4(a + qp[3u * co4], qp[3u * co4 + 1u], qp[3u * co4 + 2u]) + params.y_zero;
  y[base] = pack4i8(clamp(q, vec4<i32>(params.qmin), vec4<i32>(params.qmax)));
}

//! entry
  let nbr = params.cout / (4u * BR4);
  let tile = conv_tile(i, nbr, params.ow_tiles, params.geom.out_hw.x);
  let br = tile.blk; let owt = tile.owt; let oh = tile.oh; let nb = tile.n;
  let ow0 = owt * 4u;
  let zero = vec4<i32>(0);
//! for t in 0..4
  var a${t} = zero; var b${t} = zero;
//! end
//! if FMA
//! for t in 0..4
  var fa${t} = vec4<f32>(0.0); var fb${t} = vec4<f32>(0.0);
//! end
  var words = 0u; // words summed in f32 since the last flush
  let xzf = unpack4f(params.x_zero_word);
//! end
  let first = idx[br];
  let end = idx[br + 1u];
  for (var blk = first; blk < end; blk++) {
    let code = idx[nbr + 1u + blk]; // kh << 24 | kw << 16 | first input channel / 4
    let c40 = code & 0xffffu;
    let kh = code >> 24u;
    let kw = (code >> 16u) & 0xffu;
    let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    let row_ok = ih >= 0 && ih < params.geom.in_hw.x;
    let xrow = i32((nb * u32(params.geom.in_hw.x) + u32(clamp(ih, 0, params.geom.in_hw.x - 1))) * u32(params.geom.in_hw.y));
    let iw0 = i32(ow0) * params.geom.stride.y - params.geom.pad.y + i32(kw) * params.geom.dilation.y;
    let sw = params.geom.stride.y;
    let lim = params.geom.in_hw.y;
//! for t in 0..4
    let ok${t} = row_ok && iw0 + ${t} * sw >= 0 && iw0 + ${t} * sw < lim;
    let x${t} = u32(xrow + clamp(iw0 + ${t} * sw, 0, lim - 1)) * params.cin4 + c40;
//! end
    for (var j4 = 0u; j4 < BC / 4u; j4++) {
      let vb = (blk * (BC / 4u) + j4) * BR4;
      let p = val[vb];
//! if FMA
      let p0 = lane4f(p, 0u); let p1 = lane4f(p, 1u); let p2 = lane4f(p, 2u); let p3 = lane4f(p, 3u);
//! for t in 0..4
      let v${t} = select(xzf, unpack4f(x[x${t} + j4]), ok${t});
      fa${t} += v${t}.x * p0 + v${t}.y * p1 + v${t}.z * p2 + v${t}.w * p3;
//! end
      if (BR4 == 2u) {
        let q = val[vb + 1u];
        let q0 = lane4f(q, 0u); let q1 = lane4f(q, 1u); let q2 = lane4f(q, 2u); let q3 = lane4f(q, 3u);
//! for t in 0..4
        fb${t} += v${t}.x * q0 + v${t}.y * q1 + v${t}.z * q2 + v${t}.w * q3;
//! end
      }
//! else
//! for t in 0..4
      let v${t} = select(params.x_zero_word, x[x${t} + j4], ok${t});
      a${t} += dot4v(v${t}, p);
//! end
      if (BR4 == 2u) {
        let q = val[vb + 1u];
//! for t in 0..4
        b${t} += dot4v(v${t}, q);
//! end
      }
//! end
    }
//! if FMA
    words += BC / 4u;
    if (words + BC / 4u > FLUSH4) {
//! for t in 0..4
      a${t} += vec4<i32>(fa${t} * UNSCALE); b${t} += vec4<i32>(fb${t} * UNSCALE);
      fa${t} = vec4<f32>(0.0); fb${t} = vec4<f32>(0.0);
//! end
      words = 0u;
    }
//! end
  }
//! if FMA
//! for t in 0..4
  a${t} += vec4<i32>(fa${t} * UNSCALE); b${t} += vec4<i32>(fb${t} * UNSCALE);
//! end
//! end
  let c4n = params.cout / 4u;
  let base = ((nb * params.geom.out_hw.x + oh) * params.geom.out_hw.y + ow0) * c4n + br * BR4;
//! for t in 0..4
  store(ow0 + ${t}u, base + ${t}u * c4n, br * BR4, a${t});
  if (BR4 == 2u) { store(ow0 + ${t}u, base + ${t}u * c4n + 1u, br * BR4 + 1u, b${t}); }
//! end
}
