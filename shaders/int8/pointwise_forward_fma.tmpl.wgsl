// ${NAME} — int8 1×1 convolution (stride 1, unpadded, optionally grouped) as a GEMM with a ${ROWS} rows × ${CH}
// channels register tile in named registers; packed int8 activations and weights are loaded (a quarter of the fp32
// traffic), unpacked to f32 in registers once per k-step and multiplied-added in f32 (no integer dot product: on
// adapters that emulate dot4I8Packed lane by lane this is the fast int8 path), requantization fused.
//
// Math:   acc[m,c] = qp.bias[c] + Σ_{k<Kg} xq[m, g·Kg + k]·wq[k, c],  g = c / (C/groups)
//         (qp.bias = round(b/(sx·sw)) − zx·Σw: the input zero point is folded out),
//         yq = clamp(zy + requant(acc, m[c], s[c]), qmin, qmax)   (common/requant.wgsl; REQF instances ('f') use
//         requantf, the same integers without per-channel shift counts, where int8RequantF32Exact holds; its
//         per-channel constants are loaded once for all rows).
//         The Σ runs in f32 over chunks of 4·FLUSH4 input channels (|partial| ≤ 4·FLUSH4·128·128 = 2^24 for
//         FLUSH4 = 256: exact), each chunk converted and added to an i32 accumulator: exact for any K. NOFLUSH
//         instances ('k') run the one chunk with no flush loop, offered when ⌈Kg/4⌉ ≤ FLUSH4.
// Layout: x [M, ⌈K/4⌉] u32 (q8), w [⌈Kg/4⌉, C] u32 read as vec4<u32> (needs (C/groups) % ${CH} == 0; byte k of
//         word (j, c) = wq[4j+k, c]), qp [C/4][3] vec4<i32>, y [M, C/4] u32 (q8).
//! if QUAD
// Quad flavour: the four invocations of a quad compute the same 8 output channels for four row blocks and take the
// k-steps four at a time; invocation `lane` loads and unpacks the weights of k-step j + lane only and quadBroadcast
// hands the unpacked f32 vectors to the others (weight loads and unpacking per invocation drop to a quarter).
// Needs the 'subgroups' feature (quad operations) and FLUSH4 % 4 == 0.
// Thread: i = (q·(C/8) + c8)·4 + lane computes words y[${ROWS}·(4q + lane) + r, 2·c8 .. 2·c8+1], r < ${ROWS}. Rows past
//         M (and invocations past the grid) compute on clamped indices and store nothing, so every quad stays whole.
//         Overwrites y.
enable subgroups;
//! else
//! if HALF
// Thread: i = mt·(C/4) + c4 computes words y[${ROWS}·mt + r, c4], r < ${ROWS} (rows past M computed on a clamped row
//         and not stored). Per k-step: ${ROWS} x words and 4 w words unpacked, ${ROWS}·16 f32 multiply-adds. For
//         groups of 4·odd output channels, where the 8-channel tile does not fit. Overwrites y.
//! else
// Thread: i = mt·(C/8) + c8 computes words y[${ROWS}·mt + r, 2·c8 .. 2·c8+1], r < ${ROWS} (rows past M computed on a
//         clamped row and not stored). Per k-step: ${ROWS} x words and 8 w words unpacked, ${ROWS}·32 f32 multiply-adds.
//         Overwrites y.
//! end
//! end
//! import int8_unpack
//! import int8_f32
//! import requant

struct Params {
  n: u32,
  m: u32,       // rows: N·H·W
  k4: u32,      // words per input row: ⌈K/4⌉
  c: u32,       // output channels
  groups: u32,
  kg4: u32,     // words per group of input channels
  y_zero: i32,
  qmin: i32,
  qmax: i32,
}

override WG: u32 = 64u;
override FLUSH4: u32 = 256u; // k-steps summed in f32 before the i32 flush (≤ 256 keeps every sum exact)

//! uniform params: Params
//! read x: array<u32>
//! read w: array<vec4<u32>>
//! read qp: array<vec4<i32>>
//! read_write y: array<u32>

// requantize four channels' accumulators (words c4 of qp: bias, m, s) and clamp
fn rq4(a: vec4<i32>, c4: u32) -> vec4<i32> {
  let r = requant4(a + qp[3u * c4], qp[3u * c4 + 1u], qp[3u * c4 + 2u]);
  return clamp(r + params.y_zero, vec4<i32>(params.qmin), vec4<i32>(params.qmax));
}

fn store8(row: u32, c4: u32, a: vec4<i32>, b: vec4<i32>) {
  if (row >= params.m) { return; }
  let lo = rq4(a, c4);
  let hi = rq4(b, c4 + 1u);
  let c4n = params.c / 4u;
  y[row * c4n + c4] = pack4i8(lo);
  y[row * c4n + c4 + 1u] = pack4i8(hi);
}

fn store4(row: u32, c4: u32, a: vec4<i32>) {
  if (row >= params.m) { return; }
  let q = rq4(a, c4);
  y[row * (params.c / 4u) + c4] = pack4i8(q);
}

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  let c4n = params.c / 4u;
  let c8n = params.c / 8u;
//! if QUAD
  // no early return: the whole quad takes part in quadBroadcast; out-of-range work is clamped and not stored
  let lane = i % 4u;
  let qi = i / 4u;
  let c4 = 2u * min(qi % c8n, c8n - 1u);
  let m0 = ((qi / c8n) * 4u + lane) * ${ROWS}u;
  let live = i < params.n;
//! else
  if (i >= params.n) { return; }
//! if HALF
  let c4 = i % c4n;
  let m0 = (i / c4n) * ${ROWS}u;
