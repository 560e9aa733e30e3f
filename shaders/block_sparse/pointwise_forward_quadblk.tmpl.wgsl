// ${NAME} — block-sparse 1×1 convolution / fully connected layer (stride 1, unpadded: a GEMM over the M = N·H·W
// pixels) with 8 × ${BC} blocks, the whole block written out (no loop inside a block). Same thread mapping as
// block_sparse/pointwise_forward_quad*: the four invocations of a quad share one block row and compute it for four
// tiles of ${ROWS} pixels; per block each invocation loads a quarter of its values (${BC4}·2 vec4) and quadBroadcast
// hands them to the others, so each value loaded serves 4·${ROWS} pixels, and the ${BC4} vec4 of x per pixel and block
// are loaded once for all 8 output channels.
// Why: on SwiftShader (Subzero) loop-carried values (the 2·${ROWS} vec4 accumulators) go through memory on every trip
// of a loop, and every trip costs mask bookkeeping; the quad kernel's inner loop over BC/4 made that 1 + BC/4 trips
// per block, here it is one. (Two blocks per trip, the odd one's values zeroed, measured slower: 2026-11-30,
// docs/results/sparse-r5/.)
// Needs the 'subgroups' feature (quad operations).
//
// Math:   y[m, co] = act( bias[co] + Σ_{b in block row co/8} Σ_{j<BC} x[m, ci0(b) + j] · val[b][j][co mod 8] )
// Layout: x [M, Cin] f32 read as vec4 (Cin % 4 == 0), idx u32 = rowptr [Cout/8 + 1] then one code per block (its
//         first input channel / 4 in the low 16 bits; a 1×1 kernel has tap 0), val [nnzb][BC][8] f32 read as vec4
//         (block b, input channel j: val[(b·BC + j)·2] output channels 0..3, val[(b·BC + j)·2 + 1] channels 4..7),
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
  let codes = nbr + 1u;
//! for r in 0..ROWS
  let x${r} = min(m0 + ${r}u, last) * cin4;
  var a${r} = vec4<f32>(0.0); var b${r} = vec4<f32>(0.0);
//! end
  let end = idx[br + 1u];
  for (var blk = idx[br]; blk < end; blk++) {
    let c0 = idx[codes + blk] & 0xffffu;
    let vb = blk * (${BC}u * 2u);
//! for j in 0..BC4
    // input channels 4·${j} .. 4·${j}+3 of the block: 8 vec4, this invocation loads 2 of them
    let mine${j}0 = val[vb + ${j}u * 8u + lane];
    let mine${j}1 = val[vb + ${j}u * 8u + 4u + lane];
    let p${j}0 = quadBroadcast(mine${j}0, 0u); let q${j}0 = quadBroadcast(mine${j}0, 1u);
    let p${j}1 = quadBroadcast(mine${j}0, 2u); let q${j}1 = quadBroadcast(mine${j}0, 3u);
    let p${j}2 = quadBroadcast(mine${j}1, 0u); let q${j}2 = quadBroadcast(mine${j}1, 1u);
    let p${j}3 = quadBroadcast(mine${j}1, 2u); let q${j}3 = quadBroadcast(mine${j}1, 3u);
//! end
//! for r in 0..ROWS
//! for j in 0..BC4
    let v${r}${j} = x[x${r} + c0 + ${j}u];
    a${r} += mac(v${r}${j}, p${j}0, p${j}1, p${j}2, p${j}3);
    b${r} += mac(v${r}${j}, q${j}0, q${j}1, q${j}2, q${j}3);
//! end
//! end
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
