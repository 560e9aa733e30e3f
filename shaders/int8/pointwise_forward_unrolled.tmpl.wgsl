// ${NAME} — int8 1×1 convolution (stride 1, unpadded, optionally grouped) as a GEMM with a ${ROWS} rows × 8
// channels register tile held in named registers (a_r, b_r: no private arrays, which SwiftShader keeps in memory),
//! if DOT4
// requantization fused; products by dot4I8Packed (WGSL feature packed_4x8_integer_dot_product).
//! else
// requantization fused; products by unpack-and-multiply in core WGSL.
//! end
//
// Math:   acc[m,c] = qp.bias[c] + Σ_{k<Kg} xq[m, g·Kg + k]·wq[k, c],  g = c / (C/groups)
//         (qp.bias = round(b/(sx·sw)) − zx·Σw: the input zero point is folded out),
//         yq = clamp(zy + requant(acc, m[c], s[c]), qmin, qmax)   (common/requant.wgsl).
// Layout: x [M, ⌈K/4⌉] u32 (q8), w [⌈Kg/4⌉, C] u32 read as vec4<u32> (needs (C/groups) % 8 == 0),
//         qp [C/4][3] vec4<i32>, y [M, C/4] u32 (q8).
// Thread: i = mt·(C/8) + c8 computes words y[${ROWS}·mt + r, 2·c8 .. 2·c8+1], r < ${ROWS} (rows past M computed on a
//         clamped row and not stored). Overwrites y.
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

//! uniform params: Params
//! read x: array<u32>
//! read w: array<vec4<u32>>
//! read qp: array<vec4<i32>>
//! read_write y: array<u32>

fn dot8(xv: u32, p: vec4<u32>, q: vec4<u32>, a: ptr<function, vec4<i32>>, b: ptr<function, vec4<i32>>) {
  *a += vec4<i32>(dot4i8(xv, p.x), dot4i8(xv, p.y), dot4i8(xv, p.z), dot4i8(xv, p.w));
  *b += vec4<i32>(dot4i8(xv, q.x), dot4i8(xv, q.y), dot4i8(xv, q.z), dot4i8(xv, q.w));
}

fn store8(row: u32, c4: u32, a: vec4<i32>, b: vec4<i32>) {
  if (row >= params.m) { return; }
  let lo = clamp(requant4(a + qp[3u * c4], qp[3u * c4 + 1u], qp[3u * c4 + 2u]) + params.y_zero, vec4<i32>(params.qmin), vec4<i32>(params.qmax));
  let hi = clamp(requant4(b + qp[3u * c4 + 3u], qp[3u * c4 + 4u], qp[3u * c4 + 5u]) + params.y_zero, vec4<i32>(params.qmin), vec4<i32>(params.qmax));
  let c4n = params.c / 4u;
  y[row * c4n + c4] = pack4i8(lo);
  y[row * c4n + c4 + 1u] = pack4i8(hi);
}

//! entry
  let c4n = params.c / 4u;
  let c8n = params.c / 8u;
  let c4 = 2u * (i % c8n);
  let m0 = (i / c8n) * ${ROWS}u;
  let g = (c4 * 4u) / (params.c / params.groups);
  let last = params.m - 1u;
//! for r in 0..ROWS
  let x${r} = min(m0 + ${r}u, last) * params.k4 + g * params.kg4;
//! end
//! for r in 0..ROWS
  var a${r} = vec4<i32>(0); var b${r} = vec4<i32>(0);
//! end
  var wb = c4;
  for (var j = 0u; j < params.kg4; j++) {
    let p = w[wb];
    let q = w[wb + 1u];
    wb += c4n;
//! for r in 0..ROWS
    dot8(x[x${r} + j], p, q, &a${r}, &b${r});
//! end
  }
//! for r in 0..ROWS
  store8(m0 + ${r}u, c4, a${r}, b${r});
//! end
}
