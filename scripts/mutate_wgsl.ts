// Planted-mutant check for the WGSL kernels (and a few step-graph lines in src/train): each mutant is a literal
// one-line edit (off-by-one bound, dropped reduction term, swapped x/y, wrong rounding) applied alone to the working
// tree, then the test files that should notice it are run. A mutant is
//   caught     some test failed          survived   every test passed (a hole in the tests)
//   stale      its search string does not occur exactly once in the file any more (the kernel moved or changed:
//              update the table — never skipped silently)
//   no tests   the test filter matched nothing (a mistake in the table)
// The file is restored after every mutant (try/finally, and on SIGINT/SIGTERM), and at the end the script checks
// that every file it touched is as git has it.
//
//   bash scripts/mutate_wgsl.sh                     all mutants (a few minutes per family on SwiftShader)
//   MUTATE_ONLY=depthwise bash scripts/mutate_wgsl.sh   ids or families matching a regular expression
//   MUTATE_LIST=1 bash scripts/mutate_wgsl.sh       print the table and each mutant's staleness, run nothing
//   MUTATE_TESTS='test/unit/a.test.ts …'            run these test files for every mutant instead of the table's
//                                                    (what would an older or smaller suite catch?)
//
// Not part of `npm test`: it reruns test files once per mutant. Writes test-results/mutate_wgsl.json.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Mutant {
  id: string;
  family: string;
  file: string;
  /** literal [search, replacement] pairs, each search occurring exactly once in the file */
  edits: [string, string][];
  /** test files, and optionally a -t name filter, that must notice the mutant */
  tests: string[];
  filter?: string;
}

const CONV = ['test/unit/conv.test.ts', 'test/unit/backward.test.ts', 'test/unit/shape_coverage.test.ts'];
const DW = ['test/unit/conv.test.ts', 'test/unit/shape_coverage.test.ts'];
const POOL = ['test/unit/ops.test.ts', 'test/unit/backward.test.ts'];
const NORM = ['test/unit/backward.test.ts'];
const LOSS = ['test/unit/backward.test.ts', 'test/unit/train_oracle.test.ts'];
const OPTIM = ['test/unit/optim.test.ts', 'test/unit/train_oracle.test.ts'];
const INT8 = ['test/unit/int8.test.ts', 'test/unit/shape_coverage.test.ts'];
const XNOR = ['test/unit/xnor.test.ts'];
const QUANT = ['test/unit/shape_coverage.test.ts', 'test/unit/train_oracle.test.ts'];
const TRAIN = ['test/unit/train_oracle.test.ts', 'test/unit/shape_coverage.test.ts'];
const EW = ['test/unit/ops.test.ts', 'test/unit/onnx_tensor_ops.test.ts'];
const RED = ['test/unit/ops.test.ts', 'test/unit/onnx_tensor_ops.test.ts', 'test/unit/optim.test.ts'];
const MM = ['test/unit/onnx_tensor_ops.test.ts', 'test/unit/graph.test.ts'];
const SHUF = ['test/unit/ops.test.ts', 'test/unit/backward.test.ts'];
const SIGN = ['test/unit/train_export.test.ts'];
const BINW = ['test/unit/train.test.ts'];
const SHAPE = ['test/unit/ops.test.ts', 'test/unit/onnx_tensor_ops.test.ts'];
const BS = ['test/unit/block_sparse.test.ts'];
const I8PW = ['test/unit/int8.test.ts'];
const RESIZE = ['test/unit/resize.test.ts'];
const SLIDE = ['test/unit/backward.test.ts'];
const CIN1 = ['test/unit/conv.test.ts'];
const I8F = ['test/unit/int8_requantf.test.ts'];
const WINO = ['test/unit/conv_winograd.test.ts'];

const m = (id: string, family: string, file: string, tests: string[], ...edits: [string, string][]): Mutant => ({
  id,
  family,
  file,
  edits,
  tests,
});
/** a mutant whose tests are narrowed by a vitest -t name filter */
const mf = (id: string, family: string, file: string, tests: string[], filter: string, ...edits: [string, string][]): Mutant => ({
  id,
  family,
  file,
  edits,
  tests,
  filter,
});

