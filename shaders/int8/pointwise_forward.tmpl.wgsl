// ${NAME} — int8 1×1 convolution (stride 1, no padding; optionally grouped) as a GEMM with a
//! if DOT4
// register tile and requantization fused; products by dot4I8Packed (WGSL feature packed_4x8_integer_dot_product).
//! else
// register tile and requantization fused; products by unpack-and-multiply in core WGSL.
//! end
//
// Math:   acc[m,c] = qp.bias[c] + Σ_{k<Kg} xq[m, g·Kg + k] · wq[k, c],  g = c / (C/groups)
//         (qp.bias = round(b/(sx·sw)) − zx·Σw: the input zero point is folded out),
//         yq[m,c] = clamp(zy + requant(acc, m[c], s[c]), qmin, qmax)   (common/requant.wgsl).
// Layout: x  [M, ⌈K/4⌉] u32 (q8: 4 channels per word, channel k in byte k % 4; groups > 1 needs Kg % 4 == 0),
//         w  [⌈Kg/4⌉, C] u32 (byte k of word (j, c) = wq[4j+k, c], 0 past Kg), read as vec4<u32> along C,
//         qp [C/4][3] vec4<i32> (bias, m, s), y [M, C/4] u32 (q8). Needs (C/groups) % 4 == 0.
// Thread: i = mt·(C/4) + c4 computes words y[mt·TM + r, c4] for r < TM (rows past M skipped). Overwrites y.
//! import int8_${FLAVOUR}
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
override TM: u32 = 4u;
const MAX_TM: u32 = 8u;

//! uniform params: Params
//! read x: array<u32>
//! read w: array<vec4<u32>>
//! read qp: array<vec4<i32>>
//! read_write y: array<u32>

//! entry
  let c4n = params.c / 4u;
  let c4 = i % c4n;
  let m0 = (i / c4n) * TM;
  let g = (c4 * 4u) / (params.c / params.groups);
  let rows = min(TM, params.m - m0);
  var acc: array<vec4<i32>, MAX_TM>;
  for (var r = 0u; r < TM; r++) { acc[r] = vec4<i32>(0); }
  for (var j = 0u; j < params.kg4; j++) {
    let wv = w[j * c4n + c4];
    for (var r = 0u; r < TM; r++) {
      if (r >= rows) { break; }
      let xv = x[(m0 + r) * params.k4 + g * params.kg4 + j];
      acc[r] += vec4<i32>(dot4i8(xv, wv.x), dot4i8(xv, wv.y), dot4i8(xv, wv.z), dot4i8(xv, wv.w));
    }
  }
  let bias = qp[3u * c4];
  let m = qp[3u * c4 + 1u];
  let s = qp[3u * c4 + 2u];
  for (var r = 0u; r < TM; r++) {
    if (r >= rows) { break; }
    let q = clamp(requant4(acc[r] + bias, m, s) + params.y_zero, vec4<i32>(params.qmin), vec4<i32>(params.qmax));
    y[(m0 + r) * c4n + c4] = pack4i8(q);
  }
}
