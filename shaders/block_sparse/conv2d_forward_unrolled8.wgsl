// block_sparse/conv2d_forward_unrolled8 — block_sparse/conv2d_forward_unrolled with 8 output columns per invocation
// (more reuse of each weight block). Otherwise the same: block_sparse/conv2d_forward_rows4 with its tile (8 columns × BR
// channels, BR = 4·BR4 ∈ {4, 8}) in named registers (SwiftShader keeps dynamically indexed private arrays in
// memory); only non-zero blocks are read.
//
// Math:   Wm[co, k], k = (kh·KW + kw)·Cin + ci, in BSR with BR × BC blocks (Cin % BC == 0: a block is one tap);
//         y[n,oh,ow,co] = act( bias[co] + Σ_{b in row co/BR} Σ_{j<BC} x[n, ih(tap), iw(tap), ci0 + j]·val[b][j][co mod BR] )
//         (x outside the image reads as 0).
// Layout: x [N,H,W,Cin] f32 read as vec4 (Cin % 4 == 0), idx u32 = rowptr [Cout/BR + 1] then one code per block
//         (kh << 24 | kw << 16 | ci0/4: the block's tap and first input channel),
//         val [nnzb][BC][BR] f32 read as vec4, bias [Cout], y [N,OH,OW,Cout] read/written as vec4.
// Thread: i = ((n·OH + oh)·⌈OW/8⌉ + owt)·(Cout/BR) + br computes y[n, oh, 8·owt + t, br·BR .. br·BR+BR−1], t < 8.
//         Overwrites y.
//! import activation

//! import conv_geom
struct Params {
  n: u32,
  cin: u32,
  cout: u32,
  geom: ConvGeom,
  ow_tiles: u32,
}

override WG: u32 = 64u;
override BR4: u32 = 2u;   // 1: 4×BC blocks, 2: 8×BC blocks
override BC: u32 = 8u;    // 4 or 8

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> idx: array<u32>;
@group(0) @binding(3) var<storage, read> val: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> y: array<vec4<f32>>;

fn mac(xv: vec4<f32>, w0: vec4<f32>, w1: vec4<f32>, w2: vec4<f32>, w3: vec4<f32>) -> vec4<f32> {
  return xv.x * w0 + xv.y * w1 + xv.z * w2 + xv.w * w3;
}

