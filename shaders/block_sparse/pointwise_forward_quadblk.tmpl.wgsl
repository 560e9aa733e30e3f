// ${NAME} — block-sparse 1×1 convolution / fully connected layer (stride 1, unpadded: a GEMM over the M = N·H·W
// pixels) with 8 × ${BC} blocks, the whole block written out: no loop inside a block and ${UB} block(s) per trip of the
// block loop. Same thread mapping as block_sparse/pointwise_forward_quad*: the four invocations of a quad share one
// block row and compute it for four tiles of ${ROWS} pixels; per block each invocation loads a quarter of its values
// (${BC4}·2 vec4) and quadBroadcast hands them to the others, so each value loaded serves 4·${ROWS} pixels, and the
// ${BC4} vec4 of x per pixel and block are loaded once for all 8 output channels.
// Why: on SwiftShader (Subzero) loop-carried values (the 2·${ROWS} vec4 accumulators) go through memory on every trip,
// and every trip of a loop costs mask bookkeeping; the quad kernel's inner loop over BC/4 made that 2·BC/4 trips per
// block, here it is 1/${UB}. With UB = 2 a row with an odd block count reads its last block twice, the second copy's
// values zeroed (select), so no tail loop is needed.
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
  for (var blk = idx[br]; blk < end; blk += ${UB}u) {
//! for u in 0..UB
    // block ${u} of this trip: past the row's end (UB = 2, odd count) it re-reads the last block with zeroed values
    let bi${u} = min(blk + ${u}u, end - 1u);
    let keep${u} = blk + ${u}u < end;
    let c${u} = idx[codes + bi${u}] & 0xffffu;
    let vb${u} = bi${u} * (${BC}u * 2u);
//! for j in 0..BC4
    // input channels 4·${j} .. 4·${j}+3 of the block: 8 vec4, this invocation loads 2 of them
    let mine${u}${j}0 = select(vec4<f32>(0.0), val[vb${u} + ${j}u * 8u + lane], keep${u});
    let mine${u}${j}1 = select(vec4<f32>(0.0), val[vb${u} + ${j}u * 8u + 4u + lane], keep${u});
    let p${u}${j}0 = quadBroadcast(mine${u}${j}0, 0u); let q${u}${j}0 = quadBroadcast(mine${u}${j}0, 1u);
    let p${u}${j}1 = quadBroadcast(mine${u}${j}0, 2u); let q${u}${j}1 = quadBroadcast(mine${u}${j}0, 3u);
    let p${u}${j}2 = quadBroadcast(mine${u}${j}1, 0u); let q${u}${j}2 = quadBroadcast(mine${u}${j}1, 1u);
    let p${u}${j}3 = quadBroadcast(mine${u}${j}1, 2u); let q${u}${j}3 = quadBroadcast(mine${u}${j}1, 3u);
//! end
//! end
//! for r in 0..ROWS
//! for u in 0..UB
//! for j in 0..BC4
    let v${r}${u}${j} = x[x${r} + c${u} + ${j}u];
    a${r} += mac(v${r}${u}${j}, p${u}${j}0, p${u}${j}1, p${u}${j}2, p${u}${j}3);
    b${r} += mac(v${r}${u}${j}, q${u}${j}0, q${u}${j}1, q${u}${j}2, q${u}${j}3);
//! end
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
