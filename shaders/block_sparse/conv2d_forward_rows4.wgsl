// block_sparse/conv2d_forward_rows4 — fp32 convolution with block-sparse weights (BSR), blocks of BR = 4·BR4
// output channels × BC input positions; only non-zero blocks are read.
//
// Math:   view W as the matrix Wm[co, k] with k = (kh·KW + kw)·Cin + ci (HWIO order, groups = 1), stored in BSR:
//         block row br (channels br·BR ..) holds blocks b ∈ [rowptr[br], rowptr[br+1]), block b covers columns
//         col[b]·BC .. +BC−1 (one tap, BC consecutive input channels: needs Cin % BC == 0).
//         y[n,oh,ow,co] = act( bias[co] + Σ_b Σ_{j<BC} x[n, ih(tap), iw(tap), ci0 + j] · val[b][j][co − br·BR] )
//         (x outside the image reads as 0).
// Layout: x [N,H,W,Cin] f32 read as vec4 (Cin % 4 == 0), idx u32 = rowptr [Cout/BR + 1] then one code per block
//         (kh << 24 | kw << 16 | ci0/4: the block's tap and first input channel),
//         val [nnzb][BC][BR] f32 read as vec4 along the block's output channels, bias [Cout], y [N,OH,OW,Cout].
// Thread: i = ((n·OH + oh)·⌈OW/TM⌉ + owt)·(Cout/BR) + br computes y[n, oh, owt·TM + t, br·BR .. br·BR+BR−1],
//         t < TM (columns past OW skipped). Overwrites y.
//! import activation

//! import block_sparse_conv_params

override WG: u32 = 64u;
override TM: u32 = 4u;
override BR4: u32 = 1u;   // block rows / 4: 1 (4×BC blocks) or 2 (8×BC blocks)
override BC: u32 = 4u;    // block columns: 4 or 8
const MAX_TM: u32 = 8u;
const MAX_BR4: u32 = 2u;

//! uniform params: Params
//! read x: array<vec4<f32>>
//! read idx: array<u32>
//! read val: array<vec4<f32>>
//! read bias: array<vec4<f32>>
//! read_write y: array<vec4<f32>>

//! entry
  let nbr = params.cout / (4u * BR4);
  let tile = conv_tile(i, nbr, params.ow_tiles, params.geom.out_hw.x);
  let br = tile.blk; let owt = tile.owt; let oh = tile.oh; let nb = tile.n;
  let ow0 = owt * TM;
  let cin4 = params.cin / 4u;
  var acc: array<vec4<f32>, 16>; // [t·MAX_BR4 + v]
  for (var a = 0u; a < MAX_TM * MAX_BR4; a++) { acc[a] = vec4<f32>(0.0); }
  let b0 = idx[br];
  let b1 = idx[br + 1u];
  for (var b = b0; b < b1; b++) {
    let code = idx[nbr + 1u + b]; // kh << 24 | kw << 16 | first input channel / 4 (no divisions here)
    let c40 = code & 0xffffu;
    let kh = code >> 24u;
    let kw = (code >> 16u) & 0xffu;
    let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    if (ih < 0 || ih >= params.geom.in_hw.x) { continue; }
    let xrow = (nb * u32(params.geom.in_hw.x) + u32(ih)) * u32(params.geom.in_hw.y);
    var xb: array<u32, MAX_TM>;
    var ok: array<bool, MAX_TM>;
    for (var t = 0u; t < TM; t++) {
      let iw = i32(ow0 + t) * params.geom.stride.y - params.geom.pad.y + i32(kw) * params.geom.dilation.y;
      ok[t] = iw >= 0 && iw < params.geom.in_hw.y && ow0 + t < params.geom.out_hw.y;
      xb[t] = (xrow + u32(max(iw, 0))) * cin4 + c40;
    }
    for (var j4 = 0u; j4 < BC / 4u; j4++) {
      for (var v = 0u; v < BR4; v++) {
        // the block's 4 columns 4·j4 .. 4·j4+3, channels 4v .. 4v+3
        let vb = (b * BC + 4u * j4) * BR4 + v;
        let w0 = val[vb];
        let w1 = val[vb + BR4];
        let w2 = val[vb + 2u * BR4];
        let w3 = val[vb + 3u * BR4];
        for (var t = 0u; t < TM; t++) {
          if (!ok[t]) { continue; }
          let xv = x[xb[t] + j4];
          acc[t * MAX_BR4 + v] += xv.x * w0 + xv.y * w1 + xv.z * w2 + xv.w * w3;
        }
      }
    }
  }
  for (var t = 0u; t < TM; t++) {
    if (ow0 + t >= params.geom.out_hw.y) { break; }
    let ybase = ((nb * params.geom.out_hw.x + oh) * params.geom.out_hw.y + ow0 + t) * (params.cout / 4u) + br * BR4;
    for (var v = 0u; v < BR4; v++) {
      y[ybase + v] = activate4(acc[t * MAX_BR4 + v] + bias[br * BR4 + v]);
    }
  }
}