fn store(ow: u32, base: u32, br: u32, a: vec4<f32>, b: vec4<f32>) {
  if (ow >= params.geom.out_hw.y) { return; }
  y[base] = activate4(a + bias[br * BR4]);
  if (BR4 == 2u) { y[base + 1u] = activate4(b + bias[br * BR4 + 1u]); }
}

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  if (i >= params.n) { return; }
  let nbr = params.cout / (4u * BR4);
  let tile = conv_tile(i, nbr, params.ow_tiles, params.geom.out_hw.x);
  let br = tile.blk; let owt = tile.owt; let oh = tile.oh; let nb = tile.n;
  let ow0 = owt * 8u;
  let cin4 = params.cin / 4u;
  let zero = vec4<f32>(0.0);
  var a0 = zero; var a1 = zero; var a2 = zero; var a3 = zero; var a4 = zero; var a5 = zero; var a6 = zero; var a7 = zero;
  var b0 = zero; var b1 = zero; var b2 = zero; var b3 = zero; var b4 = zero; var b5 = zero; var b6 = zero; var b7 = zero;
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
    let ok0 = iw0 + 0 * sw >= 0 && iw0 + 0 * sw < lim;
    let ok1 = iw0 + 1 * sw >= 0 && iw0 + 1 * sw < lim;
    let ok2 = iw0 + 2 * sw >= 0 && iw0 + 2 * sw < lim;
    let ok3 = iw0 + 3 * sw >= 0 && iw0 + 3 * sw < lim;
    let ok4 = iw0 + 4 * sw >= 0 && iw0 + 4 * sw < lim;
    let ok5 = iw0 + 5 * sw >= 0 && iw0 + 5 * sw < lim;
    let ok6 = iw0 + 6 * sw >= 0 && iw0 + 6 * sw < lim;
    let ok7 = iw0 + 7 * sw >= 0 && iw0 + 7 * sw < lim;
    let x0 = u32(xrow + clamp(iw0 + 0 * sw, 0, lim - 1)) * cin4 + c40;
    let x1 = u32(xrow + clamp(iw0 + 1 * sw, 0, lim - 1)) * cin4 + c40;
    let x2 = u32(xrow + clamp(iw0 + 2 * sw, 0, lim - 1)) * cin4 + c40;
    let x3 = u32(xrow + clamp(iw0 + 3 * sw, 0, lim - 1)) * cin4 + c40;
    let x4 = u32(xrow + clamp(iw0 + 4 * sw, 0, lim - 1)) * cin4 + c40;
    let x5 = u32(xrow + clamp(iw0 + 5 * sw, 0, lim - 1)) * cin4 + c40;
    let x6 = u32(xrow + clamp(iw0 + 6 * sw, 0, lim - 1)) * cin4 + c40;
    let x7 = u32(xrow + clamp(iw0 + 7 * sw, 0, lim - 1)) * cin4 + c40;
    for (var j4 = 0u; j4 < BC / 4u; j4++) {
      let vb = (blk * BC + 4u * j4) * BR4;
      let p0 = val[vb]; let p1 = val[vb + BR4]; let p2 = val[vb + 2u * BR4]; let p3 = val[vb + 3u * BR4];
      let v0 = select(zero, x[x0 + j4], ok0);
      let v1 = select(zero, x[x1 + j4], ok1);
      let v2 = select(zero, x[x2 + j4], ok2);
      let v3 = select(zero, x[x3 + j4], ok3);
      let v4 = select(zero, x[x4 + j4], ok4);
      let v5 = select(zero, x[x5 + j4], ok5);
      let v6 = select(zero, x[x6 + j4], ok6);
      let v7 = select(zero, x[x7 + j4], ok7);
      a0 += mac(v0, p0, p1, p2, p3);
      a1 += mac(v1, p0, p1, p2, p3);
      a2 += mac(v2, p0, p1, p2, p3);
      a3 += mac(v3, p0, p1, p2, p3);
      a4 += mac(v4, p0, p1, p2, p3);
      a5 += mac(v5, p0, p1, p2, p3);
      a6 += mac(v6, p0, p1, p2, p3);
      a7 += mac(v7, p0, p1, p2, p3);
      if (BR4 == 2u) {
        let q0 = val[vb + 1u]; let q1 = val[vb + 3u]; let q2 = val[vb + 5u]; let q3 = val[vb + 7u];
        b0 += mac(v0, q0, q1, q2, q3);
        b1 += mac(v1, q0, q1, q2, q3);
        b2 += mac(v2, q0, q1, q2, q3);
        b3 += mac(v3, q0, q1, q2, q3);
        b4 += mac(v4, q0, q1, q2, q3);
        b5 += mac(v5, q0, q1, q2, q3);
        b6 += mac(v6, q0, q1, q2, q3);
        b7 += mac(v7, q0, q1, q2, q3);
      }
    }
  }
  let c4n = params.cout / 4u;
  let base = ((nb * params.geom.out_hw.x + oh) * params.geom.out_hw.y + ow0) * c4n + br * BR4;
  store(ow0, base, br, a0, b0);
  store(ow0 + 1u, base + 1u * c4n, br, a1, b1);
  store(ow0 + 2u, base + 2u * c4n, br, a2, b2);
  store(ow0 + 3u, base + 3u * c4n, br, a3, b3);
  store(ow0 + 4u, base + 4u * c4n, br, a4, b4);
  store(ow0 + 5u, base + 5u * c4n, br, a5, b5);
  store(ow0 + 6u, base + 6u * c4n, br, a6, b6);
  store(ow0 + 7u, base + 7u * c4n, br, a7, b7);
}
