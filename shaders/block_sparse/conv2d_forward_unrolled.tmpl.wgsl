// ${NAME} — block_sparse/conv2d_forward_rows4 with its tile (${COLS} output columns × BR channels, BR = 4·BR4 ∈
// {4, 8}) in named registers (a_t, b_t for column t: SwiftShader keeps dynamically indexed private arrays in
// memory); only non-zero blocks are read. More columns per invocation: more reuse of each weight block.
//
// Math:   Wm[co, k], k = (kh·KW + kw)·Cin + ci, in BSR with BR × BC blocks (Cin % BC == 0: a block is one tap);
//         y[n,oh,ow,co] = act( bias[co] + Σ_{b in row co/BR} Σ_{j<BC} x[n, ih(tap), iw(tap), ci0 + j]·val[b][j][co mod BR] )
//         (x outside the image reads as 0).
// Layout: x [N,H,W,Cin] f32 read as vec4 (Cin % 4 == 0), idx u32 = rowptr [Cout/BR + 1] then one code per block
//         (kh << 24 | kw << 16 | ci0/4: the block's tap and first input channel),
//         val [nnzb][BC][BR] f32 read as vec4, bias [Cout], y [N,OH,OW,Cout] read/written as vec4.
// Thread: i = ((n·OH + oh)·⌈OW/${COLS}⌉ + owt)·(Cout/BR) + br computes y[n, oh, ${COLS}·owt + t, br·BR .. br·BR+BR−1], t < ${COLS}.
//         Overwrites y.
//! import activation

//! import block_sparse_conv_params

override WG: u32 = 64u;
override BR4: u32 = 2u;   // 1: 4×BC blocks, 2: 8×BC blocks
override BC: u32 = 8u;    // 4 or 8

//! uniform params: Params
//! read x: array<vec4<f32>>
//! read idx: array<u32>
//! read val: array<vec4<f32>>
//! read bias: array<vec4<f32>>
//! read_write y: array<vec4<f32>>

fn mac(xv: vec4<f32>, w0: vec4<f32>, w1: vec4<f32>, w2: vec4<f32>, w3: vec4<f32>) -> vec4<f32> {
  return xv.x * w0 + xv.y * w1 + xv.z * w2 + xv.w * w3;
}

fn store(ow: u32, base: u32, br: u32, a: vec4<f32>, b: vec4<f32>) {
  if (ow >= params.geom.out_hw.y) { return; }
  y[base] = activate4(a + bias[br * BR4]);
  if (BR4 == 2u) { y[base + 1u] = activate4(b + bias[br * BR4 + 1u]); }
}

//! entry
  let nbr = params.cout / (4u * BR4);
  let tile = conv_tile(i, nbr, params.ow_tiles, params.geom.out_hw.x);
  let br = tile.blk; let owt = tile.owt; let oh = tile.oh; let nb = tile.n;
  let ow0 = owt * ${COLS}u;
  let cin4 = params.cin / 4u;
  let zero = vec4<f32>(0.0);
//! for t in 0..COLS
  var a${t} = zero; var b${t} = zero;
//! end
  let first = idx[br];
  let end = idx[br + 1u];
  for (var blk = first; blk < end; blk++) {
    let code = idx[nbr + 1u + blk]; // kh << 24 | kw << 16 | first input channel / 4 (no divisions here)
    let c40 = code & 0xffffu;
    let kh = code >> 24u;
    let kw = (code >> 16u) & 0xffu;
    let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    if (ih < 0 || ih >= params.geom.in_hw.x) { continue; }
    let xrow = i32((nb * u32(params.geom.in_hw.x) + u32(ih)) * u32(params.geom.in_hw.y));
    let iw0 = i32(ow0) * params.geom.stride.y - params.geom.pad.y + i32(kw) * params.geom.dilation.y;
    let sw = params.geom.stride.y;
    let lim = params.geom.in_hw.y;
//! for t in 0..COLS
    let ok${t} = iw0 + ${t} * sw >= 0 && iw0 + ${t} * sw < lim;
//! end
//! for t in 0..COLS
    let x${t} = u32(xrow + clamp(iw0 + ${t} * sw, 0, lim - 1)) * cin4 + c40;
//! end
    for (var j4 = 0u; j4 < BC / 4u; j4++) {
      let vb = (blk * BC + 4u * j4) * BR4;
      let p0 = val[vb]; let p1 = val[vb + BR4]; let p2 = val[vb + 2u * BR4]; let p3 = val[vb + 3u * BR4];
//! for t in 0..COLS
      let v${t} = select(zero, x[x${t} + j4], ok${t});
//! end
//! for t in 0..COLS
      a${t} += mac(v${t}, p0, p1, p2, p3);
//! end
      if (BR4 == 2u) {
        let q0 = val[vb + 1u]; let q1 = val[vb + 3u]; let q2 = val[vb + 5u]; let q3 = val[vb + 7u];
//! for t in 0..COLS
        b${t} += mac(v${t}, q0, q1, q2, q3);
//! end
      }
    }
  }
  let c4n = params.cout / 4u;
  let base = ((nb * params.geom.out_hw.x + oh) * params.geom.out_hw.y + ow0) * c4n + br * BR4;
//! for t in 0..COLS
  store(ow0 + ${t}u, base + ${t}u * c4n, br, a${t}, b${t});
//! end
}
