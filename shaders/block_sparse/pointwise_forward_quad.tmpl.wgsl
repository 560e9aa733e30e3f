// ${NAME} — block-sparse 1×1 convolution / fully connected layer (stride 1, unpadded: a GEMM over the M = N·H·W
// pixels) with 8 × BC blocks (BR = 8 output channels × BC input channels). The four invocations of a quad share one
// block row (the same non-zero blocks) and compute it for four tiles of ${ROWS} pixels each; per block every
// invocation loads a quarter of the block's values and quadBroadcast hands them to the others, so each value loaded
// serves 4·${ROWS} pixels. The tile (${ROWS} pixels × 8 channels) lives in named registers a_r, b_r.
// Needs the 'subgroups' feature (quad operations).
//
// Math:   y[m, co] = act( bias[co] + Σ_{b in block row co/8} Σ_{j<BC} x[m, ci0(b) + j] · val[b][j][co mod 8] )
// Layout: x [M, Cin] f32 read as vec4 (Cin % 4 == 0), idx u32 = rowptr [Cout/8 + 1] then one code per block (its
//         first input channel / 4 in the low 16 bits; a 1×1 kernel has tap 0), val [nnzb][BC][8] f32 read as vec4,
//         bias [Cout], y [M, Cout] written as vec4.
// Thread: i = (q·(Cout/8) + br)·4 + lane computes y[${ROWS}·(4q + lane) + r, 8·br .. 8·br+7], r < ${ROWS}. Pixels past M
//         (and invocations past the grid) compute on clamped indices and store nothing, so every quad stays whole for
//         quadBroadcast. Overwrites y.
enable subgroups;
// The block loop bounds depend on the block row, which all four invocations of a quad share (the quad is converged
// there), but WGSL's uniformity analysis cannot see that.
diagnostic(off, subgroup_uniformity);
//! import activation

struct Params {
  n: u32,
  m: u32,      // pixels N·H·W
  cin: u32,
  cout: u32,
}

override WG: u32 = 64u;
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

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  // no early return: the whole quad takes part in quadBroadcast; out-of-range work is clamped and not stored
  let lane = i % 4u;
  let qi = i / 4u;
  let nbr = params.cout / 8u;
  let br = min(qi % nbr, nbr - 1u);
  let m0 = ((qi / nbr) * 4u + lane) * ${ROWS}u;
  let live = i < params.n;
  let cin4 = params.cin / 4u;
  let last = params.m - 1u;
//! for r in 0..ROWS
  let x${r} = min(m0 + ${r}u, last) * cin4;
  var a${r} = vec4<f32>(0.0); var b${r} = vec4<f32>(0.0);
//! end
  let first = idx[br];
  let end = idx[br + 1u];
  for (var blk = first; blk < end; blk++) {
    let c40 = idx[nbr + 1u + blk] & 0xffffu;
    for (var j4 = 0u; j4 < BC / 4u; j4++) {
      // the 8 vec4 of this slice of the block: val[vb + 2k] channels 0..3, val[vb + 2k + 1] channels 4..7 of input
      // channel 4·j4 + k; this invocation loads vb + lane and vb + 4 + lane
      let vb = (blk * BC + 4u * j4) * 2u;
      let mine0 = val[vb + lane];
      let mine1 = val[vb + 4u + lane];
      let p0 = quadBroadcast(mine0, 0u); let q0 = quadBroadcast(mine0, 1u);
      let p1 = quadBroadcast(mine0, 2u); let q1 = quadBroadcast(mine0, 3u);
      let p2 = quadBroadcast(mine1, 0u); let q2 = quadBroadcast(mine1, 1u);
      let p3 = quadBroadcast(mine1, 2u); let q3 = quadBroadcast(mine1, 3u);
//! for r in 0..ROWS
      let v${r} = x[x${r} + c40 + j4];
      a${r} += mac(v${r}, p0, p1, p2, p3);
      b${r} += mac(v${r}, q0, q1, q2, q3);
//! end
    }
  }
  if (!live) { return; }
  let ba = bias[2u * br];
  let bb = bias[2u * br + 1u];
  let c4n = params.cout / 4u;
//! for r in 0..ROWS
  if (m0 + ${r}u < params.m) {
    y[(m0 + ${r}u) * c4n + 2u * br] = activate4(a${r} + ba);
    y[(m0 + ${r}u) * c4n + 2u * br + 1u] = activate4(b${r} + bb);
  }
//! end
}
