// int8/pointwise_forward_unpack — int8 1×1 convolution (stride 1, no padding; optionally grouped) as a GEMM with a
// register tile and requantization fused; products by unpack-and-multiply in core WGSL.
//
// Math:   acc[m,c] = qp.bias[c] + Σ_{k<Kg} xq[m, g·Kg + k] · wq[k, c],  g = c / (C/groups)
//         (qp.bias = round(b/(sx·sw)) − zx·Σw: the input zero point is folded out),
//         yq[m,c] = clamp(zy + requant(acc, m[c], s[c]), qmin, qmax)   (common/requant.wgsl).
// Layout: x  [M, ⌈K/4⌉] u32 (q8: 4 channels per word, channel k in byte k % 4; groups > 1 needs Kg % 4 == 0),
//         w  [⌈Kg/4⌉, C] u32 (byte k of word (j, c) = wq[4j+k, c], 0 past Kg), read as vec4<u32> along C,
//         qp [C/4][3] vec4<i32> (bias, m, s), y [M, C/4] u32 (q8). Needs (C/groups) % 4 == 0.
// Thread: i = mt·(C/4) + c4 computes words y[mt·TM + r, c4] for r < TM (rows past M skipped). Overwrites y.
//! import int8_unpack
//! import int8_pointwise_body
