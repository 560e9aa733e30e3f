// ${NAME} — binary (XNOR-popcount) 1×1 convolution (stride 1, unpadded: a GEMM over the M = N·H·W pixels), b1 in and
// b1 out, with a ${ROWS} pixels × 32 channels popcount tile in named registers. The four invocations of a quad compute
// the same 32 output channels for four pixel tiles; per input word each invocation loads a quarter of the 32 weight
// words (2 vec4) and quadBroadcast hands them to the others, so every weight word loaded serves 4·${ROWS} pixels.
//! if REGTHR
// This flavour holds the 32 thresholds in registers for all ${ROWS} pixels (loaded once, not once per pixel) and builds
// each output word with selects of constant bit masks: no shifts (SwiftShader emulates vector shifts lane by lane,
// about as dear as a popcount).
//! end
//! if FOLD
// This flavour moves the thresholds into the popcount domain once per invocation: dot < thr ⇔ p > t with
// t = ⌊(Cin − thr)/2⌋, and a flipped channel's p ≤ t ⇔ ~p > ~(t + 1) (~ reverses the order of i32), so each output
// bit is one xor and one compare, `(p ^ F) > T`; the 32 bits are or-ed as vectors and folded across lanes once.
//! end
// Needs the 'subgroups' feature (quad operations).
//
// Math:   dot[m, co] = Cin − 2·popcount(x_bits[m] xor w_bits[co]); output bit = (dot < thr[co]) ≠ flip[co]
//         (batch-norm + sign as an integer threshold, see xnor/conv2d_forward_bits and xnorThresholds).
// Layout: x [M, ⌈Cin/32⌉] u32 (b1: channel c is bit c % 32 of word c / 32, bit 1 ⇔ −1, padding bits 0),
//         w [⌈Cin/32⌉, Cout] u32 read as vec4<u32> along Cout, thr [Cout/4][2] vec4<i32> (threshold, flip),
//         y [M, Cout/32] u32 (b1). Needs Cout % 32 == 0.
// Thread: i = (q·(Cout/32) + co32)·4 + lane computes the words y[${ROWS}·(4q + lane) + r, co32], r < ${ROWS}. Pixels
//         past M (and invocations past the grid) compute on clamped indices and store nothing, so every quad stays
//         whole for quadBroadcast. Overwrites y.
enable subgroups;

struct Params {
  n: u32,
  m: u32,      // pixels N·H·W
  cin: u32,
  c32: u32,    // words per pixel: ⌈Cin/32⌉
  cout: u32,
}

override WG: u32 = 64u;

//! uniform params: Params
//! read x: array<u32>
//! read w: array<vec4<u32>>
//! read thr: array<vec4<i32>>
//! read_write y: array<u32>

fn pc(xv: u32, wv: vec4<u32>) -> vec4<u32> { return countOneBits(vec4<u32>(xv) ^ wv); }

//! if REGTHR
// 4 output bits (channels 4v .. 4v+3 of the word, at bit positions `mask`) from their popcounts.
fn bits4m(p: vec4<u32>, th: vec4<i32>, flip: vec4<bool>, mask: vec4<u32>) -> u32 {
  let dot = vec4<i32>(i32(params.cin)) - 2 * vec4<i32>(p);
  let s = select(vec4<u32>(0u), mask, (dot < th) != flip);
  return s.x | s.y | s.z | s.w;
}
//! else
// 4 output bits (channels 4v .. 4v+3 of the word) from their popcounts, at bit position 4v.
fn bits4(p: vec4<u32>, t: u32, v: u32) -> u32 {
  let dot = vec4<i32>(i32(params.cin)) - 2 * vec4<i32>(p);
  let neg = vec4<u32>((dot < thr[2u * t]) != (thr[2u * t + 1u] != vec4<i32>(0)));
  return (neg.x | (neg.y << 1u) | (neg.z << 2u) | (neg.w << 3u)) << (4u * v);
}
//! end

//! import invocation
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation_index(gid, nwg);
  // no early return: the whole quad takes part in quadBroadcast; out-of-range work is clamped and not stored
  let lane = i % 4u;
  let qi = i / 4u;
  let cout4 = params.cout / 4u;
  let cout32 = params.cout / 32u;
  let co32 = min(qi % cout32, cout32 - 1u);
  let m0 = ((qi / cout32) * 4u + lane) * ${ROWS}u;
  let live = i < params.n;
  let last = params.m - 1u;