export const MUTANTS: Mutant[] = [
  // conv: forward (direct kernel, the oracle variant)
  m('conv_fwd_kh_bound', 'conv', 'shaders/conv/conv2d_forward_direct.wgsl', CONV, [
    'for (var kh = 0u; kh < params.geom.kernel.x; kh++)',
    'for (var kh = 0u; kh + 1u < params.geom.kernel.x; kh++)',
  ]),
  m('conv_fwd_iw_stride_x', 'conv', 'shaders/conv/conv2d_forward_direct.wgsl', CONV, [
    'let iw = i32(ow) * params.geom.stride.y',
    'let iw = i32(ow) * params.geom.stride.x',
  ]),
  m('conv_fwd_iw_bound', 'conv', 'shaders/conv/conv2d_forward_direct.wgsl', CONV, [
    'if (iw < 0 || iw >= params.geom.in_hw.y) { continue; }',
    'if (iw < 0 || iw > params.geom.in_hw.y) { continue; }',
  ]),
  m('conv_fwd_no_bias', 'conv', 'shaders/conv/conv2d_forward_direct.wgsl', CONV, [
    'y[i] = activate(acc + b[co]);',
    'y[i] = activate(acc);',
  ]),
  m('conv_fwd_group', 'conv', 'shaders/conv/conv2d_forward_direct.wgsl', CONV, [
    'let g = co / (params.cout / params.groups);',
    'let g = co % params.groups;',
  ]),
  m('conv_fwd_pad_y_rows', 'conv', 'shaders/conv/conv2d_forward_direct.wgsl', CONV, [
    'let ih = i32(oh) * params.geom.stride.x - params.geom.pad.x',
    'let ih = i32(oh) * params.geom.stride.x - params.geom.pad.y',
  ]),
  // conv: input gradient (gathering kernel)
  m('conv_dx_stride_y_rows', 'conv', 'shaders/conv/conv2d_backward_input.wgsl', CONV, [
    'if (th < 0 || th % params.geom.stride.x != 0) { continue; }',
    'if (th < 0 || th % params.geom.stride.y != 0) { continue; }',
  ]),
  m('conv_dx_oh_bound', 'conv', 'shaders/conv/conv2d_backward_input.wgsl', CONV, [
    'if (oh >= out_hw.x) { continue; }',
    'if (oh > out_hw.x) { continue; }',
  ]),
  m('conv_dx_dilation_x_cols', 'conv', 'shaders/conv/conv2d_backward_input.wgsl', CONV, [
    'let tw = iw + params.geom.pad.y - i32(kw) * params.geom.dilation.y;',
    'let tw = iw + params.geom.pad.y - i32(kw) * params.geom.dilation.x;',
  ]),
  m('conv_dx_pad_y_rows', 'conv', 'shaders/conv/conv2d_backward_input.wgsl', CONV, [
    'let th = ih + params.geom.pad.x',
    'let th = ih + params.geom.pad.y',
  ]),
  // conv: weight gradient
  m(
    'conv_dw_strides_swapped',
    'conv',
    'shaders/conv/conv2d_backward_weight.wgsl',
    CONV,
    ['let ih = i32(oh) * params.geom.stride.x', 'let ih = i32(oh) * params.geom.stride.y'],
    ['let iw = i32(ow) * params.geom.stride.y', 'let iw = i32(ow) * params.geom.stride.x'],
  ),
  m('conv_dw_batch_bound', 'conv', 'shaders/conv/conv2d_backward_weight.wgsl', CONV, [
    'for (var nb = 0u; nb < params.batch; nb++)',
    'for (var nb = 0u; nb + 1u < params.batch; nb++)',
  ]),
  m('conv_dw_group_channel', 'conv', 'shaders/conv/conv2d_backward_weight.wgsl', CONV, [
    '* params.cin + ci] * dy[',
    '* params.cin + cil] * dy[',
  ]),
  m('conv_patches_iw_bound', 'conv', 'shaders/conv/conv2d_backward_weight_patches.wgsl', CONV, [
    'iw >= 0 && iw < params.geom.in_hw.y)',
    'iw >= 0 && iw <= params.geom.in_hw.y)',
  ]),
  m('conv_patches_iw_stride_x', 'conv', 'shaders/conv/conv2d_backward_weight_patches.wgsl', CONV, [
    'let iw = i32(ow) * params.geom.stride.y',
    'let iw = i32(ow) * params.geom.stride.x',
  ]),

  // depthwise
  m('dw_regtile_no_dilation_x', 'depthwise', 'shaders/depthwise/depthwise_forward_regtile.wgsl', DW, [
    'let iw = iw0 + i32(kw) * params.geom.dilation.y;',
    'let iw = iw0 + i32(kw);',
  ]),
  m('dw_regtile_dilation_y_rows', 'depthwise', 'shaders/depthwise/depthwise_forward_regtile.wgsl', DW, [
    '+ i32(kh) * params.geom.dilation.x;',
    '+ i32(kh) * params.geom.dilation.y;',
  ]),
  m('dw_regtile_pad_x_cols', 'depthwise', 'shaders/depthwise/depthwise_forward_regtile.wgsl', DW, [
    'let iw0 = i32(ow0) * params.geom.stride.y - params.geom.pad.y;',
    'let iw0 = i32(ow0) * params.geom.stride.y - params.geom.pad.x;',
  ]),
  m('dw_regtile_col3_bound', 'depthwise', 'shaders/depthwise/depthwise_forward_regtile.wgsl', DW, [
    'iw + 3 * sw < params.geom.in_hw.y) { acc3',
    'iw + 3 * sw < params.geom.in_hw.y - 1) { acc3',
  ]),
  m('dw_regtile_no_bias', 'depthwise', 'shaders/depthwise/depthwise_forward_regtile.wgsl', DW, [
    'y[ybase * c4n + c4] = activate4(acc0 + bias);',
    'y[ybase * c4n + c4] = activate4(acc0);',
  ]),
  m('dw_3x3_s2_dropped_tap', 'depthwise', 'shaders/depthwise/depthwise_forward_3x3.wgsl', DW, [
    'acc1 += v2 * w0 + v3 * w1 + v4 * w2;',
    'acc1 += v2 * w0 + v3 * w1;',
  ]),
  m('dw_3x3_pad_y_rows', 'depthwise', 'shaders/depthwise/depthwise_forward_3x3.wgsl', DW, [
    'let ih = i32(oh) * s - params.pad.x + kh;',
    'let ih = i32(oh) * s - params.pad.y + kh;',
  ]),
  m('dw_3x3_s1_wrong_tap', 'depthwise', 'shaders/depthwise/depthwise_forward_3x3.wgsl', DW, [
    'acc3 += v3 * w0 + v4 * w1 + v5 * w2;',
    'acc3 += v3 * w0 + v4 * w1 + v4 * w2;',
  ]),

  // resize: one separable tap-table kernel for nearest / linear / cubic (the coordinate modes live in the host tables)
  m('resize_col_tap_dropped', 'resize', 'shaders/resize/resize_forward.wgsl', RESIZE, [
    'for (var e = 0u; e < TAPS; e++)',
    'for (var e = 0u; e + 1u < TAPS; e++)',
  ]),
  m('resize_row_tap_dropped', 'resize', 'shaders/resize/resize_forward.wgsl', RESIZE, [
    'for (var a = 0u; a < TAPS; a++)',
    'for (var a = 0u; a + 1u < TAPS; a++)',
  ]),
  m('resize_extrapolation_rows_only', 'resize', 'shaders/resize/resize_forward.wgsl', RESIZE, [
    'if (ih[oy * TAPS] < 0 || iw[ox * TAPS] < 0)',
    'if (ih[oy * TAPS] < 0)',
  ]),
  m('resize_no_row_weight', 'resize', 'shaders/resize/resize_forward.wgsl', RESIZE, ['acc += wh[oy * TAPS + a] * racc;', 'acc += racc;']),
  m('resize_batch_ignored', 'resize', 'shaders/resize/resize_forward.wgsl', RESIZE, [
    'let base = b * params.in_hw.x;',
    'let base = 0u * b;',
  ]),
  m('resize_channel_dropped', 'resize', 'shaders/resize/resize_forward.wgsl', RESIZE, ['* params.c + c];', '* params.c];']),

  // pool
  m('pool_max_is_min', 'pool', 'shaders/pool/pool2d_forward.tmpl.wgsl', POOL, ['      best = max(best, v);', '      best = min(best, v);']),
  m('pool_iw_bound', 'pool', 'shaders/pool/pool2d_forward.tmpl.wgsl', POOL, [
    'iw < 0 || iw >= params.geom.in_hw.y) { continue; }',
    'iw < 0 || iw > params.geom.in_hw.y) { continue; }',
  ]),
  m('pool_count_include_pad_swapped', 'pool', 'shaders/pool/pool2d_forward.tmpl.wgsl', POOL, [
    'select(count, padded, params.count_include_pad == 1u)',
    'select(padded, count, params.count_include_pad == 1u)',
  ]),
  m('pool_bwd_avg_divisor', 'pool', 'shaders/pool/pool2d_backward.wgsl', POOL, ['acc += g / f32(wv);', 'acc += g / f32(wv + 1u);']),
  m('pool_bwd_oh_bound', 'pool', 'shaders/pool/pool2d_backward.wgsl', POOL, [
    'if (oh >= params.out_hw.x) { continue; }',
    'if (oh > params.out_hw.x) { continue; }',
  ]),
  // global pooling's forward is reduce/reduce_axis_forward now (the reduce family); its backward stays here
  m('gpool_bwd_divisor', 'pool', 'shaders/pool/global_pool_backward.wgsl', POOL, ['g / f32(params.hw);', 'g / f32(params.hw - 1u);']),
  m('gpool_bwd_skips_first', 'pool', 'shaders/pool/global_pool_backward.wgsl', POOL, [
    'for (var p = 0u; p < params.hw; p++)',
    'for (var p = 1u; p < params.hw; p++)',
  ]),

  // batch-norm
  m('bn_apply_no_beta', 'norm', 'shaders/norm/batchnorm_forward_apply.tmpl.wgsl', NORM, ['* gamma[c] + beta[c];', '* gamma[c];']),
  // (the scalar and vec4 kernels are one template since the shader reorganisation: one mutant reaches both)
  m('bn_dx_dropped_dbeta', 'norm', 'shaders/norm/batchnorm_backward_input.tmpl.wgsl', NORM, [
    '(M * g - dbeta[c] - xhat * dgamma[c])',
    '(M * g - xhat * dgamma[c])',
  ]),
  m('bn_dx_rows_off_by_one', 'norm', 'shaders/norm/batchnorm_backward_input.tmpl.wgsl', NORM, [
    'let M = f32(params.rows);',
    'let M = f32(params.rows - 1u);',
  ]),
  m('bn_stats_biased_running_var', 'norm', 'shaders/norm/batchnorm_forward_stats.tmpl.wgsl', NORM, [
    'mom * ss / f32(max(params.rows, 2u) - 1u)',
    'mom * ss / f32(params.rows)',
  ]),
  m('bn_stats_mean_rows', 'norm', 'shaders/norm/batchnorm_forward_stats.tmpl.wgsl', NORM, [
    'let m = channel_total(t, s) / f32(params.rows);',
    'let m = channel_total(t, s) / f32(params.rows + 1u);',
  ]),
  m('bn_dgamma_no_rstd', 'norm', 'shaders/norm/batchnorm_backward_reduce.tmpl.wgsl', NORM, [
    'dgamma[c] = total[1] * rstd[c];',
    'dgamma[c] = total[1];',
  ]),

  // losses
  m('ce_no_max_shift', 'loss', 'shaders/loss/softmax_cross_entropy_fused.wgsl', LOSS, [
    'loss[r] = log(s) - (z[base + y] - m);',
    'loss[r] = log(s) - z[base + y];',
  ]),
  m('ce_label_off_by_one', 'loss', 'shaders/loss/softmax_cross_entropy_fused.wgsl', LOSS, [
    'select(0.0, 1.0, j == y)',
    'select(0.0, 1.0, j + 1u == y)',
  ]),
  m('ce_sum_drops_last', 'loss', 'shaders/loss/softmax_cross_entropy_fused.wgsl', LOSS, [
    'for (var j = 0u; j < params.cols; j++) { s += exp',
    'for (var j = 0u; j + 1u < params.cols; j++) { s += exp',
  ]),
  m('kl_grad_no_inv_tau', 'loss', 'shaders/loss/kl_div_fused.wgsl', LOSS, [
    'ds[base + j] = params.scale * (exp(lp) - q) * k;',
    'ds[base + j] = params.scale * (exp(lp) - q);',
  ]),
  m('kl_loss_no_q', 'loss', 'shaders/loss/kl_div_fused.wgsl', LOSS, ['kl += q * (lq - lp);', 'kl += lq - lp;']),
  m('kl_teacher_no_tau', 'loss', 'shaders/loss/kl_div_fused.wgsl', LOSS, [
    'st += exp(t[base + j] * k - mt);',
    'st += exp(t[base + j] - mt);',
  ]),

  // optimizers
  m('sgd_nesterov_swapped', 'optim', 'shaders/optim/sgd_update.tmpl.wgsl', OPTIM, [
    'select(vi, gi + mu * vi, NESTEROV == 1u)',
    'select(gi + mu * vi, vi, NESTEROV == 1u)',
  ]),
  m('sgd_no_l1', 'optim', 'shaders/optim/sgd_update.tmpl.wgsl', OPTIM, [
    'params.weight_decay * wi + params.l1 * sign(wi);',
    'params.weight_decay * wi;',
  ]),
  m('sgd_clip_max', 'optim', 'shaders/optim/sgd_update.tmpl.wgsl', OPTIM, [
    'min(1.0, maxNorm / (norm[0] + 1e-6))',
    'max(1.0, maxNorm / (norm[0] + 1e-6))',
  ]),
  m('sgd_no_lr', 'optim', 'shaders/optim/sgd_update.tmpl.wgsl', OPTIM, ['w[i] = wi - lr * step;', 'w[i] = wi - step;']),
  m('adam_no_bc2', 'optim', 'shaders/optim/adam_update.wgsl', OPTIM, ['sqrt(vi * hyper[2])', 'sqrt(vi)']),
  m('adam_decoupled_no_w', 'optim', 'shaders/optim/adam_update.wgsl', OPTIM, [
    '{ step += params.weight_decay * wi; }',
    '{ step += params.weight_decay; }',
  ]),
  m('adam_v_beta1', 'optim', 'shaders/optim/adam_update.wgsl', OPTIM, ['(1.0 - params.beta2) * gi * gi', '(1.0 - params.beta1) * gi * gi']),
  m('adam_m_not_kept', 'optim', 'shaders/optim/adam_update.wgsl', OPTIM, ['m[i] = mi;', 'm[i] = gi;']),

  // int8: requantization (shared by every int8 conv kernel) and the float edges
  m('requant_s16_tie_down', 'int8', 'shaders/common/requant.wgsl', INT8, ['r >= vec4<i32>(32768)', 'r > vec4<i32>(32768)']),
  m('requant_small_truncates', 'int8', 'shaders/common/requant.wgsl', INT8, [
    '((r + (vec4<i32>(1) << (lo_s - vec4<u32>(1u)))) >> lo_s)',
    '(r >> lo_s)',
  ]),
  m('requant_big_truncates', 'int8', 'shaders/common/requant.wgsl', INT8, [
    '(u + (vec4<i32>(1) << (hi_s - vec4<u32>(17u)))) >> (hi_s',
    'u >> (hi_s',
  ]),
  m('quantize_half_up', 'int8', 'shaders/int8/quantize_forward.wgsl', INT8, [
    'i32(round(clamp(x[row * params.c + ch] * params.inv_scale, -512.0, 512.0)))',
    'i32(floor(clamp(x[row * params.c + ch] * params.inv_scale, -512.0, 512.0) + 0.5))',
  ]),
  // (not a mutant: 'var q = params.zero' → 'var q = 0' for the padding channels is equivalent today — padded weights are
  // 0, so no kernel reads the padding bytes into a result)
  m('quantize_byte_order', 'int8', 'shaders/int8/quantize_forward.wgsl', INT8, ['let ch = 4u * j + k;', 'let ch = 4u * j + (3u - k);']),
  m('quantize_clamp_127', 'int8', 'shaders/int8/quantize_forward.wgsl', INT8, ['+ params.zero, -128, 127)', '+ params.zero, -127, 127)']),

  // fake quantization (compression-aware training)
  m('fake_quant_half_up', 'quant', 'shaders/quant/fake_quant_forward.wgsl', QUANT, [
    'clamp(round(w[r * C + c] / s), -q, q)',
    'clamp(floor(w[r * C + c] / s + 0.5), -q, q)',
  ]),
  m('fake_quant_scale_bits', 'quant', 'shaders/quant/fake_quant_forward.wgsl', QUANT, [
    'let s = select(1.0, m / q, m > 0.0);',
    'let s = select(1.0, m / (q + 1.0), m > 0.0);',
  ]),
  m('fake_quant_max_skips_last', 'quant', 'shaders/quant/fake_quant_forward.wgsl', QUANT, [
    'for (var r = 0u; r < params.rows; r++) { m = max',
    'for (var r = 0u; r + 1u < params.rows; r++) { m = max',
  ]),
  // (not a mutant: loosening the clamp to [−q−1, q] is equivalent — |w/s| ≤ q by the choice of s)
  m('fake_quant_levels_128', 'quant', 'shaders/quant/fake_quant_forward.wgsl', QUANT, [
    'let q = f32((1u << (BITS - 1u)) - 1u);',
    'let q = f32(1u << (BITS - 1u));',
  ]),
  m('fake_quant_abs', 'quant', 'shaders/quant/fake_quant_forward.wgsl', QUANT, [
    'm = max(m, abs(w[r * C + c]));',
    'm = max(m, w[r * C + c]);',
  ]),

  // XNOR
  m('xnor_binarize_zero_negative', 'xnor', 'shaders/xnor/binarize_forward.wgsl', XNOR, [
    'x[row * params.c + c0 + k] < 0.0',
    'x[row * params.c + c0 + k] <= 0.0',
  ]),
  m('xnor_binarize_count', 'xnor', 'shaders/xnor/binarize_forward.wgsl', XNOR, [
    'let cnt = min(32u, params.c - c0);',
    'let cnt = min(31u, params.c - c0);',
  ]),
  m('xnor_binarize_word_offset', 'xnor', 'shaders/xnor/binarize_forward.wgsl', XNOR, [
    'let c0 = (i % params.c32) * 32u;',
    'let c0 = (i % params.c32) * 31u;',
  ]),
  m('xnor_bits_iw_bound', 'xnor', 'shaders/xnor/conv2d_forward_bits.wgsl', XNOR, [
    'ok[t] = iw >= 0 && iw < params.geom.in_hw.y;',
    'ok[t] = iw >= 0 && iw <= params.geom.in_hw.y;',
  ]),
  m('xnor_bits_pad_taps', 'xnor', 'shaders/xnor/conv2d_forward_bits.wgsl', XNOR, ['taps[t] += select(0u, 1u, ok[t]);', 'taps[t] += 1u;']),
  mf('xnor_quad_no_pad_mask', 'xnor', 'shaders/xnor/conv2d_forward_bits_quad.tmpl.wgsl', XNOR, 'xnor_bits_quad', [
    'let m${c} = vec4<u32>(select(0u, 0xffffffffu, ok${c}));',
    'let m${c} = vec4<u32>(0xffffffffu);',
  ]),
  mf('xnor_quad_col_bound', 'xnor', 'shaders/xnor/conv2d_forward_bits_quad.tmpl.wgsl', XNOR, 'xnor_bits_quad', [
    'iw${c} >= 0 && iw${c} < w_in &&',
    'iw${c} >= 0 && iw${c} <= w_in &&',
  ]),
  mf('xnor_pwquad_regthr_mask', 'xnor', 'shaders/xnor/pointwise_forward_bits_quad.tmpl.wgsl', XNOR, 'pwquadrt', [
    'bits4m(p${r}${k}, th${k}, fl${k}, vec4<u32>(1u, 2u, 4u, 8u) << vec4<u32>(4u * ${k}u))',
    'bits4m(p${r}${k}, th${k}, fl${k}, vec4<u32>(1u, 2u, 4u, 4u) << vec4<u32>(4u * ${k}u))',
  ]),

  // elementwise
  m('ew_add_drops_b', 'elementwise', 'shaders/elementwise/add_forward.wgsl', EW, [
    'y[i] = activate(a[i] + b[i]);',
    'y[i] = activate(a[i]);',
  ]),
  m('ew_sub_swapped', 'elementwise', 'shaders/elementwise/binary_forward.wgsl', EW, [
    'case 1u: { return u - v; }',
    'case 1u: { return v - u; }',
  ]),
  m('ew_bcast_b_uses_a_strides', 'elementwise', 'shaders/elementwise/binary_forward.wgsl', EW, [
    'sb += c * pick_u(params.bs_lo, params.bs_hi, dd);',
    'sb += c * pick_u(params.as_lo, params.as_hi, dd);',
  ]),
  m('ew_prelu_swapped', 'elementwise', 'shaders/elementwise/binary_forward.wgsl', EW, [
    'select(u, u * v, u < 0.0)',
    'select(u * v, u, u < 0.0)',
  ]),
  m('ew_pow_odd_sign', 'elementwise', 'shaders/elementwise/binary_forward.wgsl', EW, [
    'select(m, -m, (abs(e) % 2.0) == 1.0)',
    'select(-m, m, (abs(e) % 2.0) == 1.0)',
  ]),
  m('ew_affine_shift_channel0', 'elementwise', 'shaders/elementwise/channel_affine_forward.wgsl', EW, [
    'x[i] * scale[c] + shift[c]',
    'x[i] * scale[c] + shift[0]',
  ]),
  m('ew_lrn_window_drops_last', 'elementwise', 'shaders/elementwise/lrn_forward.wgsl', EW, ['i32(params.c) - 1);', 'i32(params.c) - 2);']),
  m('ew_lrn_alpha_not_over_size', 'elementwise', 'shaders/elementwise/lrn_forward.wgsl', EW, [
    'params.alpha / f32(params.size) * s',
    'params.alpha * s',
  ]),

  // reductions
  m('reduce_mean_divisor', 'reduce', 'shaders/reduce/reduce_axis_forward.wgsl', RED, ['acc / f32(params.r)', 'acc / f32(params.r + 1u)']),
  m('reduce_skips_last', 'reduce', 'shaders/reduce/reduce_axis_forward.wgsl', RED, [
    'for (var t = 0u; t < params.r; t++) {',
    'for (var t = 0u; t + 1u < params.r; t++) {',
  ]),
  m('reduce_max_is_min', 'reduce', 'shaders/reduce/reduce_axis_forward.wgsl', RED, [
    'case 2u: { acc = max(acc, v); }',
    'case 2u: { acc = min(acc, v); }',
  ]),
  m('reduce_max_starts_at_zero', 'reduce', 'shaders/reduce/reduce_axis_forward.wgsl', RED, [
    'var acc = select(0.0, x[base], MODE >= 2u);',
    'var acc = 0.0;',
  ]),
  m('softmax_axis_sum_unshifted', 'reduce', 'shaders/reduce/softmax_axis_forward.wgsl', RED, [
    '{ s += exp(x[base + t * params.inner] - m); }',
    '{ s += exp(x[base + t * params.inner]); }',
  ]),
  m('softmax_axis_log_no_lse', 'reduce', 'shaders/reduce/softmax_axis_forward.wgsl', RED, [
    'select(exp(z) / s, z - ls, MODE == 1u)',
    'select(exp(z) / s, z, MODE == 1u)',
  ]),
  m('softmax_sum_drops_last', 'reduce', 'shaders/reduce/softmax_forward.wgsl', RED, [
    'for (var j = 0u; j < params.cols; j++) { s += exp',
    'for (var j = 0u; j + 1u < params.cols; j++) { s += exp',
  ]),
  m('sumsq_not_squared', 'reduce', 'shaders/reduce/sumsq_partial.wgsl', RED, ['acc += x[j] * x[j];', 'acc += abs(x[j]);']),
  m('sumsq_final_no_sqrt', 'reduce', 'shaders/reduce/sumsq_final.wgsl', RED, ['norm[0] = sqrt(acc);', 'norm[0] = acc;']),

  // matmul
  m('mm_k_drops_last', 'matmul', 'shaders/matmul/matmul_forward_direct.wgsl', MM, [
    'for (var k = 0u; k < params.k; k++)',
    'for (var k = 0u; k + 1u < params.k; k++)',
  ]),
  m('mm_no_bias', 'matmul', 'shaders/matmul/matmul_forward_direct.wgsl', MM, [
    'params.alpha * acc + select(0.0, bias[j], HAS_BIAS == 1u)',
    'params.alpha * acc',
  ]),
  m('mm_no_alpha', 'matmul', 'shaders/matmul/matmul_forward_direct.wgsl', MM, ['y[i] = params.alpha * acc +', 'y[i] = acc +']),
  m('mm_a_strides_swapped', 'matmul', 'shaders/matmul/matmul_forward_direct.wgsl', MM, [
    'a[ar + k * params.a_mk.y]',
    'a[ar + k * params.a_mk.x]',
  ]),
  m('mm_b_strides_swapped', 'matmul', 'shaders/matmul/matmul_forward_direct.wgsl', MM, [
    'let bc = bb + j * params.b_kn.y;',
    'let bc = bb + j * params.b_kn.x;',
  ]),
  m('mm_b_batch_uses_a', 'matmul', 'shaders/common/matmul_batch.wgsl', MM, ['bb += c * b_batch[d];', 'bb += c * a_batch[d];']),

  // channel shuffle
  m('shuffle_identity', 'group_shuffle', 'shaders/group_shuffle/channel_shuffle_forward.wgsl', SHUF, [
    'y[r * params.c + (c % per) * params.groups + c / per]',
    'y[r * params.c + c]',
  ]),
  m('shuffle_inverse', 'group_shuffle', 'shaders/group_shuffle/channel_shuffle_forward.wgsl', SHUF, [
    '(c % per) * params.groups + c / per]',
    '(c % params.groups) * per + c / params.groups]',
  ]),
  m('shuffle_div_mod_swapped', 'group_shuffle', 'shaders/group_shuffle/channel_shuffle_forward.wgsl', SHUF, [
    '(c % per) * params.groups + c / per]',
    '(c / per) * params.groups + c % per]',
  ]),
  m('shuffle_row_stride', 'group_shuffle', 'shaders/group_shuffle/channel_shuffle_forward.wgsl', SHUF, [
    'y[r * params.c + (c % per)',
    'y[r * per + (c % per)',
  ]),
  m('shuffle_groups_off_by_one', 'group_shuffle', 'shaders/group_shuffle/channel_shuffle_forward.wgsl', SHUF, [
    '(c % per) * params.groups + c / per]',
    '(c % per) * (params.groups - 1u) + c / per]',
  ]),

  // binary (sign / binarized weights for 1-bit training)
  mf('sign_zero_negative', 'binary', 'shaders/binary/sign_forward.wgsl', SIGN, 'sign_ste', [
    'select(1.0, -1.0, x[i] < 0.0)',
    'select(1.0, -1.0, x[i] <= 0.0)',
  ]),
  mf('sign_bwd_open_window', 'binary', 'shaders/binary/sign_backward.wgsl', SIGN, 'sign_ste', ['abs(x[i]) <= 1.0', 'abs(x[i]) < 1.0']),
  mf('binarize_mean_rows', 'binary', 'shaders/binary/binarize_forward.wgsl', BINW, 'compression-aware training', [
    'let a = s / f32(params.rows);',
    'let a = s / f32(params.rows + 1u);',
  ]),
  mf('binarize_sum_skips_first', 'binary', 'shaders/binary/binarize_forward.wgsl', BINW, 'compression-aware training', [
    'for (var r = 0u; r < params.rows; r++) { s += abs(',
    'for (var r = 1u; r < params.rows; r++) { s += abs(',
  ]),
  mf('binarize_no_abs', 'binary', 'shaders/binary/binarize_forward.wgsl', BINW, 'compression-aware training', [
    's += abs(w[r * C + c]);',
    's += w[r * C + c];',
  ]),
  mf('binarize_bwd_no_clip', 'binary', 'shaders/binary/binarize_backward.wgsl', SIGN, 'binarize_weights backward', [
    'dw[i] = select(0.0, dy[i], abs(w[i]) <= 1.0);',
    'dw[i] = dy[i];',
  ]),

  // shape: concat, pad, strided copy
  m('concat_no_offset', 'shape', 'shaders/shape/concat_forward.wgsl', SHAPE, [
    'y[r * params.cy + params.offset + j] = x[i];',
    'y[r * params.cy + j] = x[i];',
  ]),
  m('concat_row_stride_cx', 'shape', 'shaders/shape/concat_forward.wgsl', SHAPE, [
    'y[r * params.cy + params.offset + j] = x[i];',
    'y[r * params.cx + params.offset + j] = x[i];',
  ]),
  mf('concat_bwd_no_offset', 'shape', 'shaders/shape/concat_backward.wgsl', ['test/unit/backward.test.ts'], 'concat', [
    'dx[i] = dy[r * params.cy + params.offset + j];',
    'dx[i] = dy[r * params.cy + j];',
  ]),
  m('pad_reflect_period', 'shape', 'shaders/shape/pad_forward.wgsl', SHAPE, [
    'let period = max(2 * (len - 1), 1);',
    'let period = max(2 * len, 1);',
  ]),
  m('pad_edge_clamp', 'shape', 'shaders/shape/pad_forward.wgsl', SHAPE, ['s = clamp(s, 0, len - 1);', 's = clamp(s, 0, len);']),
  m('pad_begin_sign', 'shape', 'shaders/shape/pad_forward.wgsl', SHAPE, ['var s = c - pick_i(', 'var s = c + pick_i(']),
  m('pad_upper_bound', 'shape', 'shaders/shape/pad_forward.wgsl', SHAPE, ['if (s < 0 || s >= len) {', 'if (s < 0 || s > len) {']),
  m('strided_copy_no_x_offset', 'shape', 'shaders/shape/strided_copy_forward.wgsl', SHAPE, [
    'var xi = i32(params.x_offset);',
    'var xi = 0;',
  ]),
  m('strided_copy_y_dense', 'shape', 'shaders/shape/strided_copy_forward.wgsl', SHAPE, [
    'yi += c * pick_u(params.ys_lo, params.ys_hi, dd);',
    'yi += c;',
  ]),

  // block-sparse convolution
  m('bs1_no_bias', 'block_sparse', 'shaders/block_sparse/conv2d_forward_rows1.wgsl', BS, [
    'activate(a.x + a.y + a.z + a.w + bias[co])',
    'activate(a.x + a.y + a.z + a.w)',
  ]),
  m('bs1_dropped_lane', 'block_sparse', 'shaders/block_sparse/conv2d_forward_rows1.wgsl', BS, [
    'activate(a.x + a.y + a.z + a.w + bias[co])',
    'activate(a.x + a.y + a.z + bias[co])',
  ]),
  m('bs1_iw_bound', 'block_sparse', 'shaders/block_sparse/conv2d_forward_rows1.wgsl', BS, [
    'if (iw < 0 || iw >= params.geom.in_hw.y ||',
    'if (iw < 0 || iw > params.geom.in_hw.y ||',
  ]),
  m('bs1_drops_last_block', 'block_sparse', 'shaders/block_sparse/conv2d_forward_rows1.wgsl', BS, [
    'for (var b = b0; b < b1; b++) {',
    'for (var b = b0; b + 1u < b1; b++) {',
  ]),
  m('bs4_dropped_w3', 'block_sparse', 'shaders/block_sparse/conv2d_forward_rows4.wgsl', BS, [' + xv.z * w2 + xv.w * w3;', ' + xv.z * w2;']),
  m('bs4_iw_bound', 'block_sparse', 'shaders/block_sparse/conv2d_forward_rows4.wgsl', BS, [
    'ok[t] = iw >= 0 && iw < params.geom.in_hw.y',
    'ok[t] = iw >= 0 && iw <= params.geom.in_hw.y',
  ]),
  m('bs4_bias_first_of_block', 'block_sparse', 'shaders/block_sparse/conv2d_forward_rows4.wgsl', BS, [
    '+ bias[br * BR4 + v]',
    '+ bias[br * BR4]',
  ]),

  mf('bs_pwblk_drops_last_block', 'block_sparse', 'shaders/block_sparse/pointwise_forward_quadblk.tmpl.wgsl', BS, 'pwblk', [
    'for (var blk = idx[br]; blk < end; blk++) {',
    'for (var blk = idx[br]; blk + 1u < end; blk++) {',
  ]),
  mf('bs_pwblk_second_quarter', 'block_sparse', 'shaders/block_sparse/pointwise_forward_quadblk.tmpl.wgsl', BS, 'pwblk', [
    'let v${r}${j} = x[x${r} + c0 + ${j}u];',
    'let v${r}${j} = x[x${r} + c0];',
  ]),
  mf('bs_pwblk_bias_hi', 'block_sparse', 'shaders/block_sparse/pointwise_forward_quadblk.tmpl.wgsl', BS, 'pwblk', [
    'let bb = bias[2u * br + 1u];',
    'let bb = bias[2u * br];',
  ]),

  // int8 pointwise and the packed-byte helpers (dot4 and unpack flavours)
  mf('i8pw_drops_last_word', 'int8', 'shaders/int8/pointwise_forward.tmpl.wgsl', I8PW, 'pointwise', [
    'for (var j = 0u; j < params.kg4; j++) {',
    'for (var j = 0u; j + 1u < params.kg4; j++) {',
  ]),
  mf('i8pw_no_group_offset', 'int8', 'shaders/int8/pointwise_forward.tmpl.wgsl', I8PW, 'pointwise', [
    'x[(m0 + r) * params.k4 + g * params.kg4 + j]',
    'x[(m0 + r) * params.k4 + j]',
  ]),
  mf('i8pw_no_y_zero', 'int8', 'shaders/int8/pointwise_forward.tmpl.wgsl', I8PW, 'pointwise', [
    'requant4(acc[r] + bias, m, s) + params.y_zero,',
    'requant4(acc[r] + bias, m, s),',
  ]),
  mf('i8pw_lanes_swapped', 'int8', 'shaders/int8/pointwise_forward.tmpl.wgsl', I8PW, 'pointwise', [
    'dot4i8(xv, wv.z), dot4i8(xv, wv.w)',
    'dot4i8(xv, wv.w), dot4i8(xv, wv.z)',
  ]),
  mf('i8pw_tail_rows', 'int8', 'shaders/int8/pointwise_forward.tmpl.wgsl', I8PW, 'pointwise', [
    'let rows = min(TM, params.m - m0);',
    'let rows = min(TM, params.m - m0 - 1u);',
  ]),
  mf('dot4_unsigned_b', 'int8', 'shaders/common/int8_dot4.wgsl', I8PW, 'pointwise', [
    'return dot4I8Packed(a, b);',
    'return dot4I8Packed(a, b & 0x7f7f7f7fu);',
  ]),
  mf('unpack_zero_extends', 'int8', 'shaders/common/int8_unpack.wgsl', I8PW, 'pointwise', [
    'return vec4<i32>(vec4<u32>(a) << vec4<u32>(24u, 16u, 8u, 0u)) >> vec4<u32>(24u);',
    'return vec4<i32>((vec4<u32>(a) << vec4<u32>(24u, 16u, 8u, 0u)) >> vec4<u32>(24u));',
  ]),
  mf('pack_bytes_swapped', 'int8', 'shaders/common/int8_unpack.wgsl', I8PW, 'pointwise', [
    '(b.y << 8u) | (b.z << 16u)',
    '(b.z << 8u) | (b.y << 16u)',
  ]),

  // conv: Winograd F(2×2, 3×3) forward / stride-1 input gradient and F(3×3, 2×2) weight gradient (transforms, GEMMs)
  m('wino_weight_G_row', 'conv_winograd', 'shaders/conv/conv2d_forward_winograd_weight.wgsl', WINO, [
    't[3u + c] = 0.5 * (g0 + g1 + g2);',
    't[3u + c] = 0.5 * (g0 + g1 - g2);',
  ]),
  m('wino_input_pad_xy', 'conv_winograd', 'shaders/conv/conv2d_forward_winograd_input.wgsl', WINO, [
    'let r0 = 2 * i32(th) - params.geom.pad.x;',
    'let r0 = 2 * i32(th) - params.geom.pad.y;',
  ]),
  m('wino_input_col_bound', 'conv_winograd', 'shaders/conv/conv2d_forward_winograd_input.wgsl', WINO, [
    'let okc3 = c0 + 3 >= 0 && c0 + 3 < W;',
    'let okc3 = c0 + 3 >= 0 && c0 + 3 <= W;',
  ]),
  m('wino_output_right_mask', 'conv_winograd', 'shaders/conv/conv2d_forward_winograd_output.wgsl', WINO, [
    'let right = ow0 + 1u < OW;',
    'let right = ow0 + 1u <= OW;',
  ]),
  m('wino_output_At_sign', 'conv_winograd', 'shaders/conv/conv2d_forward_winograd_output.wgsl', WINO, [
    'let f10 = m10 - m20 - m30;',
    'let f10 = m10 - m20 + m30;',
  ]),
  m('wino_gemm_drops_last_cin', 'conv_winograd', 'shaders/conv/conv2d_forward_winograd_gemm.tmpl.wgsl', WINO, [
    'for (var ci4 = 0u; ci4 < cin4; ci4++) {',
    'for (var ci4 = 0u; ci4 + 1u < cin4; ci4++) {',
  ]),
  m('wino_dw_dy_down_mask', 'conv_winograd', 'shaders/conv/conv2d_backward_weight_winograd_dy.wgsl', WINO, [
    'let down = oh0 + 1u < OH;',
    'let down = oh0 + 1u <= OH;',
  ]),
  m('wino_dw_dy_A_sign', 'conv_winograd', 'shaders/conv/conv2d_backward_weight_winograd_dy.wgsl', WINO, [
    'yt[yb + 3u * s] = -p01;',
    'yt[yb + 3u * s] = p01;',
  ]),
  m('wino_dw_chunk_drops_last_tile', 'conv_winograd', 'shaders/conv/conv2d_backward_weight_winograd_gemm.tmpl.wgsl', WINO, [
    'let t1 = min(t0 + params.tiles_per_chunk, params.tiles);',
    'let t1 = min(t0 + params.tiles_per_chunk - 1u, params.tiles);',
  ]),
  m('wino_dw_output_G_half', 'conv_winograd', 'shaders/conv/conv2d_backward_weight_winograd_output.wgsl', WINO, [
    'part[pb + 1u * ps] = 0.5 * (f01 - f02);',
    'part[pb + 1u * ps] = 0.5 * (f01 + f02);',
  ]),

  // conv: the sliding-window weight gradient (KW = 3, column stride and dilation 1; scalar and quad flavours)
  mf('slide_window_no_shift', 'conv_slide', 'shaders/conv/conv2d_backward_weight_slide.tmpl.wgsl', SLIDE, 'slide', [
    'w0_${j} = w1_${j}; w1_${j} = w2_${j};',
    'w1_${j} = w2_${j};',
  ]),
  mf('slide_col_start', 'conv_slide', 'shaders/conv/conv2d_backward_weight_slide.tmpl.wgsl', SLIDE, 'slide', [
    'var col = 2 - pl;',
    'var col = 1 - pl;',
  ]),
  mf('slide_ih_bound', 'conv_slide', 'shaders/conv/conv2d_backward_weight_slide.tmpl.wgsl', SLIDE, 'slide', [
    'if (ih < 0 || ih >= H) { continue; }',
    'if (ih < 0 || ih > H) { continue; }',
  ]),
  mf('slide_right_edge', 'conv_slide', 'shaders/conv/conv2d_backward_weight_slide.tmpl.wgsl', SLIDE, 'slide', [
    'x[xi2 + ${j}u], col >= 0 && col < W)',
    'x[xi2 + ${j}u], col >= 0 && col <= W)',
  ]),
  mf('slide_left_pad_ignored', 'conv_slide', 'shaders/conv/conv2d_backward_weight_slide.tmpl.wgsl', SLIDE, 'slide', [
    'let c0 = -pl;',
    'let c0 = 0;',
  ]),
  mf('slide_taps_reversed', 'conv_slide', 'shaders/conv/conv2d_backward_weight_slide.tmpl.wgsl', SLIDE, 'slide', [
    'let pb${t} = ((u32(kh) * 3u + ${t}u)',
    'let pb${t} = ((u32(kh) * 3u + 2u - ${t}u)',
  ]),
  mf('slide_chunk_drops_last_row', 'conv_slide', 'shaders/conv/conv2d_backward_weight_slide.tmpl.wgsl', SLIDE, 'slide', [
    'min(q0 + params.rows_per_chunk, params.batch * OH)',
    'min(q0 + params.rows_per_chunk - 1u, params.batch * OH)',
  ]),
  mf('slide_quad_broadcast_lane0', 'conv_slide', 'shaders/conv/conv2d_backward_weight_slide.tmpl.wgsl', SLIDE, 'slide', [
    'w2_${j} = quadBroadcast(m2, ${j}u);',
    'w2_${j} = quadBroadcast(m2, 0u);',
  ]),
  // conv: the one-channel 3×3 forward (a sliding window of 3 × 3 input pixels along an output row)
  mf('cin1_row_pad_from_cols', 'conv_cin1_3x3', 'shaders/conv/conv2d_forward_cin1_3x3.tmpl.wgsl', CIN1, 'cin1', [
    'let ih${r} = i32(oh) - params.geom.pad.x + ${r};',
    'let ih${r} = i32(oh) - params.geom.pad.y + ${r};',
  ]),
  mf('cin1_row_bound', 'conv_cin1_3x3', 'shaders/conv/conv2d_forward_cin1_3x3.tmpl.wgsl', CIN1, 'cin1', [
    'let ok${r} = ih${r} >= 0 && ih${r} < H;',
    'let ok${r} = ih${r} >= 0 && ih${r} <= H;',
  ]),
  mf('cin1_col_start', 'conv_cin1_3x3', 'shaders/conv/conv2d_forward_cin1_3x3.tmpl.wgsl', CIN1, 'cin1', [
    'var col = 2 - pl;',
    'var col = 1 - pl;',
  ]),
  mf('cin1_window_shift', 'conv_cin1_3x3', 'shaders/conv/conv2d_forward_cin1_3x3.tmpl.wgsl', CIN1, 'cin1', [
    'k${r}_0 = k${r}_1;',
    'k${r}_0 = k${r}_2;',
  ]),
  mf('cin1_no_bias', 'conv_cin1_3x3', 'shaders/conv/conv2d_forward_cin1_3x3.tmpl.wgsl', CIN1, 'cin1', [
    'let s${c} = bias${c} + k0_0',
    'let s${c} = k0_0',
  ]),
  mf('cin1_taps_swapped', 'conv_cin1_3x3', 'shaders/conv/conv2d_forward_cin1_3x3.tmpl.wgsl', CIN1, 'cin1', [
    'k2_1 * w7_${c} + k2_2 * w8_${c}',
    'k2_1 * w8_${c} + k2_2 * w7_${c}',
  ]),
  mf('cin1_second_col_left_edge', 'conv_cin1_3x3', 'shaders/conv/conv2d_forward_cin1_3x3.tmpl.wgsl', CIN1, 'cin1', [
    'let in1 = c0 + 1 >= 0 && c0 + 1 < W;',
    'let in1 = c0 + 1 < W;',
  ]),
  // int8: the short-reduction f32 convs (fmashort: first layers, small groups; requant4 and requantf flavours); the
  // tests of the 8×16 instances (L3 and not, grouped, both requantization flavours: each case asserts its flavour)
  mf('fmashort_l3_drops_lane2', 'int8_fmashort', 'shaders/int8/conv2d_forward_fmashort.tmpl.wgsl', I8F, 'fmashort3?_8x16', [
    'f${t}_${c} += v${t}.x * p${c}_0 + v${t}.y * p${c}_1 + v${t}.z * p${c}_2;',
    'f${t}_${c} += v${t}.x * p${c}_0 + v${t}.y * p${c}_1;',
  ]),
  mf('fmashort_drops_lane3', 'int8_fmashort', 'shaders/int8/conv2d_forward_fmashort.tmpl.wgsl', I8F, 'fmashort3?_8x16', [
    ' + v${t}.w * p${c}_3;',
    ';',
  ]),
  mf('fmashort_pad_reads_zero', 'int8_fmashort', 'shaders/int8/conv2d_forward_fmashort.tmpl.wgsl', I8F, 'fmashort3?_8x16', [
    'select(xz, x[xb${t} + j], ok${t})',
    'select(0u, x[xb${t} + j], ok${t})',
  ]),
  mf('fmashort_iw_bound', 'int8_fmashort', 'shaders/int8/conv2d_forward_fmashort.tmpl.wgsl', I8F, 'fmashort3?_8x16', [
    'iw + ${t} * sw < W;',
    'iw + ${t} * sw <= W;',
  ]),
  mf('fmashort_no_group_offset', 'int8_fmashort', 'shaders/int8/conv2d_forward_fmashort.tmpl.wgsl', I8F, 'fmashort3?_8x16', [
    'let off = g * params.cg4;',
    'let off = 0u;',
  ]),
  mf('fmashort_row_stride_y', 'int8_fmashort', 'shaders/int8/conv2d_forward_fmashort.tmpl.wgsl', I8F, 'fmashort3?_8x16', [
    'let ih = i32(tile.oh) * params.geom.stride.x',
    'let ih = i32(tile.oh) * params.geom.stride.y',
  ]),
  mf('fmashort_requant4_no_y_zero', 'int8_fmashort', 'shaders/int8/conv2d_forward_fmashort.tmpl.wgsl', I8F, 'fmashort3?_8x16', [
    'requant4(a${t}_${c}, m${c}, s${c}) + params.y_zero, lo, hi)',
    'requant4(a${t}_${c}, m${c}, s${c}), lo, hi)',
  ]),
  mf('fmashort_requantf_no_y_zero', 'int8_fmashort', 'shaders/int8/conv2d_forward_fmashort.tmpl.wgsl', I8F, 'fmashort3?_8x16', [
    'rq${c}) + zy, lo, hi)',
    'rq${c}), lo, hi)',
  ]),
  // int8: requantf (requantization in f32 without per-channel shift counts) and pack4i8f, shared by the f flavours;
  // the tests of one fmashort instance whose cases run its requantf flavour (the flavour each case runs is asserted)
  mf('requantf_half_doubled', 'int8_requantf', 'shaders/common/requant.wgsl', I8F, 'fmashort3_8x16', [
    '(su + vec4<u32>(110u))',
    '(su + vec4<u32>(111u))',
  ]),
  mf('requantf_inv_halved', 'int8_requantf', 'shaders/common/requant.wgsl', I8F, 'fmashort3_8x16', [
    '(vec4<u32>(143u) - su)',
    '(vec4<u32>(142u) - su)',
  ]),
  mf('requantf_no_bias', 'int8_requantf', 'shaders/common/requant.wgsl', I8F, 'fmashort3_8x16', ['let a = acc + r.bias;', 'let a = acc;']),
  mf('requantf_drops_low_half', 'int8_requantf', 'shaders/common/requant.wgsl', I8F, 'fmashort3_8x16', [
    'let u = (a >> vec4<u32>(16u)) * r.m + (((a & vec4<i32>(0xffff)) * r.m) >> vec4<u32>(16u));',
    'let u = (a >> vec4<u32>(16u)) * r.m;',
  ]),
  mf('requantf_rounds', 'int8_requantf', 'shaders/common/requant.wgsl', I8F, 'fmashort3_8x16', [
    'return floor((vec4<f32>(u) + r.half) * r.inv);',
    'return round((vec4<f32>(u) + r.half) * r.inv);',
  ]),
  mf('pack4i8f_magic_2p23', 'int8_requantf', 'shaders/common/requant.wgsl', I8F, 'fmashort3_8x16', [
    'v + vec4<f32>(12582912.0)',
    'v + vec4<f32>(8388608.0)',
  ]),

  // step graphs (src/train): the survivors of issue 17
  m('kd_no_tau2_in_grad', 'train', 'src/train/step_graph.ts', TRAIN, [
    '{ tau, scale: (beta * tau * tau) / batch }',
    '{ tau, scale: beta / batch }',
  ]),
  m('dml_no_kl_peer2', 'train', 'src/train/step_graph.ts', TRAIN, ['seeds.push(dkl);', 'if (k !== 1) seeds.push(dkl);']),
  m(
    'dml_peers_together',
    'train',
    'src/train/step_graph.ts',
    TRAIN,
    [
      '    for (let k = 0; k < K; k++) {\n      const fwd',
      '    const later: (() => void)[] = [];\n    for (let k = 0; k < K; k++) {\n      const fwd',
    ],
    [
      '      step(m, `peer${k}/`, seeds, ce, klSum, 1, 1 / (K - 1));\n    }\n',
      '      later.push(() => step(m, `peer${k}/`, seeds, ce, klSum, 1, 1 / (K - 1)));\n    }\n    later.forEach((f) => f());\n',
    ],
  ),
  m('adam_t_stuck_at_1', 'train', 'src/train/optim.ts', TRAIN, ['const t = step + 1;', 'const t = Math.min(step + 1, 1);']),
  m('dx_stride1_pads_top_bottom_swapped', 'train', 'src/train/autodiff.ts', TRAIN, [
    'geo.dh * (geo.kh - 1) - geo.pt,\n    geo.dw * (geo.kw - 1) - geo.pl,\n    geo.dh * (geo.kh - 1) - geo.pb,',
    'geo.dh * (geo.kh - 1) - geo.pb,\n    geo.dw * (geo.kw - 1) - geo.pl,\n    geo.dh * (geo.kh - 1) - geo.pt,',
  ]),
];

