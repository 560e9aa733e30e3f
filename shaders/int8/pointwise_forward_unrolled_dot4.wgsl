// int8/pointwise_forward_unrolled_dot4 — int8 1×1 convolution (stride 1, unpadded, optionally grouped) as a GEMM with
// a 4 rows × 8 channels register tile held in named registers, requantization fused; products by dot4I8Packed.
//
// Math:   as int8/pointwise_forward_dot4: acc[m,c] = qp.bias[c] + Σ_{k<Kg} xq[m, g·Kg + k]·wq[k, c],
//         yq = clamp(zy + requant(acc, m[c], s[c]), qmin, qmax).
// Layout: x [M, ⌈K/4⌉] u32 (q8), w [⌈Kg/4⌉, C] u32 read as vec4<u32> (needs (C/groups) % 8 == 0),
//         qp [C/4][3] vec4<i32>, y [M, C/4] u32 (q8).
// Thread: i = mt·(C/8) + c8 computes words y[4·mt + r, 2·c8 .. 2·c8+1], r < 4 (rows past M computed on a clamped
//         row and not stored). Overwrites y.
//! import int8_native
//! import int8_pointwise_unrolled_body