//! for r in 0..ROWS
  let x${r} = min(m0 + ${r}u, last) * params.c32;
  var p${r}0 = vec4<u32>(0u); var p${r}1 = vec4<u32>(0u); var p${r}2 = vec4<u32>(0u); var p${r}3 = vec4<u32>(0u);
  var p${r}4 = vec4<u32>(0u); var p${r}5 = vec4<u32>(0u); var p${r}6 = vec4<u32>(0u); var p${r}7 = vec4<u32>(0u);
//! end
  var wb = co32 * 8u;
  for (var j = 0u; j < params.c32; j++) {
    let mine0 = w[wb + lane];
    let mine1 = w[wb + 4u + lane];
    wb += cout4;
    let w0 = quadBroadcast(mine0, 0u); let w1 = quadBroadcast(mine0, 1u);
    let w2 = quadBroadcast(mine0, 2u); let w3 = quadBroadcast(mine0, 3u);
    let w4 = quadBroadcast(mine1, 0u); let w5 = quadBroadcast(mine1, 1u);
    let w6 = quadBroadcast(mine1, 2u); let w7 = quadBroadcast(mine1, 3u);
//! for r in 0..ROWS
    let v${r} = x[x${r} + j];
    p${r}0 += pc(v${r}, w0); p${r}1 += pc(v${r}, w1); p${r}2 += pc(v${r}, w2); p${r}3 += pc(v${r}, w3);
    p${r}4 += pc(v${r}, w4); p${r}5 += pc(v${r}, w5); p${r}6 += pc(v${r}, w6); p${r}7 += pc(v${r}, w7);
//! end
  }
  if (!live) { return; }
  let t = co32 * 8u;
//! if FOLD
  let cin = vec4<i32>(i32(params.cin));
//! for k in 0..8
  let tt${k} = (cin - thr[2u * (t + ${k}u)]) >> vec4<u32>(1u);
  let fl${k} = thr[2u * (t + ${k}u) + 1u] != vec4<i32>(0);
  let T${k} = select(tt${k}, ~(tt${k} + vec4<i32>(1)), fl${k});
  let F${k} = select(vec4<i32>(0), vec4<i32>(-1), fl${k});
//! end
//! for r in 0..ROWS
  if (m0 + ${r}u < params.m) {
    var acc = vec4<u32>(0u);
//! for k in 0..8
    acc |= select(vec4<u32>(0u), vec4<u32>(1u, 2u, 4u, 8u) << vec4<u32>(4u * ${k}u), (vec4<i32>(p${r}${k}) ^ F${k}) > T${k});
//! end
    y[(m0 + ${r}u) * cout32 + co32] = acc.x | acc.y | acc.z | acc.w;
  }
//! end
//! else
//! if REGTHR
//! for k in 0..8
  let th${k} = thr[2u * (t + ${k}u)];
  let fl${k} = thr[2u * (t + ${k}u) + 1u] != vec4<i32>(0);
//! end
//! for r in 0..ROWS
  if (m0 + ${r}u < params.m) {
    y[(m0 + ${r}u) * cout32 + co32] =
//! for k in 0..8
      bits4m(p${r}${k}, th${k}, fl${k}, vec4<u32>(1u, 2u, 4u, 8u) << vec4<u32>(4u * ${k}u)) |
//! end
      0u;
  }
//! end
//! else
//! for r in 0..ROWS
  if (m0 + ${r}u < params.m) {
    y[(m0 + ${r}u) * cout32 + co32] =
      bits4(p${r}0, t, 0u) | bits4(p${r}1, t + 1u, 1u) | bits4(p${r}2, t + 2u, 2u) | bits4(p${r}3, t + 3u, 3u) |
      bits4(p${r}4, t + 4u, 4u) | bits4(p${r}5, t + 5u, 5u) | bits4(p${r}6, t + 6u, 6u) | bits4(p${r}7, t + 7u, 7u);
  }
//! end
//! end
//! end
}
