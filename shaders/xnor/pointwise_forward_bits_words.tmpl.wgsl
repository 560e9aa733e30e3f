// ${NAME} — binary (XNOR-popcount) 1×1 convolution (stride 1, unpadded: a GEMM over the M = N·H·W pixels), b1 in
// and b1 out, ${ROWS} pixels × 32 channels per invocation, ${G} input words per trip of the word loop. Same thread
// mapping as xnor/pointwise_forward_bits_quad*: the four invocations of a quad compute the same 32 output channels
// for four pixel tiles, each loads a quarter of a word's 32 weight words (2 vec4) and quadBroadcast hands them to the
// others, so every weight word loaded serves 4·${ROWS} pixels and every x word loaded serves 32 channels.
// Why, on SwiftShader (Subzero): the 8·${ROWS} vec4 popcount accumulators are loop-carried and go through memory on
// every trip; with ${G} words per trip they are touched once per ${G} words. With CSA set, the ${G} xor words of one
// (pixel, 4 channels) are first added bit-sliced with carry-save adders (Harley–Seal: full adder s = a ^ b ^ c,
// carry = (a & b) | ((a ^ b) & c), only and/or/xor), so ${G} words need log2(${G}) + 1 popcounts instead of ${G}.
// The epilogue holds the 32 thresholds in registers for all ${ROWS} pixels and builds each output word with selects of
// constant bit masks (no shifts: SwiftShader emulates vector shifts lane by lane). Words past the last multiple of
// ${G} go through a one-word loop.
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

//! if CSA
// Bit counts of 4 words added position by position: ones + 2·twos + 4·fours, then 3 popcounts (weights by adds).
fn pc4(a0: vec4<u32>, a1: vec4<u32>, a2: vec4<u32>, a3: vec4<u32>) -> vec4<u32> {
  let u = a0 ^ a1;
  let s = u ^ a2;
  let c1 = (a0 & a1) | (u & a2);
  let ones = s ^ a3;
  let c2 = s & a3;
  let f = countOneBits(c1 & c2);
  let t = countOneBits(c1 ^ c2) + f + f;
  return countOneBits(ones) + t + t;
}

// Bit counts of 8 words: ones + 2·twos + 4·fours + 8·eights, then 4 popcounts.
fn pc8(a0: vec4<u32>, a1: vec4<u32>, a2: vec4<u32>, a3: vec4<u32>, a4: vec4<u32>, a5: vec4<u32>, a6: vec4<u32>,
       a7: vec4<u32>) -> vec4<u32> {
  let u1 = a0 ^ a1; let s1 = u1 ^ a2; let c1 = (a0 & a1) | (u1 & a2);
  let u2 = s1 ^ a3; let s2 = u2 ^ a4; let c2 = (s1 & a3) | (u2 & a4);
  let u3 = s2 ^ a5; let s3 = u3 ^ a6; let c3 = (s2 & a5) | (u3 & a6);
  let ones = s3 ^ a7; let c4 = s3 & a7;
  // the four carries (weight 2)
  let v1 = c1 ^ c2; let t1 = v1 ^ c3; let d1 = (c1 & c2) | (v1 & c3);
  let twos = t1 ^ c4; let d2 = t1 & c4;
  // the two carries of those (weight 4)
  let e = countOneBits(d1 & d2);
  let h = countOneBits(d1 ^ d2) + e + e;
  let t = countOneBits(twos) + h + h;
  return countOneBits(ones) + t + t;
}
//! end

// 4 output bits (channels 4v .. 4v+3 of the word, at bit positions `mask`) from their popcounts.
fn bits4(p: vec4<u32>, th: vec4<i32>, flip: vec4<bool>, mask: vec4<u32>) -> u32 {
  let dot = vec4<i32>(i32(params.cin)) - 2 * vec4<i32>(p);
  let s = select(vec4<u32>(0u), mask, (dot < th) != flip);
  return s.x | s.y | s.z | s.w;
}

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
  let jg = params.c32 - params.c32 % ${G}u;
  var j = 0u;
  for (; j < jg; j += ${G}u) {
//! for g in 0..G
    let mine${g}0 = w[wb + lane];
    let mine${g}1 = w[wb + 4u + lane];
    wb += cout4;
    let w${g}0 = quadBroadcast(mine${g}0, 0u); let w${g}1 = quadBroadcast(mine${g}0, 1u);
    let w${g}2 = quadBroadcast(mine${g}0, 2u); let w${g}3 = quadBroadcast(mine${g}0, 3u);
    let w${g}4 = quadBroadcast(mine${g}1, 0u); let w${g}5 = quadBroadcast(mine${g}1, 1u);
    let w${g}6 = quadBroadcast(mine${g}1, 2u); let w${g}7 = quadBroadcast(mine${g}1, 3u);
//! end
//! for r in 0..ROWS
//! for g in 0..G
    let v${r}_${g} = vec4<u32>(x[x${r} + j + ${g}u]);
//! end
//! for k in 0..8
//! if CSA
    p${r}${k} += pc${G}(
//! for g in 0..G
      v${r}_${g} ^ w${g}${k},
//! end
    );
//! else
//! for g in 0..G
    p${r}${k} += countOneBits(v${r}_${g} ^ w${g}${k});
//! end
//! end
//! end
//! end
  }
  // the last c32 mod ${G} words, one at a time
  for (; j < params.c32; j++) {
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
//! for k in 0..8
  let th${k} = thr[2u * (t + ${k}u)];
  let fl${k} = thr[2u * (t + ${k}u) + 1u] != vec4<i32>(0);
//! end
//! for r in 0..ROWS
  if (m0 + ${r}u < params.m) {
    y[(m0 + ${r}u) * cout32 + co32] =
//! for k in 0..8
      bits4(p${r}${k}, th${k}, fl${k}, vec4<u32>(1u, 2u, 4u, 8u) << vec4<u32>(4u * ${k}u)) |
//! end
      0u;
  }
//! end
}
