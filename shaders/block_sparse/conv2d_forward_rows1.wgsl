// block_sparse/conv2d_forward_rows1 — fp32 convolution with block-sparse weights in 1×BC blocks (one output
// channel × BC consecutive input positions); only non-zero blocks are read.
//
// Math:   as block_sparse/conv2d_forward_rows4 with BR = 1:
//         y[n,oh,ow,co] = act( bias[co] + Σ_{b in row co} Σ_{j<BC} x[n, ih(tap), iw(tap), ci0 + j] · val[b][j] ).
// Layout: x [N,H,W,Cin] f32 read as vec4 (Cin % BC == 0), idx u32 = rowptr [Cout + 1] then one code per block
//         (kh << 24 | kw << 16 | ci0/4),
//         val [nnzb][BC] f32 read as vec4, bias [Cout], y [N,OH,OW,Cout] f32.
// Thread: i = ((n·OH + oh)·⌈OW/TM⌉ + owt)·Cout + co computes y[n, oh, owt·TM + t, co], t < TM. Overwrites y.
//! import activation

//! import block_sparse_conv_params

override WG: u32 = 64u;
override TM: u32 = 4u;
override BC: u32 = 4u;
const MAX_TM: u32 = 8u;

//! uniform params: Params
//! read x: array<vec4<f32>>
//! read idx: array<u32>
//! read val: array<vec4<f32>>
//! read bias: array<f32>
//! read_write y: array<f32>

//! entry
  let tile = conv_tile(i, params.cout, params.ow_tiles, params.geom.out_hw.x);
  let co = tile.blk; let owt = tile.owt; let oh = tile.oh; let nb = tile.n;
  let ow0 = owt * TM;
  let cin4 = params.cin / 4u;
  var acc: array<vec4<f32>, MAX_TM>;
  for (var t = 0u; t < MAX_TM; t++) { acc[t] = vec4<f32>(0.0); }
  let b0 = idx[co];
  let b1 = idx[co + 1u];
  for (var b = b0; b < b1; b++) {
    let code = idx[params.cout + 1u + b]; // kh << 24 | kw << 16 | first input channel / 4 (no divisions here)
    let c40 = code & 0xffffu;
    let kh = code >> 24u;
    let kw = (code >> 16u) & 0xffu;
    let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x + i32(kh) * params.geom.dilation.x;
    if (ih < 0 || ih >= params.geom.in_hw.x) { continue; }
    let xrow = (nb * u32(params.geom.in_hw.x) + u32(ih)) * u32(params.geom.in_hw.y);
    for (var t = 0u; t < TM; t++) {
      let iw = i32(ow0 + t) * params.geom.stride.y - params.geom.pad.y + i32(kw) * params.geom.dilation.y;
      if (iw < 0 || iw >= params.geom.in_hw.y || ow0 + t >= params.geom.out_hw.y) { continue; }
      let xb = (xrow + u32(iw)) * cin4 + c40;
      for (var j4 = 0u; j4 < BC / 4u; j4++) {
        acc[t] += x[xb + j4] * val[b * (BC / 4u) + j4];
      }
    }
  }
  for (var t = 0u; t < TM; t++) {
    if (ow0 + t >= params.geom.out_hw.y) { break; }
    let a = acc[t];
    y[((nb * params.geom.out_hw.x + oh) * params.geom.out_hw.y + ow0 + t) * params.cout + co] = activate(a.x + a.y + a.z + a.w + bias[co]);
  }
}
