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

const m = (id: string, family: string, file: string, tests: string[], ...edits: [string, string][]): Mutant => ({ id, family, file, edits, tests });

export const MUTANTS: Mutant[] = [
  // conv: forward (direct kernel, the oracle variant)
  m('conv_fwd_kh_bound', 'conv', 'shaders/conv/conv2d_forward_direct.wgsl', CONV, ['for (var kh = 0u; kh < params.kernel.x; kh++)', 'for (var kh = 0u; kh + 1u < params.kernel.x; kh++)']),
  m('conv_fwd_iw_stride_x', 'conv', 'shaders/conv/conv2d_forward_direct.wgsl', CONV, ['let iw = i32(ow) * params.stride.y', 'let iw = i32(ow) * params.stride.x']),
  m('conv_fwd_iw_bound', 'conv', 'shaders/conv/conv2d_forward_direct.wgsl', CONV, ['if (iw < 0 || iw >= params.in_hw.y) { continue; }', 'if (iw < 0 || iw > params.in_hw.y) { continue; }']),
  m('conv_fwd_no_bias', 'conv', 'shaders/conv/conv2d_forward_direct.wgsl', CONV, ['y[i] = activate(acc + b[co]);', 'y[i] = activate(acc);']),
  m('conv_fwd_group', 'conv', 'shaders/conv/conv2d_forward_direct.wgsl', CONV, ['let g = co / (params.cout / params.groups);', 'let g = co % params.groups;']),
  m('conv_fwd_pad_y_rows', 'conv', 'shaders/conv/conv2d_forward_direct.wgsl', CONV, ['let ih = i32(oh) * params.stride.x - params.pad.x', 'let ih = i32(oh) * params.stride.x - params.pad.y']),
  // conv: input gradient (gathering kernel)
  m('conv_dx_stride_y_rows', 'conv', 'shaders/conv/conv2d_backward_input.wgsl', CONV, ['if (th < 0 || th % params.stride.x != 0) { continue; }', 'if (th < 0 || th % params.stride.y != 0) { continue; }']),
  m('conv_dx_oh_bound', 'conv', 'shaders/conv/conv2d_backward_input.wgsl', CONV, ['if (oh >= params.out_hw.x) { continue; }', 'if (oh > params.out_hw.x) { continue; }']),
  m('conv_dx_dilation_x_cols', 'conv', 'shaders/conv/conv2d_backward_input.wgsl', CONV, ['let tw = iw + params.pad.y - i32(kw) * params.dilation.y;', 'let tw = iw + params.pad.y - i32(kw) * params.dilation.x;']),
  m('conv_dx_pad_y_rows', 'conv', 'shaders/conv/conv2d_backward_input.wgsl', CONV, ['let th = ih + params.pad.x', 'let th = ih + params.pad.y']),
  // conv: weight gradient
  m('conv_dw_strides_swapped', 'conv', 'shaders/conv/conv2d_backward_weight.wgsl', CONV,
    ['let ih = i32(oh) * params.stride.x', 'let ih = i32(oh) * params.stride.y'], ['let iw = i32(ow) * params.stride.y', 'let iw = i32(ow) * params.stride.x']),
  m('conv_dw_batch_bound', 'conv', 'shaders/conv/conv2d_backward_weight.wgsl', CONV, ['for (var nb = 0u; nb < params.batch; nb++)', 'for (var nb = 0u; nb + 1u < params.batch; nb++)']),
  m('conv_dw_group_channel', 'conv', 'shaders/conv/conv2d_backward_weight.wgsl', CONV, ['* params.cin + ci] * dy[', '* params.cin + cil] * dy[']),
  m('conv_patches_iw_bound', 'conv', 'shaders/conv/conv2d_backward_weight_patches.wgsl', CONV, ['iw >= 0 && iw < params.in_hw.y)', 'iw >= 0 && iw <= params.in_hw.y)']),
  m('conv_patches_iw_stride_x', 'conv', 'shaders/conv/conv2d_backward_weight_patches.wgsl', CONV, ['let iw = i32(ow) * params.stride.y', 'let iw = i32(ow) * params.stride.x']),

  // depthwise
  m('dw_regtile_no_dilation_x', 'depthwise', 'shaders/depthwise/depthwise_forward_regtile.wgsl', DW, ['let iw = iw0 + i32(kw) * params.dilation.y;', 'let iw = iw0 + i32(kw);']),
  m('dw_regtile_dilation_y_rows', 'depthwise', 'shaders/depthwise/depthwise_forward_regtile.wgsl', DW, ['+ i32(kh) * params.dilation.x;', '+ i32(kh) * params.dilation.y;']),
  m('dw_regtile_pad_x_cols', 'depthwise', 'shaders/depthwise/depthwise_forward_regtile.wgsl', DW, ['let iw0 = i32(ow0) * params.stride.y - params.pad.y;', 'let iw0 = i32(ow0) * params.stride.y - params.pad.x;']),
  m('dw_regtile_col3_bound', 'depthwise', 'shaders/depthwise/depthwise_forward_regtile.wgsl', DW, ['iw + 3 * sw < params.in_hw.y) { acc3', 'iw + 3 * sw < params.in_hw.y - 1) { acc3']),
  m('dw_regtile_no_bias', 'depthwise', 'shaders/depthwise/depthwise_forward_regtile.wgsl', DW, ['y[ybase * c4n + c4] = activate4(acc0 + bias);', 'y[ybase * c4n + c4] = activate4(acc0);']),
  m('dw_3x3_s2_dropped_tap', 'depthwise', 'shaders/depthwise/depthwise_forward_3x3.wgsl', DW, ['acc1 += v2 * w0 + v3 * w1 + v4 * w2;', 'acc1 += v2 * w0 + v3 * w1;']),
  m('dw_3x3_pad_y_rows', 'depthwise', 'shaders/depthwise/depthwise_forward_3x3.wgsl', DW, ['let ih = i32(oh) * s - params.pad.x + kh;', 'let ih = i32(oh) * s - params.pad.y + kh;']),
  m('dw_3x3_s1_wrong_tap', 'depthwise', 'shaders/depthwise/depthwise_forward_3x3.wgsl', DW, ['acc3 += v3 * w0 + v4 * w1 + v5 * w2;', 'acc3 += v3 * w0 + v4 * w1 + v4 * w2;']),

  // pool
  m('pool_max_is_min', 'pool', 'shaders/pool/pool2d_forward.wgsl', POOL, ['      best = max(best, v);', '      best = min(best, v);']),
  m('pool_iw_bound', 'pool', 'shaders/pool/pool2d_forward.wgsl', POOL, ['iw < 0 || iw >= params.in_hw.y) { continue; }', 'iw < 0 || iw > params.in_hw.y) { continue; }']),
  m('pool_count_include_pad_swapped', 'pool', 'shaders/pool/pool2d_forward.wgsl', POOL, ['select(count, padded, params.count_include_pad == 1u)', 'select(padded, count, params.count_include_pad == 1u)']),
  m('pool_bwd_avg_divisor', 'pool', 'shaders/pool/pool2d_backward.wgsl', POOL, ['acc += g / f32(wv);', 'acc += g / f32(wv + 1u);']),
  m('pool_bwd_oh_bound', 'pool', 'shaders/pool/pool2d_backward.wgsl', POOL, ['if (oh >= params.out_hw.x) { continue; }', 'if (oh > params.out_hw.x) { continue; }']),
  m('gpool_divisor', 'pool', 'shaders/pool/global_pool_forward.wgsl', POOL, ['sum / f32(params.hw)', 'sum / f32(params.hw - 1u)']),
  m('gpool_skips_first', 'pool', 'shaders/pool/global_pool_forward.wgsl', POOL, ['for (var p = 0u; p < params.hw; p++)', 'for (var p = 1u; p < params.hw; p++)']),

  // batch-norm
  m('bn_apply_no_beta', 'norm', 'shaders/norm/batchnorm_forward_apply.wgsl', NORM, ['* gamma[c] + beta[c];', '* gamma[c];']),
  m('bn_apply_vec4_no_beta', 'norm', 'shaders/norm/batchnorm_forward_apply_vec4.wgsl', NORM, ['* gamma[q] + beta[q];', '* gamma[q];']),
  m('bn_dx_dropped_dbeta', 'norm', 'shaders/norm/batchnorm_backward_input.wgsl', NORM, ['(M * dy[i] - dbeta[c] - xhat * dgamma[c])', '(M * dy[i] - xhat * dgamma[c])']),
  m('bn_dx_vec4_dropped_dbeta', 'norm', 'shaders/norm/batchnorm_backward_input_vec4.wgsl', NORM, ['(M * dy[i] - dbeta[q] - xhat * dgamma[q])', '(M * dy[i] - xhat * dgamma[q])']),
  m('bn_dx_rows_off_by_one', 'norm', 'shaders/norm/batchnorm_backward_input.wgsl', NORM, ['let M = f32(params.rows);', 'let M = f32(params.rows - 1u);']),
  m('bn_stats_biased_running_var', 'norm', 'shaders/norm/batchnorm_forward_stats.wgsl', NORM, ['mom * ss / f32(max(params.rows, 2u) - 1u)', 'mom * ss / f32(params.rows)']),

  // losses
  m('ce_no_max_shift', 'loss', 'shaders/loss/softmax_cross_entropy_fused.wgsl', LOSS, ['loss[r] = log(s) - (z[base + y] - m);', 'loss[r] = log(s) - z[base + y];']),
  m('ce_label_off_by_one', 'loss', 'shaders/loss/softmax_cross_entropy_fused.wgsl', LOSS, ['select(0.0, 1.0, j == y)', 'select(0.0, 1.0, j + 1u == y)']),
  m('ce_sum_drops_last', 'loss', 'shaders/loss/softmax_cross_entropy_fused.wgsl', LOSS, ['for (var j = 0u; j < params.cols; j++) { s += exp', 'for (var j = 0u; j + 1u < params.cols; j++) { s += exp']),
  m('kl_grad_no_inv_tau', 'loss', 'shaders/loss/kl_div_fused.wgsl', LOSS, ['ds[base + j] = params.scale * (exp(lp) - q) * k;', 'ds[base + j] = params.scale * (exp(lp) - q);']),
  m('kl_loss_no_q', 'loss', 'shaders/loss/kl_div_fused.wgsl', LOSS, ['kl += q * (lq - lp);', 'kl += lq - lp;']),
  m('kl_teacher_no_tau', 'loss', 'shaders/loss/kl_div_fused.wgsl', LOSS, ['st += exp(t[base + j] * k - mt);', 'st += exp(t[base + j] - mt);']),

  // optimizers
  m('sgd_nesterov_swapped', 'optim', 'shaders/optim/sgd_update.wgsl', OPTIM, ['select(vi, gi + mu * vi, NESTEROV == 1u)', 'select(gi + mu * vi, vi, NESTEROV == 1u)']),
  m('sgd_no_l1', 'optim', 'shaders/optim/sgd_update.wgsl', OPTIM, ['params.weight_decay * wi + params.l1 * sign(wi);', 'params.weight_decay * wi;']),
  m('sgd_clip_max', 'optim', 'shaders/optim/sgd_update.wgsl', OPTIM, ['min(1.0, maxNorm / (norm[0] + 1e-6))', 'max(1.0, maxNorm / (norm[0] + 1e-6))']),
  m('sgd_no_lr', 'optim', 'shaders/optim/sgd_update.wgsl', OPTIM, ['w[i] = wi - lr * step;', 'w[i] = wi - step;']),
  m('adam_no_bc2', 'optim', 'shaders/optim/adam_update.wgsl', OPTIM, ['sqrt(vi * hyper[2])', 'sqrt(vi)']),
  m('adam_decoupled_no_w', 'optim', 'shaders/optim/adam_update.wgsl', OPTIM, ['{ step += params.weight_decay * wi; }', '{ step += params.weight_decay; }']),
  m('adam_v_beta1', 'optim', 'shaders/optim/adam_update.wgsl', OPTIM, ['(1.0 - params.beta2) * gi * gi', '(1.0 - params.beta1) * gi * gi']),
  m('adam_m_not_kept', 'optim', 'shaders/optim/adam_update.wgsl', OPTIM, ['m[i] = mi;', 'm[i] = gi;']),

  // int8: requantization (shared by every int8 conv kernel) and the float edges
  m('requant_s16_tie_down', 'int8', 'shaders/common/requant.wgsl', INT8, ['r >= vec4<i32>(32768)', 'r > vec4<i32>(32768)']),
  m('requant_small_truncates', 'int8', 'shaders/common/requant.wgsl', INT8, ['((r + (vec4<i32>(1) << (lo_s - vec4<u32>(1u)))) >> lo_s)', '(r >> lo_s)']),
  m('requant_big_truncates', 'int8', 'shaders/common/requant.wgsl', INT8, ['(u + (vec4<i32>(1) << (hi_s - vec4<u32>(17u)))) >> (hi_s', 'u >> (hi_s']),
  m('quantize_half_up', 'int8', 'shaders/int8/quantize_forward.wgsl', INT8, ['i32(round(clamp(x[row * params.c + ch] * params.inv_scale, -512.0, 512.0)))', 'i32(floor(clamp(x[row * params.c + ch] * params.inv_scale, -512.0, 512.0) + 0.5))']),
  // (not a mutant: 'var q = params.zero' → 'var q = 0' for the padding channels is equivalent today — padded weights are
  // 0, so no kernel reads the padding bytes into a result)
  m('quantize_byte_order', 'int8', 'shaders/int8/quantize_forward.wgsl', INT8, ['let ch = 4u * j + k;', 'let ch = 4u * j + (3u - k);']),
  m('quantize_clamp_127', 'int8', 'shaders/int8/quantize_forward.wgsl', INT8, ['+ params.zero, -128, 127)', '+ params.zero, -127, 127)']),

  // fake quantization (compression-aware training)
  m('fake_quant_half_up', 'quant', 'shaders/quant/fake_quant_forward.wgsl', QUANT, ['clamp(round(w[r * C + c] / s), -q, q)', 'clamp(floor(w[r * C + c] / s + 0.5), -q, q)']),
  m('fake_quant_scale_bits', 'quant', 'shaders/quant/fake_quant_forward.wgsl', QUANT, ['let s = select(1.0, m / q, m > 0.0);', 'let s = select(1.0, m / (q + 1.0), m > 0.0);']),
  m('fake_quant_max_skips_last', 'quant', 'shaders/quant/fake_quant_forward.wgsl', QUANT, ['for (var r = 0u; r < params.rows; r++) { m = max', 'for (var r = 0u; r + 1u < params.rows; r++) { m = max']),
  // (not a mutant: loosening the clamp to [−q−1, q] is equivalent — |w/s| ≤ q by the choice of s)
  m('fake_quant_levels_128', 'quant', 'shaders/quant/fake_quant_forward.wgsl', QUANT, ['let q = f32((1u << (BITS - 1u)) - 1u);', 'let q = f32(1u << (BITS - 1u));']),
  m('fake_quant_abs', 'quant', 'shaders/quant/fake_quant_forward.wgsl', QUANT, ['m = max(m, abs(w[r * C + c]));', 'm = max(m, w[r * C + c]);']),

  // XNOR
  m('xnor_binarize_zero_negative', 'xnor', 'shaders/xnor/binarize_forward.wgsl', XNOR, ['x[row * params.c + c0 + k] < 0.0', 'x[row * params.c + c0 + k] <= 0.0']),
  m('xnor_binarize_count', 'xnor', 'shaders/xnor/binarize_forward.wgsl', XNOR, ['let cnt = min(32u, params.c - c0);', 'let cnt = min(31u, params.c - c0);']),
  m('xnor_binarize_word_offset', 'xnor', 'shaders/xnor/binarize_forward.wgsl', XNOR, ['let c0 = (i % params.c32) * 32u;', 'let c0 = (i % params.c32) * 31u;']),
  m('xnor_bits_iw_bound', 'xnor', 'shaders/xnor/conv2d_forward_bits.wgsl', XNOR, ['ok[t] = iw >= 0 && iw < params.in_hw.y;', 'ok[t] = iw >= 0 && iw <= params.in_hw.y;']),
  m('xnor_bits_pad_taps', 'xnor', 'shaders/xnor/conv2d_forward_bits.wgsl', XNOR, ['taps[t] += select(0u, 1u, ok[t]);', 'taps[t] += 1u;']),

  // step graphs (src/train): the survivors of issue 17
  m('kd_no_tau2_in_grad', 'train', 'src/train/distill.ts', TRAIN, ['{ tau, scale: (beta * tau * tau) / batch }', '{ tau, scale: beta / batch }']),
  m('dml_no_kl_peer2', 'train', 'src/train/distill.ts', TRAIN, ['seeds.push(dkl);', 'if (k !== 1) seeds.push(dkl);']),
  m('dml_peers_together', 'train', 'src/train/distill.ts', TRAIN,
    ['    for (let k = 0; k < K; k++) {\n      const fwd', '    const later: (() => void)[] = [];\n    for (let k = 0; k < K; k++) {\n      const fwd'],
    ['      step(m, `peer${k}/`, seeds, ce, klSum, 1, 1 / (K - 1));\n    }\n', '      later.push(() => step(m, `peer${k}/`, seeds, ce, klSum, 1, 1 / (K - 1)));\n    }\n    later.forEach((f) => f());\n']),
  m('adam_t_stuck_at_1', 'train', 'src/train/optim.ts', TRAIN, ['const t = step + 1;', 'const t = Math.min(step + 1, 1);']),
  m('dx_stride1_pads_top_bottom_swapped', 'train', 'src/train/autodiff.ts', TRAIN,
    ['const pads = [geo.dh * (geo.kh - 1) - geo.pt, geo.dw * (geo.kw - 1) - geo.pl, geo.dh * (geo.kh - 1) - geo.pb,',
      'const pads = [geo.dh * (geo.kh - 1) - geo.pb, geo.dw * (geo.kw - 1) - geo.pl, geo.dh * (geo.kh - 1) - geo.pt,']),
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
    cwd: root, encoding: 'utf8', timeout: 15 * 60_000, stdio: 'ignore',
  });
  const seconds = (Date.now() - t0) / 1000;
  if (!existsSync(report)) return { outcome: 'caught', failed: -1, passed: 0, seconds }; // crashed or timed out
  const r = JSON.parse(readFileSync(report, 'utf8'));
  rmSync(report, { force: true });
  const failed = r.numFailedTests + (r.numFailedTestSuites ?? 0), passed = r.numPassedTests;
  return { outcome: failed > 0 ? 'caught' : passed === 0 ? 'no tests' : 'survived', failed, passed, seconds };
}

function main(): void {
  const only = process.env.MUTATE_ONLY ? new RegExp(process.env.MUTATE_ONLY) : null;
  const chosen = MUTANTS.filter((mu) => !only || only.test(mu.id) || only.test(mu.family));
  if (process.env.MUTATE_LIST) {
    for (const mu of chosen) {
      const ok = apply(readFileSync(join(root, mu.file), 'utf8'), mu.edits) !== null;
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
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { restore(); process.exit(130); });
  const rows: { id: string; family: string; file: string; outcome: Outcome; failed: number; seconds: number }[] = [];
  for (const mu of chosen) {
    const path = join(root, mu.file);
    const text = readFileSync(path, 'utf8');
    const mutated = apply(text, mu.edits);
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
