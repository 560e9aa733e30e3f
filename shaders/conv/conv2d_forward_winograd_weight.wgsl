// conv2d_forward_winograd_weight — the weight transform of the Winograd F(2×2, 3×3) convolution (Lavin & Gray 2016),
// stage 1 of 4 (see conv2d_forward_winograd_input for the whole scheme). Runs on every call: weights change every
// training step.
// Math:   U[ξ = 4a + b] = (G g Gᵀ)[a, b] for each (ci, co), g = w[·,·,ci,co] the 3×3 kernel, with
//         G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]].
// Layout: w [3,3,Cin,Cout] HWIO, read as vec4 along co (Cout % 4 == 0);
//         U [Cin, 16·Cout] = the HWIO weights [1,1,Cin,16·Cout] of a 1×1 convolution with 16 groups (group ξ's output
//         channels ξ·Cout … ξ·Cout + Cout − 1): U[ci, ξ·Cout + co], written as vec4 along co.
// Thread: one (ci, co4) per invocation, i = ci·(Cout/4) + co4: 9 loads, 16 stores. Overwrites U.

struct Params {
  n: u32,
  cin: u32,
  cout4: u32,
}
override WG: u32 = 64u;

//! uniform params: Params
//! read w: array<vec4<f32>>
//! read_write u: array<vec4<f32>>

//! entry
  let co4 = i % params.cout4;
  let ci = i / params.cout4;
  // tap (kh, kw) of this (ci, co4): w[((kh·3 + kw)·Cin + ci)·Cout/4 + co4]
  let tap = params.cin * params.cout4;
  let base = ci * params.cout4 + co4;
  var g: array<vec4<f32>, 9>;
  for (var k = 0u; k < 9u; k++) {
    g[k] = w[k * tap + base];
  }
  // t = G g (4 × 3): rows of g combined per column kw
  var t: array<vec4<f32>, 12>;
  for (var c = 0u; c < 3u; c++) {
    let g0 = g[c];
    let g1 = g[3u + c];
    let g2 = g[6u + c];
    t[c] = g0;
    t[3u + c] = 0.5 * (g0 + g1 + g2);
    t[6u + c] = 0.5 * (g0 - g1 + g2);
    t[9u + c] = g2;
  }
  // U = t Gᵀ (4 × 4): columns of t combined per row a
  let ustride = params.cout4;
  let ubase = ci * 16u * params.cout4 + co4;
  for (var a = 0u; a < 4u; a++) {
    let t0 = t[3u * a];
    let t1 = t[3u * a + 1u];
    let t2 = t[3u * a + 2u];
    u[ubase + (4u * a) * ustride] = t0;
    u[ubase + (4u * a + 1u) * ustride] = 0.5 * (t0 + t1 + t2);
    u[ubase + (4u * a + 2u) * ustride] = 0.5 * (t0 - t1 + t2);
    u[ubase + (4u * a + 3u) * ustride] = t2;
  }
}
