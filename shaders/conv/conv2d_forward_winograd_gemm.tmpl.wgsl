// ${NAME} — the 16 products of the Winograd F(2×2, 3×3) convolution, stage 3 of 4 (see conv2d_forward_winograd_input
// for the whole scheme): 16 independent GEMMs, one per transform position ξ, with a ${ROWS} × ${COLS} register tile
// (${ROWS} tiles × ${COLS} output channels) per invocation, the shape of conv2d_forward_slide's (wide tiles: fewer loads
// per multiply-add; every load is a per-lane gather on SwiftShader).
// Math:   M[t, ξ, co] = Σ_{ci < Cin} V[t, ξ, ci] · U[ci, ξ, co],  ξ < 16.
// Layout: V [T, 16, Cin] (stage 2's output), U [Cin, 16, Cout] (stage 1's), M [T, 16, Cout]; all read and written as
//         vec4 along the channels (Cin % 4 == 0, Cout % ${COLS} == 0).
// Thread: quad flavour: i = ((q·16 + ξ)·(Cout/${COLS}) + cb)·4 + lane, lane < 4, computes M[${ROWS}·(4q + lane) + r, ξ,
//         ${COLS}·cb + c], r < ${ROWS}, c < ${COLS}; the four lanes share ξ and the output channels: each loads one of the four
//         U rows of a k-step and quadBroadcast hands it to the others. Rows past T compute on a clamped row and store
//         nothing (no early return: the quad stays whole). Overwrites M. Needs 'subgroups'.
enable subgroups;

struct Params {
  n: u32,
  tiles: u32,
  cin: u32,
  cout: u32,
}

override WG: u32 = 64u;

//! uniform params: Params
//! read v: array<vec4<f32>>
//! read u: array<vec4<f32>>
//! read_write m: array<vec4<f32>>

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  let lane = i % 4u;
  let qi = i / 4u;
  let cbn = params.cout / ${COLS}u;
  let cb = qi % cbn;
  let xi = (qi / cbn) % 16u;
  let m0 = ((qi / cbn) / 16u * 4u + lane) * ${ROWS}u;
  let live = i < params.n;
  let cin4 = params.cin / 4u;
  let cout4 = params.cout / 4u;
  let last = params.tiles - 1u;
//! for r in 0..ROWS
  let vb${r} = (min(m0 + ${r}u, last) * 16u + xi) * cin4;
//! end
//! for r in 0..ROWS
//! for c in 0..CB
  var a${r}_${c} = vec4<f32>(0.0);
//! end
//! end
  // U row ci = 4·ci4 + lane of this ξ and channel block; a k-step moves 4 rows
  var ub = (lane * 16u + xi) * cout4 + cb * ${CB}u;
  let ustep = 64u * cout4;
  for (var ci4 = 0u; ci4 < cin4; ci4++) {
//! for c in 0..CB
    let my${c} = u[ub + ${c}u];
//! end
//! for k in 0..4
//! for c in 0..CB
    let w${k}_${c} = quadBroadcast(my${c}, ${k}u);
//! end
//! end
//! for r in 0..ROWS
    let x${r} = v[vb${r} + ci4];
//! for c in 0..CB
    a${r}_${c} += x${r}.x * w0_${c} + x${r}.y * w1_${c} + x${r}.z * w2_${c} + x${r}.w * w3_${c};
//! end
//! end
    ub += ustep;
  }
  if (!live) { return; }
//! for r in 0..ROWS
  if (m0 + ${r}u < params.tiles) {
    let mb${r} = ((m0 + ${r}u) * 16u + xi) * cout4 + cb * ${CB}u;
//! for c in 0..CB
    m[mb${r} + ${c}u] = a${r}_${c};
//! end
  }
//! end
}
