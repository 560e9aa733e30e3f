// Template instances: every kernel made from a `shaders/<family>/<stem>.tmpl.wgsl` template, by literal name, with
// the parameters its template is expanded with (see shaders.ts for the syntax). A kernel name is always greppable:
// either a plain file shaders/<name>.wgsl or a key here. The name says the tile shape / flavour.

export type TemplateParams = Record<string, string | number>;
export interface TemplateInstance {
  template: string;
  params: TemplateParams;
}

export const TEMPLATE_INSTANCES: Record<string, TemplateInstance> = {
  // 1×1 conv GEMM, ROWS × 8 tile in named registers; QUAD shares weight loads across a quad (subgroups)
  'conv/pointwise_forward_unrolled4x8': { template: 'conv/pointwise_forward_unrolled', params: { ROWS: 4, QUAD: 0 } },
  'conv/pointwise_forward_unrolled8x8': { template: 'conv/pointwise_forward_unrolled', params: { ROWS: 8, QUAD: 0 } },
  'conv/pointwise_forward_quad4x8': { template: 'conv/pointwise_forward_unrolled', params: { ROWS: 4, QUAD: 1 } },
  // general convolution with implicit im2col, ROWS output columns × COLS (= 4·CB) channels in named registers; VEC
  // reads the input as vec4 along channels (Cg % 4 == 0), else one channel at a time (Cin = 1 or 3 first layers)
  'conv/conv2d_forward_unrolled4x8_vec': { template: 'conv/conv2d_forward_unrolled', params: { ROWS: 4, CB: 2, COLS: 8, VEC: 1, QUAD: 0 } },
  'conv/conv2d_forward_quad4x8_vec': { template: 'conv/conv2d_forward_unrolled', params: { ROWS: 4, CB: 2, COLS: 8, VEC: 1, QUAD: 1 } },
  'conv/conv2d_forward_quad8x8_vec': { template: 'conv/conv2d_forward_unrolled', params: { ROWS: 8, CB: 2, COLS: 8, VEC: 1, QUAD: 1 } },
  'conv/conv2d_forward_quad8x16_vec': { template: 'conv/conv2d_forward_unrolled', params: { ROWS: 8, CB: 4, COLS: 16, VEC: 1, QUAD: 1 } },
  'conv/conv2d_forward_quad4x16_vec': { template: 'conv/conv2d_forward_unrolled', params: { ROWS: 4, CB: 4, COLS: 16, VEC: 1, QUAD: 1 } },
  'conv/conv2d_forward_quad7x16_vec': { template: 'conv/conv2d_forward_unrolled', params: { ROWS: 7, CB: 4, COLS: 16, VEC: 1, QUAD: 1 } },
  'conv/conv2d_forward_quad7x32_vec': { template: 'conv/conv2d_forward_unrolled', params: { ROWS: 7, CB: 8, COLS: 32, VEC: 1, QUAD: 1 } },
  'conv/conv2d_forward_quad7x8_vec': { template: 'conv/conv2d_forward_unrolled', params: { ROWS: 7, CB: 2, COLS: 8, VEC: 1, QUAD: 1 } },
  // KW = 3, column stride and dilation 1: the three column taps over one sliding window of ROWS + 2 input pixels
  'conv/conv2d_forward_slidequad7x32': { template: 'conv/conv2d_forward_slide', params: { ROWS: 7, WIN: 9, CB: 8, COLS: 32 } },
  'conv/conv2d_forward_slidequad7x16': { template: 'conv/conv2d_forward_slide', params: { ROWS: 7, WIN: 9, CB: 4, COLS: 16 } },
  'conv/conv2d_forward_slidequad7x8': { template: 'conv/conv2d_forward_slide', params: { ROWS: 7, WIN: 9, CB: 2, COLS: 8 } },
  'conv/conv2d_forward_unrolled4x16_vec': {
    template: 'conv/conv2d_forward_unrolled',
    params: { ROWS: 4, CB: 4, COLS: 16, VEC: 1, QUAD: 0 },
  },
  'conv/conv2d_forward_unrolled8x8_vec': { template: 'conv/conv2d_forward_unrolled', params: { ROWS: 8, CB: 2, COLS: 8, VEC: 1, QUAD: 0 } },
  'conv/conv2d_forward_unrolled4x8': { template: 'conv/conv2d_forward_unrolled', params: { ROWS: 4, CB: 2, COLS: 8, VEC: 0, QUAD: 0 } },
  'conv/conv2d_forward_unrolled8x16': { template: 'conv/conv2d_forward_unrolled', params: { ROWS: 8, CB: 4, COLS: 16, VEC: 0, QUAD: 0 } },
  'conv/conv2d_forward_unrolled4x32': { template: 'conv/conv2d_forward_unrolled', params: { ROWS: 4, CB: 8, COLS: 32, VEC: 0, QUAD: 0 } },
  'conv/conv2d_forward_unrolled7x8': { template: 'conv/conv2d_forward_unrolled', params: { ROWS: 7, CB: 2, COLS: 8, VEC: 0, QUAD: 0 } },
  'conv/conv2d_forward_unrolled14x8': { template: 'conv/conv2d_forward_unrolled', params: { ROWS: 14, CB: 2, COLS: 8, VEC: 0, QUAD: 0 } },
  'conv/conv2d_forward_unrolled7x32': { template: 'conv/conv2d_forward_unrolled', params: { ROWS: 7, CB: 8, COLS: 32, VEC: 0, QUAD: 0 } },
  'conv/conv2d_forward_unrolled14x16': { template: 'conv/conv2d_forward_unrolled', params: { ROWS: 14, CB: 4, COLS: 16, VEC: 0, QUAD: 0 } },
  // the 16 GEMMs of the Winograd F(2×2, 3×3) convolution: ROWS tiles × COLS output channels per invocation, quad
  'conv/conv2d_forward_winograd_gemm8x32': { template: 'conv/conv2d_forward_winograd_gemm', params: { ROWS: 8, CB: 8, COLS: 32 } },
  'conv/conv2d_forward_winograd_gemm16x32': { template: 'conv/conv2d_forward_winograd_gemm', params: { ROWS: 16, CB: 8, COLS: 32 } },
  'conv/conv2d_forward_winograd_gemm8x64': { template: 'conv/conv2d_forward_winograd_gemm', params: { ROWS: 8, CB: 16, COLS: 64 } },
  'conv/conv2d_forward_winograd_gemm4x32': { template: 'conv/conv2d_forward_winograd_gemm', params: { ROWS: 4, CB: 8, COLS: 32 } },
  'conv/conv2d_forward_winograd_gemm8x16': { template: 'conv/conv2d_forward_winograd_gemm', params: { ROWS: 8, CB: 4, COLS: 16 } },
  'conv/conv2d_forward_winograd_gemm4x16': { template: 'conv/conv2d_forward_winograd_gemm', params: { ROWS: 4, CB: 4, COLS: 16 } },
  'conv/conv2d_forward_winograd_gemm8x8': { template: 'conv/conv2d_forward_winograd_gemm', params: { ROWS: 8, CB: 2, COLS: 8 } },
  'conv/conv2d_forward_winograd_gemm4x8': { template: 'conv/conv2d_forward_winograd_gemm', params: { ROWS: 4, CB: 2, COLS: 8 } },
  'conv/conv2d_forward_winograd_gemm8x4': { template: 'conv/conv2d_forward_winograd_gemm', params: { ROWS: 8, CB: 1, COLS: 4 } },
  // 3×3 convolution of a one-channel input (stride 1, dilation 1): a whole output row × COLS = 4·CB channels per
  // invocation, 3 × 3 sliding input window, the weights in named registers
  'conv/conv2d_forward_cin1_3x3c8': { template: 'conv/conv2d_forward_cin1_3x3', params: { CB: 2, COLS: 8 } },
  'conv/conv2d_forward_cin1_3x3c16': { template: 'conv/conv2d_forward_cin1_3x3', params: { CB: 4, COLS: 16 } },
  // conv2d weight gradient with implicit im2col: 4 input channels × COLS (= 4·CB) output channels per invocation, split-K
  'conv/conv2d_backward_weight_unrolled4x8': {
    template: 'conv/conv2d_backward_weight_unrolled',
    params: { ROWS: 4, XB: 1, CB: 2, COLS: 8, QUAD: 0 },
  },
  'conv/conv2d_backward_weight_unrolled4x16': {
    template: 'conv/conv2d_backward_weight_unrolled',
    params: { ROWS: 4, XB: 1, CB: 4, COLS: 16, QUAD: 0 },
  },
  'conv/conv2d_backward_weight_unrolled8x8': {
    template: 'conv/conv2d_backward_weight_unrolled',
    params: { ROWS: 8, XB: 2, CB: 2, COLS: 8, QUAD: 0 },
  },
  'conv/conv2d_backward_weight_unrolled8x16': {
    template: 'conv/conv2d_backward_weight_unrolled',
    params: { ROWS: 8, XB: 2, CB: 4, COLS: 16, QUAD: 0 },
  },
  // weight gradient of a one-input-channel KH×KW convolution (implicit im2col), all taps × COLS = 4·CB output channels
  'conv/conv2d_backward_weight_cin1_3x3c4': { template: 'conv/conv2d_backward_weight_cin1', params: { KH: 3, KW: 3, CB: 1, COLS: 4 } },
  'conv/conv2d_backward_weight_cin1_3x3c8': { template: 'conv/conv2d_backward_weight_cin1', params: { KH: 3, KW: 3, CB: 2, COLS: 8 } },
  // QUAD: the quad shares the input channels, each invocation loads a quarter of them (quadBroadcast)
  'conv/conv2d_backward_weight_quad16x8': {
    template: 'conv/conv2d_backward_weight_unrolled',
    params: { ROWS: 16, XB: 4, CB: 2, COLS: 8, QUAD: 1 },
  },
  'conv/conv2d_backward_weight_quad16x16': {
    template: 'conv/conv2d_backward_weight_unrolled',
    params: { ROWS: 16, XB: 4, CB: 4, COLS: 16, QUAD: 1 },
  },
  'conv/conv2d_backward_weight_quad8x4': {
    template: 'conv/conv2d_backward_weight_unrolled',
    params: { ROWS: 8, XB: 2, CB: 1, COLS: 4, QUAD: 1 },
  },
  'conv/conv2d_backward_weight_quad8x8': {
    template: 'conv/conv2d_backward_weight_unrolled',
    params: { ROWS: 8, XB: 2, CB: 2, COLS: 8, QUAD: 1 },
  },
  // weight gradient of a KW = 3, column-stride 1, column-dilation 1 convolution: all three column taps of one kernel
  // row × ROWS input × COLS output channels per invocation, a sliding window of input pixels along the output row
  // (QUAD: the quad shares the input loads)
  'conv/conv2d_backward_weight_slide4x8': {
    template: 'conv/conv2d_backward_weight_slide',
    params: { ROWS: 4, XB: 1, CB: 2, COLS: 8, QUAD: 0 },
  },
  'conv/conv2d_backward_weight_slide8x8': {
    template: 'conv/conv2d_backward_weight_slide',
    params: { ROWS: 8, XB: 2, CB: 2, COLS: 8, QUAD: 0 },
  },
  'conv/conv2d_backward_weight_slidequad8x4': {
    template: 'conv/conv2d_backward_weight_slide',
    params: { ROWS: 8, XB: 2, CB: 1, COLS: 4, QUAD: 1 },
  },
  'conv/conv2d_backward_weight_slidequad16x8': {
    template: 'conv/conv2d_backward_weight_slide',
    params: { ROWS: 16, XB: 4, CB: 2, COLS: 8, QUAD: 1 },
  },
  // the same tiles, the output row taken P columns at a time: each accumulator update adds P products (WIN = P + 2)
  'conv/conv2d_backward_weight_slidesum7quad16x8': {
    template: 'conv/conv2d_backward_weight_slidesum',
    params: { ROWS: 16, XB: 4, CB: 2, COLS: 8, QUAD: 1, P: 7, WIN: 9 },
  },
  'conv/conv2d_backward_weight_slidesum7quad8x4': {
    template: 'conv/conv2d_backward_weight_slidesum',
    params: { ROWS: 8, XB: 2, CB: 1, COLS: 4, QUAD: 1, P: 7, WIN: 9 },
  },
  'conv/conv2d_backward_weight_slidesum7plain8x8': {
    template: 'conv/conv2d_backward_weight_slidesum',
    params: { ROWS: 8, XB: 2, CB: 2, COLS: 8, QUAD: 0, P: 7, WIN: 9 },
  },
  // Winograd F(3×3, 2×2) weight gradient: the 16 GEMMs over tiles, ROWS input × COLS output channels per invocation
  'conv/conv2d_backward_weight_winograd_gemm8x16': {
    template: 'conv/conv2d_backward_weight_winograd_gemm',
    params: { ROWS: 8, RB: 2, COLS: 16, CB: 4 },
  },
  'conv/conv2d_backward_weight_winograd_gemm16x16': {
    template: 'conv/conv2d_backward_weight_winograd_gemm',
    params: { ROWS: 16, RB: 4, COLS: 16, CB: 4 },
  },
  'conv/conv2d_backward_weight_winograd_gemm8x32': {
    template: 'conv/conv2d_backward_weight_winograd_gemm',
    params: { ROWS: 8, RB: 2, COLS: 32, CB: 8 },
  },
  'conv/conv2d_backward_weight_winograd_gemm16x8': {
    template: 'conv/conv2d_backward_weight_winograd_gemm',
    params: { ROWS: 16, RB: 4, COLS: 8, CB: 2 },
  },
  'conv/conv2d_backward_weight_winograd_gemm8x8': {
    template: 'conv/conv2d_backward_weight_winograd_gemm',
    params: { ROWS: 8, RB: 2, COLS: 8, CB: 2 },
  },
  'conv/conv2d_backward_weight_winograd_gemm4x16': {
    template: 'conv/conv2d_backward_weight_winograd_gemm',
    params: { ROWS: 4, RB: 1, COLS: 16, CB: 4 },
  },
  'conv/conv2d_backward_weight_winograd_gemm4x8': {
    template: 'conv/conv2d_backward_weight_winograd_gemm',
    params: { ROWS: 4, RB: 1, COLS: 8, CB: 2 },
  },
  'conv/conv2d_backward_weight_winograd_gemm4x4': {
    template: 'conv/conv2d_backward_weight_winograd_gemm',
    params: { ROWS: 4, RB: 1, COLS: 4, CB: 1 },
  },
  // int8 convolutions in two flavours: dot4 (dot4I8Packed and friends, common/int8_dot4.wgsl) and unpack (core WGSL
  // shifts and masks, common/int8_unpack.wgsl); DOT4 only switches the header text
  'int8/conv2d_forward_dot4': { template: 'int8/conv2d_forward', params: { FLAVOUR: 'dot4', DOT4: 1 } },
  'int8/conv2d_forward_unpack': { template: 'int8/conv2d_forward', params: { FLAVOUR: 'unpack', DOT4: 0 } },
  'int8/depthwise_forward_dot4': { template: 'int8/depthwise_forward', params: { FLAVOUR: 'dot4', DOT4: 1, PADC: 0 } },
  'int8/depthwise_forward_unpack': { template: 'int8/depthwise_forward', params: { FLAVOUR: 'unpack', DOT4: 0, PADC: 0 } },
  // PADC: per-channel input zero points (the padding value of channel c is z_c; per-channel affine activations)
  'int8/depthwise_forward_dot4_zc': { template: 'int8/depthwise_forward', params: { FLAVOUR: 'dot4', DOT4: 1, PADC: 1 } },
  'int8/depthwise_forward_unpack_zc': { template: 'int8/depthwise_forward', params: { FLAVOUR: 'unpack', DOT4: 0, PADC: 1 } },
  'int8/pointwise_forward_dot4': { template: 'int8/pointwise_forward', params: { FLAVOUR: 'dot4', DOT4: 1 } },
  'int8/pointwise_forward_unpack': { template: 'int8/pointwise_forward', params: { FLAVOUR: 'unpack', DOT4: 0 } },
  'int8/pointwise_forward_unrolled4x8_dot4': { template: 'int8/pointwise_forward_unrolled', params: { ROWS: 4, FLAVOUR: 'dot4', DOT4: 1 } },
  'int8/pointwise_forward_unrolled4x8_unpack': {
    template: 'int8/pointwise_forward_unrolled',
    params: { ROWS: 4, FLAVOUR: 'unpack', DOT4: 0 },
  },
  // int8 convolutions in the f32-accumulate flavour ('fma'): packed int8 loads, unpacked to f32 in registers,
  // f32 multiply-adds flushed to i32 (exact); ROWS × 8 / COLS × 8 tiles in named registers
  // (HALF: × 4 channels, for groups of 4·odd output channels). Exact flavours picked at plan time (int8FmaFlavour):
  // 'f' (REQF) requantf, no per-channel shift counts; 'k' (NOFLUSH, pointwise) the whole reduction in one f32 chunk
  'int8/pointwise_forward_fma4x8': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 4, CH: 8, QUAD: 0, HALF: 0, REQF: 0, NOFLUSH: 0 },
  },
  'int8/pointwise_forward_fma4x8k': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 4, CH: 8, QUAD: 0, HALF: 0, REQF: 0, NOFLUSH: 1 },
  },
  'int8/pointwise_forward_fma4x8f': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 4, CH: 8, QUAD: 0, HALF: 0, REQF: 1, NOFLUSH: 0 },
  },
  'int8/pointwise_forward_fma4x8fk': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 4, CH: 8, QUAD: 0, HALF: 0, REQF: 1, NOFLUSH: 1 },
  },
  'int8/pointwise_forward_fma8x8': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 8, CH: 8, QUAD: 0, HALF: 0, REQF: 0, NOFLUSH: 0 },
  },
  'int8/pointwise_forward_fma8x8k': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 8, CH: 8, QUAD: 0, HALF: 0, REQF: 0, NOFLUSH: 1 },
  },
  'int8/pointwise_forward_fma8x8f': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 8, CH: 8, QUAD: 0, HALF: 0, REQF: 1, NOFLUSH: 0 },
  },
  'int8/pointwise_forward_fma8x8fk': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 8, CH: 8, QUAD: 0, HALF: 0, REQF: 1, NOFLUSH: 1 },
  },
  'int8/pointwise_forward_fmaquad4x8': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 4, CH: 8, QUAD: 1, HALF: 0, REQF: 0, NOFLUSH: 0 },
  },
  'int8/pointwise_forward_fmaquad4x8k': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 4, CH: 8, QUAD: 1, HALF: 0, REQF: 0, NOFLUSH: 1 },
  },
  'int8/pointwise_forward_fmaquad4x8f': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 4, CH: 8, QUAD: 1, HALF: 0, REQF: 1, NOFLUSH: 0 },
  },
  'int8/pointwise_forward_fmaquad4x8fk': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 4, CH: 8, QUAD: 1, HALF: 0, REQF: 1, NOFLUSH: 1 },
  },
  'int8/pointwise_forward_fmaquad8x8': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 8, CH: 8, QUAD: 1, HALF: 0, REQF: 0, NOFLUSH: 0 },
  },
  'int8/pointwise_forward_fmaquad8x8k': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 8, CH: 8, QUAD: 1, HALF: 0, REQF: 0, NOFLUSH: 1 },
  },
  'int8/pointwise_forward_fmaquad8x8f': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 8, CH: 8, QUAD: 1, HALF: 0, REQF: 1, NOFLUSH: 0 },
  },
  'int8/pointwise_forward_fmaquad8x8fk': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 8, CH: 8, QUAD: 1, HALF: 0, REQF: 1, NOFLUSH: 1 },
  },
  'int8/pointwise_forward_fma8x4': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 8, CH: 4, QUAD: 0, HALF: 1, REQF: 0, NOFLUSH: 0 },
  },
  'int8/pointwise_forward_fma8x4k': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 8, CH: 4, QUAD: 0, HALF: 1, REQF: 0, NOFLUSH: 1 },
  },
  'int8/pointwise_forward_fma8x4f': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 8, CH: 4, QUAD: 0, HALF: 1, REQF: 1, NOFLUSH: 0 },
  },
  'int8/pointwise_forward_fma8x4fk': {
    template: 'int8/pointwise_forward_fma',
    params: { ROWS: 8, CH: 4, QUAD: 0, HALF: 1, REQF: 1, NOFLUSH: 1 },
  },
  'int8/conv2d_forward_fma4x8': { template: 'int8/conv2d_forward_fma', params: { COLS: 4, CH: 8, HALF: 0, REQF: 0 } },
  'int8/conv2d_forward_fma4x8f': { template: 'int8/conv2d_forward_fma', params: { COLS: 4, CH: 8, HALF: 0, REQF: 1 } },
  'int8/conv2d_forward_fma8x8': { template: 'int8/conv2d_forward_fma', params: { COLS: 8, CH: 8, HALF: 0, REQF: 0 } },
  'int8/conv2d_forward_fma8x8f': { template: 'int8/conv2d_forward_fma', params: { COLS: 8, CH: 8, HALF: 0, REQF: 1 } },
  'int8/conv2d_forward_fma8x4': { template: 'int8/conv2d_forward_fma', params: { COLS: 8, CH: 4, HALF: 1, REQF: 0 } },
  'int8/conv2d_forward_fma8x4f': { template: 'int8/conv2d_forward_fma', params: { COLS: 8, CH: 4, HALF: 1, REQF: 1 } },
  // int8 convolution with the whole reduction in f32 (KH·KW·⌈Cg/4⌉ ≤ 256 words, no flush): COLS columns × CH (= 4·CB)
  // channels; L3 skips lane 3 (Cg ≤ 3: the first layer, '3'); REQF: requantf ('f')
  'int8/conv2d_forward_fmashort3_8x16': { template: 'int8/conv2d_forward_fmashort', params: { COLS: 8, CB: 4, CH: 16, L3: 1, REQF: 0 } },
  'int8/conv2d_forward_fmashort3_8x16f': { template: 'int8/conv2d_forward_fmashort', params: { COLS: 8, CB: 4, CH: 16, L3: 1, REQF: 1 } },
  'int8/conv2d_forward_fmashort3_4x32': { template: 'int8/conv2d_forward_fmashort', params: { COLS: 4, CB: 8, CH: 32, L3: 1, REQF: 0 } },
  'int8/conv2d_forward_fmashort3_4x32f': { template: 'int8/conv2d_forward_fmashort', params: { COLS: 4, CB: 8, CH: 32, L3: 1, REQF: 1 } },
  'int8/conv2d_forward_fmashort3_8x8': { template: 'int8/conv2d_forward_fmashort', params: { COLS: 8, CB: 2, CH: 8, L3: 1, REQF: 0 } },
  'int8/conv2d_forward_fmashort3_8x8f': { template: 'int8/conv2d_forward_fmashort', params: { COLS: 8, CB: 2, CH: 8, L3: 1, REQF: 1 } },
  'int8/conv2d_forward_fmashort_8x16': { template: 'int8/conv2d_forward_fmashort', params: { COLS: 8, CB: 4, CH: 16, L3: 0, REQF: 0 } },
  'int8/conv2d_forward_fmashort_8x16f': { template: 'int8/conv2d_forward_fmashort', params: { COLS: 8, CB: 4, CH: 16, L3: 0, REQF: 1 } },
  'int8/conv2d_forward_fmashort_4x16': { template: 'int8/conv2d_forward_fmashort', params: { COLS: 4, CB: 4, CH: 16, L3: 0, REQF: 0 } },
  'int8/conv2d_forward_fmashort_4x16f': { template: 'int8/conv2d_forward_fmashort', params: { COLS: 4, CB: 4, CH: 16, L3: 0, REQF: 1 } },
  // int8 depthwise, f32-accumulate: the 3×3 one shares input loads across its four output columns
  'int8/depthwise_forward_fma': { template: 'int8/depthwise_forward_fma', params: { K3: 0, PADC: 0 } },
  'int8/depthwise_forward_fma3x3': { template: 'int8/depthwise_forward_fma', params: { K3: 1, PADC: 0 } },
  'int8/depthwise_forward_fma_zc': { template: 'int8/depthwise_forward_fma', params: { K3: 0, PADC: 1 } },
  'int8/depthwise_forward_fma3x3_zc': { template: 'int8/depthwise_forward_fma', params: { K3: 1, PADC: 1 } },
  // block-sparse int8 convolution (BSR with packed int8 blocks), 4 output columns × BR channels in named registers
  // (FMA: the f32-accumulate flavour)
  'int8/conv2d_bsr_forward_dot4': { template: 'int8/conv2d_bsr_forward', params: { FLAVOUR: 'dot4', DOT4: 1, FMA: 0 } },
  'int8/conv2d_bsr_forward_unpack': { template: 'int8/conv2d_bsr_forward', params: { FLAVOUR: 'unpack', DOT4: 0, FMA: 0 } },
  'int8/conv2d_bsr_forward_fma': { template: 'int8/conv2d_bsr_forward', params: { FLAVOUR: 'unpack', DOT4: 0, FMA: 1 } },
  // block-sparse convolution, COLS output columns × BR channels in named registers
  'block_sparse/conv2d_forward_unrolled4cols': { template: 'block_sparse/conv2d_forward_unrolled', params: { COLS: 4 } },
  'block_sparse/conv2d_forward_unrolled8cols': { template: 'block_sparse/conv2d_forward_unrolled', params: { COLS: 8 } },
  // block-sparse 1×1 / fully connected (GEMM), 8 × BC blocks, ROWS pixels × 8 channels per invocation, quads share blocks
  'block_sparse/pointwise_forward_quad4rows': { template: 'block_sparse/pointwise_forward_quad', params: { ROWS: 4 } },
  'block_sparse/pointwise_forward_quad8rows': { template: 'block_sparse/pointwise_forward_quad', params: { ROWS: 8 } },
  // the same with the whole 8 × BC block written out (no inner loop)
  'block_sparse/pointwise_forward_quadblk4rows_bc4': {
    template: 'block_sparse/pointwise_forward_quadblk',
    params: { ROWS: 4, BC: 4, BC4: 1 },
  },
  'block_sparse/pointwise_forward_quadblk4rows_bc8': {
    template: 'block_sparse/pointwise_forward_quadblk',
    params: { ROWS: 4, BC: 8, BC4: 2 },
  },
  'block_sparse/pointwise_forward_quadblk8rows_bc4': {
    template: 'block_sparse/pointwise_forward_quadblk',
    params: { ROWS: 8, BC: 4, BC4: 1 },
  },
  'block_sparse/pointwise_forward_quadblk8rows_bc8': {
    template: 'block_sparse/pointwise_forward_quadblk',
    params: { ROWS: 8, BC: 8, BC4: 2 },
  },
  // binary 1×1 (GEMM), b1 in/out, ROWS pixels × 32 channels per invocation, quads share the weight words
  'xnor/pointwise_forward_bits_quad2rows': { template: 'xnor/pointwise_forward_bits_quad', params: { ROWS: 2, REGTHR: 0, FOLD: 0 } },
  'xnor/pointwise_forward_bits_quad4rows': { template: 'xnor/pointwise_forward_bits_quad', params: { ROWS: 4, REGTHR: 0, FOLD: 0 } },
  // the same with the thresholds in registers and shift-free output bits
  'xnor/pointwise_forward_bits_quad2rows_regthr': { template: 'xnor/pointwise_forward_bits_quad', params: { ROWS: 2, REGTHR: 1, FOLD: 0 } },
  'xnor/pointwise_forward_bits_quad4rows_regthr': { template: 'xnor/pointwise_forward_bits_quad', params: { ROWS: 4, REGTHR: 1, FOLD: 0 } },
  'xnor/pointwise_forward_bits_quad8rows_regthr': { template: 'xnor/pointwise_forward_bits_quad', params: { ROWS: 8, REGTHR: 1, FOLD: 0 } },
  // the same with the thresholds folded into the popcount domain
  'xnor/pointwise_forward_bits_quad4rows_fold': { template: 'xnor/pointwise_forward_bits_quad', params: { ROWS: 4, REGTHR: 0, FOLD: 1 } },
  'xnor/pointwise_forward_bits_quad8rows_fold': { template: 'xnor/pointwise_forward_bits_quad', params: { ROWS: 8, REGTHR: 0, FOLD: 1 } },
  // binary convolution, b1 in/out, COLS output columns × 32 channels per invocation, quads share the weight words
  'xnor/conv2d_forward_bits_quad2cols': { template: 'xnor/conv2d_forward_bits_quad', params: { COLS: 2 } },
  'xnor/conv2d_forward_bits_quad4cols': { template: 'xnor/conv2d_forward_bits_quad', params: { COLS: 4 } },
  // activations, one element (f32) or four (vec4, n % 4 = 0) per thread
  'elementwise/activation_forward': { template: 'elementwise/activation_forward', params: { VEC4: 0, T: 'f32', V: '' } },
  'elementwise/activation_forward_vec4': { template: 'elementwise/activation_forward', params: { VEC4: 1, T: 'vec4<f32>', V: '4' } },
  'elementwise/activation_backward': { template: 'elementwise/activation_backward', params: { VEC4: 0, T: 'f32', V: '' } },
  'elementwise/activation_backward_vec4': { template: 'elementwise/activation_backward', params: { VEC4: 1, T: 'vec4<f32>', V: '4' } },
  // pooling, one channel (f32) or four neighbouring channels (vec4, C % 4 = 0) per thread
  'pool/pool2d_forward': { template: 'pool/pool2d_forward', params: { VEC4: 0, T: 'f32' } },
  'pool/pool2d_forward_vec4': { template: 'pool/pool2d_forward', params: { VEC4: 1, T: 'vec4<f32>' } },
  'pool/pool2d_backward_tiled': { template: 'pool/pool2d_backward_tiled', params: { VEC4: 0, T: 'f32', U: 'u32' } },
  'pool/pool2d_backward_tiled_vec4': { template: 'pool/pool2d_backward_tiled', params: { VEC4: 1, T: 'vec4<f32>', U: 'vec4<u32>' } },
  // SGD step, one element (f32) or four (vec4, length % 4 = 0) per thread
  'optim/sgd_update': { template: 'optim/sgd_update', params: { VEC4: 0, T: 'f32' } },
  'optim/sgd_update_vec4': { template: 'optim/sgd_update', params: { VEC4: 1, T: 'vec4<f32>' } },
  // per-channel kernels over [rows, C], one channel (f32) or four (vec4, C % 4 = 0) per thread
  'norm/batchnorm_forward_stats': {
    template: 'norm/batchnorm_forward_stats',
    params: { VEC4: 0, V: 1, T: 'f32', CN: 'c', CG: 8, PAIR: 'vec2<f32>' },
  },
  'norm/batchnorm_forward_stats_vec4': {
    template: 'norm/batchnorm_forward_stats',
    params: { VEC4: 1, V: 4, T: 'vec4<f32>', CN: 'c4', CG: 2, PAIR: 'mat2x4<f32>' },
  },
  'norm/batchnorm_forward_apply': {
    template: 'norm/batchnorm_forward_apply',
    params: { VEC4: 0, V: 1, T: 'f32', CN: 'c', CG: 8, PAIR: 'vec2<f32>' },
  },
  'norm/batchnorm_forward_apply_vec4': {
    template: 'norm/batchnorm_forward_apply',
    params: { VEC4: 1, V: 4, T: 'vec4<f32>', CN: 'c4', CG: 2, PAIR: 'mat2x4<f32>' },
  },
  'norm/batchnorm_backward_reduce': {
    template: 'norm/batchnorm_backward_reduce',
    params: { VEC4: 0, V: 1, T: 'f32', CN: 'c', CG: 8, PAIR: 'vec2<f32>' },
  },
  'norm/batchnorm_backward_reduce_vec4': {
    template: 'norm/batchnorm_backward_reduce',
    params: { VEC4: 1, V: 4, T: 'vec4<f32>', CN: 'c4', CG: 2, PAIR: 'mat2x4<f32>' },
  },
  'norm/batchnorm_backward_input': {
    template: 'norm/batchnorm_backward_input',
    params: { VEC4: 0, V: 1, T: 'f32', CN: 'c', CG: 8, PAIR: 'vec2<f32>' },
  },
  'norm/batchnorm_backward_input_vec4': {
    template: 'norm/batchnorm_backward_input',
    params: { VEC4: 1, V: 4, T: 'vec4<f32>', CN: 'c4', CG: 2, PAIR: 'mat2x4<f32>' },
  },
  'conv/conv2d_backward_bias': {
    template: 'conv/conv2d_backward_bias',
    params: { VEC4: 0, V: 1, T: 'f32', CN: 'c', CG: 8, PAIR: 'vec2<f32>' },
  },
  'conv/conv2d_backward_bias_vec4': {
    template: 'conv/conv2d_backward_bias',
    params: { VEC4: 1, V: 4, T: 'vec4<f32>', CN: 'c4', CG: 2, PAIR: 'mat2x4<f32>' },
  },
  // batched matmul, ROWS × 8 register tile; loads: s scalar (any strides), va A as vec4, vab A and B as vec4,
  // dot A and Bᵀ as vec4 along K (transB)
  'matmul/matmul_forward_tiled1x8_s': { template: 'matmul/matmul_forward_tiled', params: { ROWS: 1, VA: 0, VB: 0, DOT: 0, BVEC: 0 } },
  'matmul/matmul_forward_tiled1x8_va': { template: 'matmul/matmul_forward_tiled', params: { ROWS: 1, VA: 1, VB: 0, DOT: 0, BVEC: 0 } },
  'matmul/matmul_forward_tiled1x8_vab': { template: 'matmul/matmul_forward_tiled', params: { ROWS: 1, VA: 1, VB: 1, DOT: 0, BVEC: 1 } },
  'matmul/matmul_forward_tiled1x8_dot': { template: 'matmul/matmul_forward_tiled', params: { ROWS: 1, VA: 1, VB: 0, DOT: 1, BVEC: 1 } },
  'matmul/matmul_forward_tiled4x8_s': { template: 'matmul/matmul_forward_tiled', params: { ROWS: 4, VA: 0, VB: 0, DOT: 0, BVEC: 0 } },
  'matmul/matmul_forward_tiled4x8_va': { template: 'matmul/matmul_forward_tiled', params: { ROWS: 4, VA: 1, VB: 0, DOT: 0, BVEC: 0 } },
  'matmul/matmul_forward_tiled4x8_vab': { template: 'matmul/matmul_forward_tiled', params: { ROWS: 4, VA: 1, VB: 1, DOT: 0, BVEC: 1 } },
  'matmul/matmul_forward_tiled4x8_dot': { template: 'matmul/matmul_forward_tiled', params: { ROWS: 4, VA: 1, VB: 0, DOT: 1, BVEC: 1 } },
  'matmul/matmul_forward_tiled8x8_s': { template: 'matmul/matmul_forward_tiled', params: { ROWS: 8, VA: 0, VB: 0, DOT: 0, BVEC: 0 } },
  'matmul/matmul_forward_tiled8x8_va': { template: 'matmul/matmul_forward_tiled', params: { ROWS: 8, VA: 1, VB: 0, DOT: 0, BVEC: 0 } },
  'matmul/matmul_forward_tiled8x8_vab': { template: 'matmul/matmul_forward_tiled', params: { ROWS: 8, VA: 1, VB: 1, DOT: 0, BVEC: 1 } },
  'matmul/matmul_forward_tiled8x8_dot': { template: 'matmul/matmul_forward_tiled', params: { ROWS: 8, VA: 1, VB: 0, DOT: 1, BVEC: 1 } },
  // transA (Aᵀ rows along M) × B rows along N as outer products, ROWS × 8 tile (the fully connected weight gradient)
  'matmul/matmul_forward_outer4x8': { template: 'matmul/matmul_forward_outer', params: { ROWS: 4, RQ: 1 } },
  'matmul/matmul_forward_outer8x8': { template: 'matmul/matmul_forward_outer', params: { ROWS: 8, RQ: 2 } },
};