type Outcome = 'caught' | 'survived' | 'stale' | 'no tests';

const root = process.cwd();
const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout;

function apply(src: string, edits: [string, string][]): string | null {
  let out = src;
  for (const [a, b] of edits) {
    if (out.split(a).length !== 2) return null;
    out = out.replace(a, () => b);
  }
  return out;
}

function runTests(mu: Mutant): { outcome: Outcome; failed: number; passed: number; seconds: number } {
  const report = join(root, 'test-results', `mutate_${mu.id}.json`);
  rmSync(report, { force: true });
  const t0 = Date.now();
  const tests = process.env.MUTATE_TESTS ? process.env.MUTATE_TESTS.split(/\s+/).filter(Boolean) : mu.tests;
  spawnSync('npx', ['vitest', 'run', ...tests, ...(mu.filter ? ['-t', mu.filter] : []), '--reporter=json', `--outputFile=${report}`], {
    cwd: root,
    encoding: 'utf8',
    timeout: 15 * 60_000,
    stdio: 'ignore',
  });
  const seconds = (Date.now() - t0) / 1000;
  if (!existsSync(report)) return { outcome: 'caught', failed: -1, passed: 0, seconds }; // crashed or timed out
  const r = JSON.parse(readFileSync(report, 'utf8'));
  rmSync(report, { force: true });
  const failed = r.numFailedTests + (r.numFailedTestSuites ?? 0),
    passed = r.numPassedTests;
  return { outcome: failed > 0 ? 'caught' : passed === 0 ? 'no tests' : 'survived', failed, passed, seconds };
}