//! else
  let c4 = 2u * (i % c8n);
  let m0 = (i / c8n) * ${ROWS}u;
//! end
//! end
  let g = (c4 * 4u) / (params.c / params.groups);
  let last = params.m - 1u;
//! for r in 0..ROWS
  let x${r} = min(m0 + ${r}u, last) * params.k4 + g * params.kg4;
//! end
//! for r in 0..ROWS
  var a${r} = vec4<i32>(0); var b${r} = vec4<i32>(0);
//! end
//! if QUAD
  let jl = params.kg4 - 1u;
//! else
  var wb = c4;
//! end
//! if NOFLUSH
  // one chunk: Kg/4 ≤ FLUSH4 words (the planner checks), no flush loop
  {
    let j0 = 0u;
    let j1 = params.kg4;
//! else
  for (var j0 = 0u; j0 < params.kg4; j0 += FLUSH4) {
    let j1 = min(j0 + FLUSH4, params.kg4);
//! end
//! for r in 0..ROWS
    var fa${r} = vec4<f32>(0.0); var fb${r} = vec4<f32>(0.0);
//! end
//! if QUAD
    for (var j = j0; j < j1; j += 4u) {
      // this invocation's k-step j + lane (zero weights past the end: those k-steps add nothing)
      let mine = j + lane;
      let wz = vec4<u32>(0u);
      let p = select(wz, w[min(mine, jl) * c4n + c4], mine < j1);
      let q = select(wz, w[min(mine, jl) * c4n + c4 + 1u], mine < j1);
      let P0 = lane4f(p, 0u); let P1 = lane4f(p, 1u); let P2 = lane4f(p, 2u); let P3 = lane4f(p, 3u);
      let Q0 = lane4f(q, 0u); let Q1 = lane4f(q, 1u); let Q2 = lane4f(q, 2u); let Q3 = lane4f(q, 3u);
//! for s in 0..4
      {
        let p0 = quadBroadcast(P0, ${s}u); let p1 = quadBroadcast(P1, ${s}u); let p2 = quadBroadcast(P2, ${s}u); let p3 = quadBroadcast(P3, ${s}u);
        let q0 = quadBroadcast(Q0, ${s}u); let q1 = quadBroadcast(Q1, ${s}u); let q2 = quadBroadcast(Q2, ${s}u); let q3 = quadBroadcast(Q3, ${s}u);
        let js = min(j + ${s}u, jl);
//! for r in 0..ROWS
        let v${r} = unpack4f(x[x${r} + js]);
        fa${r} += v${r}.x * p0 + v${r}.y * p1 + v${r}.z * p2 + v${r}.w * p3;
        fb${r} += v${r}.x * q0 + v${r}.y * q1 + v${r}.z * q2 + v${r}.w * q3;
//! end
      }
//! end
    }
//! else
    for (var j = j0; j < j1; j++) {
//! if HALF
      let p = w[wb];
      wb += c4n;
      let p0 = lane4f(p, 0u); let p1 = lane4f(p, 1u); let p2 = lane4f(p, 2u); let p3 = lane4f(p, 3u);
//! for r in 0..ROWS
      let v${r} = unpack4f(x[x${r} + j]);
      fa${r} += v${r}.x * p0 + v${r}.y * p1 + v${r}.z * p2 + v${r}.w * p3;
//! end
//! else
      let p = w[wb];
      let q = w[wb + 1u];
      wb += c4n;
      // p_k / q_k: input channel 4j+k's weights for output channels c4·4 .. +3 / +4 .. +7
      let p0 = lane4f(p, 0u); let p1 = lane4f(p, 1u); let p2 = lane4f(p, 2u); let p3 = lane4f(p, 3u);
      let q0 = lane4f(q, 0u); let q1 = lane4f(q, 1u); let q2 = lane4f(q, 2u); let q3 = lane4f(q, 3u);
//! for r in 0..ROWS
      let v${r} = unpack4f(x[x${r} + j]);
      fa${r} += v${r}.x * p0 + v${r}.y * p1 + v${r}.z * p2 + v${r}.w * p3;
      fb${r} += v${r}.x * q0 + v${r}.y * q1 + v${r}.z * q2 + v${r}.w * q3;
//! end
//! end
    }
//! end
//! for r in 0..ROWS
    a${r} += vec4<i32>(fa${r} * UNSCALE); b${r} += vec4<i32>(fb${r} * UNSCALE);
//! end
  }
//! if QUAD
  if (!live) { return; }
//! end
//! if REQF
  // requant4 without per-channel shift counts (common/requant.wgsl), its constants loaded once for all rows
  let rqa = requantf_load(qp[3u * c4], qp[3u * c4 + 1u], qp[3u * c4 + 2u]);
//! if HALF
//! else
  let rqb = requantf_load(qp[3u * c4 + 3u], qp[3u * c4 + 4u], qp[3u * c4 + 5u]);
//! end
  let zy = vec4<f32>(f32(params.y_zero));
  let lo = vec4<f32>(f32(params.qmin));
  let hi = vec4<f32>(f32(params.qmax));
//! for r in 0..ROWS
  if (m0 + ${r}u < params.m) {
    y[(m0 + ${r}u) * c4n + c4] = pack4i8f(clamp(requantf(a${r}, rqa) + zy, lo, hi));
//! if HALF
//! else
    y[(m0 + ${r}u) * c4n + c4 + 1u] = pack4i8f(clamp(requantf(b${r}, rqb) + zy, lo, hi));
//! end
  }
//! end
//! else
//! for r in 0..ROWS
//! if HALF
  store4(m0 + ${r}u, c4, a${r});
//! else
  store8(m0 + ${r}u, c4, a${r}, b${r});
//! end
//! end
//! end
}