function main(): void {
  const only = process.env.MUTATE_ONLY ? new RegExp(process.env.MUTATE_ONLY) : null;
  const chosen = MUTANTS.filter((mu) => !only || only.test(mu.id) || only.test(mu.family));
  if (process.env.MUTATE_LIST) {
    for (const mu of chosen) {
      const path = join(root, mu.file);
      const ok = existsSync(path) && apply(readFileSync(path, 'utf8'), mu.edits) !== null;
      console.log(`${ok ? '      ' : 'stale '}${mu.family.padEnd(10)} ${mu.id.padEnd(36)} ${mu.file}  → ${mu.tests.join(' ')}`);
    }
    return;
  }
  const files = [...new Set(chosen.map((mu) => mu.file))];
  const dirty = git('status', '--porcelain', '--', ...files).trim();
  if (dirty) throw new Error(`refusing to plant mutants in files with uncommitted changes:\n${dirty}`);
  mkdirSync(join(root, 'test-results'), { recursive: true });
  let current: { path: string; text: string } | null = null;
  const restore = () => {
    if (current) writeFileSync(current.path, current.text);
    current = null;
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.on(sig, () => {
      restore();
      process.exit(130);
    });
  const rows: { id: string; family: string; file: string; outcome: Outcome; failed: number; seconds: number }[] = [];
  for (const mu of chosen) {
    const path = join(root, mu.file);
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const mutated = existsSync(path) ? apply(text, mu.edits) : null;
    if (mutated === null) {
      rows.push({ id: mu.id, family: mu.family, file: mu.file, outcome: 'stale', failed: 0, seconds: 0 });
      console.log(`stale     ${mu.id} (${mu.file}: a search string no longer occurs exactly once)`);
      continue;
    }
    current = { path, text };
    try {
      writeFileSync(path, mutated);
      const r = runTests(mu);
      rows.push({ id: mu.id, family: mu.family, file: mu.file, outcome: r.outcome, failed: r.failed, seconds: r.seconds });
      console.log(`${r.outcome.padEnd(9)} ${mu.id} (${r.failed} failed, ${r.passed} passed, ${r.seconds.toFixed(0)} s)`);
    } finally {
      restore();
    }
  }
  const left = git('status', '--porcelain', '--', ...files).trim();
  if (left) throw new Error(`the tree is not clean after restoring:\n${left}`);
  const count = (o: Outcome) => rows.filter((r) => r.outcome === o).length;
  console.log('\n| family | mutant | outcome |\n|---|---|---|');
  for (const r of rows) console.log(`| ${r.family} | ${r.id} | ${r.outcome} |`);
  console.log(`\n${count('caught')} caught, ${count('survived')} survived, ${count('stale')} stale, ${count('no tests')} with no tests`);
  writeFileSync(join(root, 'test-results', 'mutate_wgsl.json'), JSON.stringify(rows, null, 2));
  if (count('survived') + count('stale') + count('no tests') > 0) process.exitCode = 1;
}

main();
