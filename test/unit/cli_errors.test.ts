// Every command, every flag, given a bad value (wrong type, out of range, unknown choice, missing file, unwritable
// path, a checkpoint of the wrong model or with a bad header): the CLI must answer with one `slimgpu: …` line on
// stderr, exit 1 or 2, print no stack trace, within CASE_MS of CPU time and with bounded memory (peak RSS from /usr/bin/time) —
// the errors come before any work. Also: --help for every command, `help COMMAND`, --version, no Vulkan-loader noise.
// The CLI runs as a child process from its own bundle (built once here), CONCURRENCY cases at a time.

import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../src/models/zoo.js';
import { encodeCheckpoint, type CheckpointMeta } from '../../src/train/checkpoint.js';
import { DEFAULT_OPTIM } from '../../src/train/optim.js';
import { hugeInput, tinyCnn, unsupportedOps, wideActivation } from '../onnx_files.js';

// "before any work" is judged on the case's CPU time (user + sys, /usr/bin/time), which other processes barely
// move; its wall time only guards against a hang (WALL_MS): at load ~25-30 cases took 3.0-4.1 s of wall time
const CASE_MS = 3000;
const RSS_LIMIT_MB = 400;
const CONCURRENCY = 4;
const OUT = 'dist/cli-errors-test';
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const WALL_MS = TIME ? 15_000 : CASE_MS;

const dir = mkdtempSync(join(tmpdir(), 'slimgpu-cli-errors-'));
const f = (name: string) => join(dir, name);

const meta = (model: string, extra: Partial<CheckpointMeta> = {}): CheckpointMeta => ({
  format: 'slimgpu-checkpoint',
  mode: 'plain',
  model: { model },
  peers: 1,
  seed: 1,
  initSeed: 1,
  batch: 8,
  train_examples: 32,
  opt: { ...DEFAULT_OPTIM },
  augment: { cropPad: 0, flip: false },
  epochs: 1,
  qat: 'none',
  prune: null,
  teacher_cache: false,
  prune_state: null,
  step: 4,
  epoch: 1,
  ...extra,
});

/** A checkpoint holding the zoo model's generated weights (optionally spoiled by `edit`). */
function checkpoint(
  model: string,
  extra: Partial<CheckpointMeta> = {},
  edit?: (t: Map<string, { shape: number[]; data: Float32Array }>) => void,
): Uint8Array {
  const g = buildModel({ model });
  const tensors = new Map(g.tensors.filter((t) => t.role === 'param').map((t) => [t.name, { shape: t.shape, data: t.data! }]));
  edit?.(tensors);
  return encodeCheckpoint({ meta: meta(model, extra), tensors });
}

/** A checkpoint with a hand-made header (for header errors the encoder would not write). */
function rawCheckpoint(header: unknown): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(Math.ceil((16 + h.length) / 4) * 4);
  out.set(new TextEncoder().encode('SLIMCKPT'));
  new DataView(out.buffer).setUint32(8, 1, true);
  new DataView(out.buffer).setUint32(12, h.length, true);
  out.set(h, 16);
  return out;
}

beforeAll(() => {
  execFileSync('npx', ['vite', 'build', '--config', 'vite.cli.config.ts', '--outDir', OUT], { stdio: 'ignore' });
  execFileSync('npx', ['vite', 'build', '--config', 'vite.bench.config.ts', '--outDir', `${OUT}/bench`], { stdio: 'ignore' });
  writeFileSync(f('tiny.ckpt'), checkpoint('cnn_tiny'));
  writeFileSync(f('small.ckpt'), checkpoint('cnn_small'));
  writeFileSync(
    f('nan.ckpt'),
    checkpoint('cnn_tiny', {}, (t) => t.get('fc1.w')!.data.fill(NaN, 0, 5)),
  );
  writeFileSync(f('classes.ckpt'), checkpoint('cnn_tiny', { model: { model: 'cnn_tiny', classes: 10_000_000 } }));
  writeFileSync(f('mobilenet.ckpt'), rawCheckpoint({ meta: meta('mobilenet_v1'), tensors: [] }));
  writeFileSync(f('garbage.ckpt'), new TextEncoder().encode('not a checkpoint at all, just text'));
  writeFileSync(f('nometa.ckpt'), rawCheckpoint({ tensors: [] }));
  writeFileSync(f('tensors.ckpt'), rawCheckpoint({ meta: meta('cnn_tiny'), tensors: { a: 1 } }));
  writeFileSync(f('negshape.ckpt'), rawCheckpoint({ meta: meta('cnn_tiny'), tensors: [{ name: 'a', shape: [-3] }] }));
  writeFileSync(f('types.ckpt'), rawCheckpoint({ meta: { ...meta('cnn_tiny'), batch: 'eight', peers: -1 }, tensors: [] }));
  writeFileSync(f('lies.ckpt'), rawCheckpoint({ meta: meta('cnn_tiny'), tensors: [{ name: 'a', shape: [1000, 1000, 1000] }] }));
  const tiny = tinyCnn();
  writeFileSync(f('tiny.onnx'), tiny);
  writeFileSync(f('truncated.onnx'), tiny.slice(0, Math.floor(tiny.length * 0.6)));
  writeFileSync(f('text.onnx'), new TextEncoder().encode('this is not protobuf, just a sentence\n'));
  writeFileSync(f('empty.onnx'), new Uint8Array(0));
  writeFileSync(f('unsupported.onnx'), unsupportedOps());
  writeFileSync(f('huge.onnx'), hugeInput());
  writeFileSync(f('wide.onnx'), wideActivation());
  mkdirSync(f('ro'));
  chmodSync(f('ro'), 0o500);
  mkdirSync(f('adir'));
}, 120_000);

afterAll(() => {
  chmodSync(f('ro'), 0o700);
  rmSync(dir, { recursive: true, force: true });
  rmSync(OUT, { recursive: true, force: true });
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** user + system CPU seconds, and peak RSS (from /usr/bin/time; 0 without it) */
  cpuS: number;
  rssMB: number;
}

/** One CLI run: `node` on the bundle (or the bench bundle), peak RSS from /usr/bin/time when it is there. */
function cli(args: string[]): Promise<Result> {
  const bench = args[0] === 'bench';
  const node = ['node', `${OUT}/${bench ? 'bench/cli.mjs' : 'cli.mjs'}`, ...(bench ? args.slice(1) : args)];
  const cmd = TIME ? [TIME, '-f', 'RSSKB %M CPU %U %S', ...node] : node;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const p = spawn(cmd[0], cmd.slice(1), { env: { ...process.env, SLIMGPU_DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const kill = setTimeout(() => p.kill('SIGKILL'), 2 * WALL_MS);
    p.on('close', (code) => {
      clearTimeout(kill);
      const m = /RSSKB (\d+) CPU ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
      if (m) stderr = stderr.slice(0, m.index).replace(/Command exited with non-zero status \d+\n$/, '');
      resolve({
        code,
        stdout,
        stderr,
        ms: performance.now() - t0,
        cpuS: m ? Number(m[2]) + Number(m[3]) : 0,
        rssMB: m ? Number(m[1]) / 1024 : 0,
      });
    });
  });
}

const M = ['--model', 'cnn_tiny'];
const T = ['train', ...M, '--limit', '64', '--test-limit', '10', '--batch', '8'];

/** [command line, what the one error line must say]. */
const CASES: [string[], RegExp][] = [
  // top level
  [['frobnicate'], /unknown command 'frobnicate'/],
  [['help', 'frobnicate'], /help: unknown command 'frobnicate'/],
  [[], /usage: slimgpu <command>/],
  // info
  [['info', '--jsno'], /unknown option --jsno/],
  [['info', '--json=yes'], /--json is a switch and takes no value/],
  [['info', 'extra'], /unexpected argument 'extra'/],
  // run: every flag
  [['run'], /--model is required/],
  [['run', '--model'], /option --model needs a value/],
  [['run', '--model', 'resnet9000'], /--model must be one of/],
  [['run', ...M, '--alpha', 'wide'], /--alpha needs a number/],
  [['run', '--model', 'mobilenet_v1', '--alpha', '0.3'], /--alpha must be one of 0.25/],
  [['run', ...M, '--alpha', '-1'], /--alpha needs a value/],
  [['run', ...M, '--alpha=-1'], /--alpha must be a number in \[0.05, 2\]/],
  [['run', ...M, '--res', '3'], /--res must be an integer in \[8, 4096\]/],
  [['run', ...M, '--res', '28.5'], /--res needs an integer/],
  [['run', ...M, '--batch', 'lots'], /--batch needs an integer/],
  [['run', ...M, '--batch', '0'], /--batch must be an integer in \[1, 4096\]/],
  [['run', ...M, '--batch', '5000'], /--batch must be an integer in \[1, 4096\]/],
  [['run', '--model', 'shufflenet', '--groups', '5'], /--groups must be one of 1, 2, 3, 4, 8/],
  [['run', '--model', 'shufflenet', '--groups', '0'], /--groups must be an integer in \[1, 8\]/],
  [['run', '--model', 'shufflenet', '--scale', '100'], /--scale must be a number in/],
  [['run', '--model', 'efficientnet', '--phi', '9'], /--phi must be an integer in \[0, 7\]/],
  [['run', ...M, '--classes', '0'], /--classes must be an integer in \[1, 1000000\]/],
  [['run', ...M, '--classes', '100000000'], /--classes must be an integer in \[1, 1000000\]/],
  [['run', ...M, '--seed', 'x'], /--seed needs an integer/],
  [['run', ...M, '--runs', '0'], /--runs must be an integer in \[1, 10000\]/],
  [['run', ...M, '--profile=1'], /--profile is a switch/],
  [['run', ...M, '--tune', 'fast'], /--tune must be one of measure, cached, off/],
  [['run', ...M, '--precision', 'int4'], /--precision must be one of fp32, int8, binary/],
  [['run', ...M, '--sparsity', '1.5'], /--sparsity must be a number in \[0, 0.99\]/],
  [['run', ...M, '--sparsity', '0.9', '--block', '3x3'], /--block 3x3 is not one of/],
  [['run', ...M, '--sparsity', '0.9', '--block', 'big'], /--block must look like 4x4/],
  [['run', ...M, '--block', '4x4'], /--block sets the block shape of --sparsity/],
  [['run', ...M, '--precision', 'int8', '--sparsity', '0.9', '--block', '1x4'], /--block 1x4 is not offered with int8/],
  [['run', ...M, '--precision', 'binary', '--sparsity', '0.9'], /--sparsity does not combine with --precision binary/],
  [['run', ...M, '--precision', 'int8', '--int8-layers', 'some'], /--int8-layers must be one of measured, all/],
  [['run', ...M, '--int8-layers', 'all'], /--int8-layers chooses the precision of each layer of an int8 model; give --precision int8/],
  [['run', ...M, '--json', 'x'], /unexpected argument 'x'/],
  [['run', ...M, '--res', '4096', '--batch', '4096'], /over the host-memory budget/],
  [['run', '--model', 'mobilenet_v1', '--classes', '1000000', '--batch', '64'], /over the host-memory budget/],
  // run --onnx: bad files, unbound or wrong shapes, zoo flags, unsupported operators, too large
  [['run', '--onnx', f('missing.onnx')], /--onnx .*missing.onnx: no such file/],
  [['run', '--onnx', f('text.onnx')], /--onnx .*text.onnx: not a valid ONNX model/],
  [['run', '--onnx', f('truncated.onnx')], /--onnx .*truncated.onnx: not a valid ONNX model/],
  [['run', '--onnx', f('empty.onnx')], /--onnx .*empty.onnx: the file is empty/],
  [['run', '--onnx', f('tiny.onnx')], /input 'x' \[N,3,H,W\] has a symbolic dimension 2 \('H'\): give its shape with --shape x=1x3xNxN/],
  [
    ['run', '--onnx', f('tiny.onnx'), '--shape', 'y=1x3x8x8'],
    /--shape names 'y', the model has no such input \(its inputs: x \[N,3,H,W\]\)/,
  ],
  [['run', '--onnx', f('tiny.onnx'), '--shape', 'x=1x3'], /--shape x=1x3 has rank 2, input 'x' \[N,3,H,W\] has rank 4/],
  [['run', '--onnx', f('tiny.onnx'), '--shape', 'x=1x3xbigx8'], /--shape 'x=1x3xbigx8' must look like NAME=1x3x224x224/],
  [['run', '--onnx', f('tiny.onnx'), '--shape', 'x=1x4x8x8'], /disagrees with the model's dimension 1 = 3/],
  [['run', '--onnx', f('tiny.onnx'), '--shape', 'x=1x3x8x8', '--shape', 'x=1x3x9x9'], /input 'x' is given twice/],
  [['run', '--onnx', f('tiny.onnx'), '--model', 'cnn_tiny'], /--model is for zoo models/],
  [['run', '--onnx', f('tiny.onnx'), '--batch', '4'], /--batch is for zoo models/],
  [['run', '--shape', 'x=1x3x8x8', ...M], /--shape gives the input shapes of an --onnx FILE/],
  [['run', '--onnx', f('unsupported.onnx')], /2 operators are not supported: FrobnicateA \(opset 13, 2 nodes\), FrobnicateB/],
  [['run', '--onnx', f('huge.onnx')], /graph input 'x': 2700000000 elements in \[1,3,30000,30000\] is over the limit/],
  [['run', '--onnx', f('wide.onnx')], /tensor '.*' \[1,(9000,9000,4|4,9000,9000)\] takes 1\.2 GiB, over the adapter's limit of/],
  // train: every flag
  [['train'], /--model is required/],
  [['train', '--model', 'mobilenet_v1'], /takes 224×224×3 input; Fashion-MNIST is 28×28×1/],
  [[...T, '--batch', '0'], /--batch must be an integer in \[1, 4096\]/],
  [[...T, '--seed', '-1'], /--seed needs a value/],
  [[...T, '--dataset', 'mnist'], /--dataset must be one of fashion-mnist/],
  [[...T, '--data-dir', f('nowhere')], /--data-dir .*: no such folder/],
  [[...T, '--data-dir', f('tiny.ckpt')], /--data-dir .*: is not a folder/],
  [[...T, '--test-limit', '0'], /--test-limit must be an integer in \[1, 10000\]/],
  [[...T, '--epochs', '0'], /--epochs must be an integer in \[1, 10000\]/],
  [[...T, '--limit', '0'], /--limit must be an integer in \[1, 60000\]/],
  [[...T, '--limit', '4'], /--limit 4 is less than one batch of 8/],
  [[...T, '--max-steps', '0'], /--max-steps must be an integer/],
  [[...T, '--optimizer', 'lion'], /--optimizer must be one of sgd, adam, adamw/],
  [[...T, '--lr', 'fast'], /--lr needs a number/],
  [[...T, '--lr', '1e9'], /--lr must be a number in \[0, 10\]/],
  [[...T, '--momentum', '2'], /--momentum must be a number in/],
  [[...T, '--no-nesterov=no'], /--no-nesterov is a switch/],
  [[...T, '--weight-decay', '5'], /--weight-decay must be a number in/],
  [[...T, '--l1', 'x'], /--l1 needs a number/],
  [[...T, '--clip', 'Infinity'], /--clip needs a number/],
  [[...T, '--schedule', 'linear'], /--schedule must be one of constant, step, cosine/],
  [[...T, '--warmup', '1.5'], /--warmup needs an integer/],
  [[...T, '--step-size', '0'], /--step-size must be an integer/],
  [[...T, '--gamma', '3'], /--gamma must be a number in \[0, 1\]/],
  [[...T, '--augment=x'], /--augment is a switch/],
  [[...T, '--eval-every-epoch', 'x'], /unexpected argument 'x'/],
  [[...T, '--kd'], /--kd needs --teacher CKPT/],
  [[...T, '--teacher', f('tiny.ckpt')], /--teacher is only used with --kd/],
  [[...T, '--kd', '--teacher', f('missing.ckpt')], /--teacher .*missing\.ckpt: no such file/],
  [[...T, '--kd', '--teacher', f('garbage.ckpt')], /not a slimgpu checkpoint \(bad magic\)/],
  [[...T, '--kd', '--teacher', f('mobilenet.ckpt')], /--teacher .*: model mobilenet_v1 takes 224×224×3 input/],
  [[...T, '--no-teacher-cache'], /--no-teacher-cache is only used with --kd/],
  [[...T, '--temperature', '0'], /--temperature must be a number in/],
  [[...T, '--alpha', '2'], /--alpha must be a number in \[0, 1\]/],
  [[...T, '--beta', '0.5'], /--beta is only used with --kd/],
  [[...T, '--mutual', '1'], /--mutual must be an integer in \[2, 8\]/],
  [[...T, '--kd', '--teacher', f('tiny.ckpt'), '--mutual', '2'], /--kd and --mutual cannot be combined/],
  [[...T, '--qat', 'int4'], /--qat must be one of none, int8, binary/],
  [[...T, '--binary', '--qat', 'int8'], /--binary and --qat int8 are alternatives/],
  [[...T, '--prune', '1.5'], /--prune must be a number in \[0, 0.99\]/],
  [[...T, '--prune', '0.5', '--prune-epochs', 'soon'], /--prune-epochs must be START:END/],
  [[...T, '--prune', '0.5', '--prune-epochs', '3:1'], /--prune-epochs must be START:END/],
  [[...T, '--prune', '0.5', '--prune-block', '3x3'], /pruning block 3x3 is not one of/],
  [[...T, '--prune-block', '4x4'], /--prune-block needs --prune RATIO/],
  [[...T, '--prune', '0.5', '--prune-filters', 'l3'], /--prune-filters must be one of l1, l2/],
  [[...T, '--prune-flops', '0.5'], /--prune-flops BUDGET needs --prune-filters/],
  [[...T, '--prune', '0.5', '--prune-flops', '0.5', '--prune-filters', 'l1'], /--prune RATIO and --prune-flops BUDGET are alternatives/],
  [[...T, '--prune', '0.5', '--prune-floor', '0.5'], /--prune-floor needs --val N/],
  [[...T, '--val', '0'], /--val must be an integer in/],
  [[...T, '--limit', '59990', '--val', '100'], /--val 100 overlaps the 59990 training images/],
  [[...T, '--out', '/nonexistent/dir/x.ckpt'], /--out \/nonexistent\/dir\/x\.ckpt: folder \/nonexistent\/dir does not exist/],
  [[...T, '--out', '/proc/x.ckpt'], /--out \/proc\/x\.ckpt: not writable/],
  ...(process.getuid?.() === 0 ? [] : [[[...T, '--out', f('ro/x.ckpt')], /--out .*: not writable/] as [string[], RegExp]]),
  [[...T, '--out', f('adir')], /--out .*: is a folder/],
  [[...T, '--checkpoint-every-min', '5'], /--checkpoint-every-min needs --out CKPT/],
  [[...T, '--checkpoint-every-steps', '100'], /--checkpoint-every-steps needs --out CKPT/],
  [[...T, '--out', f('c.ckpt'), '--checkpoint-every-min', '0'], /--checkpoint-every-min must be a number in/],
  [[...T, '--out', f('c.ckpt'), '--checkpoint-every-steps', '0'], /--checkpoint-every-steps must be an integer in/],
  [[...T, '--read-every', '0'], /--read-every must be an integer in/],
  [[...T, '--lr-ref-batch', '0'], /--lr-ref-batch must be an integer in/],
  [[...T, '--resume', f('missing.ckpt')], /--resume .*: no such file/],
  [[...T, '--resume', f('garbage.ckpt')], /not a slimgpu checkpoint/],
  [[...T, '--resume', f('small.ckpt')], /--resume .*small\.ckpt holds a cnn_small, not a cnn_tiny/],
  [[...T, '--resume', f('tiny.ckpt'), '--batch', '16'], /--resume .* was trained with batch 8/],
  [[...T, '--resume', f('classes.ckpt')], /classes 10000000/],
  [[...T, '--init', f('small.ckpt')], /--init .*small\.ckpt holds a cnn_small, not a cnn_tiny/],
  [[...T, '--init', f('tiny.ckpt'), '--resume', f('tiny.ckpt')], /--init and --resume are alternatives/],
  [[...T, '--init', f('nometa.ckpt')], /checkpoint meta must be an object \(got nothing\)/],
  [[...T, '--init', f('tensors.ckpt')], /checkpoint header\.tensors must be an array/],
  [[...T, '--init', f('negshape.ckpt')], /header\.tensors\[0\]\.shape\[0\] must be an integer ≥ 0/],
  [[...T, '--init', f('types.ckpt')], /meta\.peers must be an integer ≥ 1|meta\.batch must be an integer/],
  [[...T, '--init', f('lies.ckpt')], /truncated at tensor 'a'/],
  [[...T, '--init-seed', 'x'], /--init-seed needs an integer/],
  [[...T, '--quiet=1'], /--quiet is a switch/],
  // eval: every flag
  [['eval'], /--ckpt FILE is required/],
  [['eval', '--ckpt', f('missing.ckpt')], /--ckpt .*: no such file/],
  [['eval', '--ckpt', f('adir')], /--ckpt .*: is a folder/],
  [['eval', '--ckpt', f('garbage.ckpt')], /bad magic/],
  [['eval', '--ckpt', f('nometa.ckpt')], /meta must be an object/],
  [['eval', '--ckpt', f('mobilenet.ckpt')], /model mobilenet_v1 takes 224×224×3 input/],
  [['eval', '--ckpt', f('classes.ckpt')], /the model its header names \(cnn_tiny, classes 10000000\) needs/],
  [['eval', '--ckpt', f('nan.ckpt')], /hold NaN or Inf \(fc1\.w\)/],
  [['eval', '--ckpt', f('tiny.ckpt'), '--dataset', 'cifar'], /--dataset must be one of fashion-mnist/],
  [['eval', '--ckpt', f('tiny.ckpt'), '--data-dir', f('nowhere')], /no such folder/],
  [['eval', '--ckpt', f('tiny.ckpt'), '--test-limit', '-5'], /--test-limit needs a value/],
  [['eval', '--ckpt', f('tiny.ckpt'), '--peer', '3'], /--peer: .* holds one model/],
  [['eval', '--ckpt', f('tiny.ckpt'), '--peer', '9'], /--peer must be an integer in \[0, 7\]/],
  [['eval', '--ckpt', f('tiny.ckpt'), '--batch', '0'], /--batch must be an integer/],
  [['eval', '--ckpt', f('tiny.ckpt'), '--precision', 'int4'], /--precision must be one of as-trained, fp32, int8, binary \(got 'int4'\)/],
  [['eval', '--ckpt', f('tiny.ckpt'), '--sparse'], /--sparse: checkpoint .* was not pruned in blocks/],
  [['eval', '--ckpt', f('tiny.ckpt'), '--dense'], /--dense: checkpoint .* was not pruned/],
  [['eval', '--ckpt', f('tiny.ckpt'), '--sparse', '--dense'], /--sparse and --dense are alternatives/],
  [['eval', '--ckpt', f('tiny.ckpt'), '--calib', '0'], /--calib must be an integer in \[1, 60000\]/],
  [['eval', '--ckpt', f('tiny.ckpt'), '--calib', '64'], /--calib and --calib-method calibrate --precision int8/],
  [['eval', '--ckpt', f('tiny.ckpt'), '--calib-method', 'kl'], /--calib-method must be one of percentile, minmax, mse/],
  [['eval', '--ckpt', f('tiny.ckpt'), '--json=1'], /--json is a switch/],
  // quant-debug: every flag
  [['quant-debug'], /give exactly one of --model, --onnx, --ckpt \(got none\)/],
  [['quant-debug', ...M, '--ckpt', f('tiny.ckpt')], /give exactly one of --model, --onnx, --ckpt \(got --model, --ckpt\)/],
  [['quant-debug', '--model', 'resnet9000'], /--model must be one of/],
  [['quant-debug', '--model', 'mobilenet_v1', '--alpha', '0.3'], /--alpha must be one of 0.25/],
  [['quant-debug', ...M, '--res', '3'], /--res must be an integer in \[8, 4096\]/],
  [['quant-debug', '--model', 'shufflenet', '--groups', '5'], /--groups must be one of 1, 2, 3, 4, 8/],
  [['quant-debug', '--model', 'shufflenet', '--scale', '100'], /--scale must be a number in/],
  [['quant-debug', '--model', 'efficientnet', '--phi', '9'], /--phi must be an integer in \[0, 7\]/],
  [['quant-debug', ...M, '--seed', 'x'], /--seed needs an integer/],
  [['quant-debug', ...M, '--keep-fp32', '10001'], /--keep-fp32 must be an integer in \[0, 10000\]/],
  [['quant-debug', ...M, '--bias-correction', 'maybe'], /--bias-correction must be one of on, off/],
  [['quant-debug', ...M, '--equalize', '1.5'], /--equalize must be a number in \[0, 1\]/],
  [['quant-debug', ...M, '--equalize', 'half'], /--equalize needs a number/],
  [['quant-debug', ...M, '--channel-affine', 'yes'], /--channel-affine must be one of on, off/],
  [['quant-debug', ...M, '--channel-affine', 'padded'], /--channel-affine must be one of on, off, unpadded \(got 'padded'\)/],
  [['quant-debug', ...M, '--channel-affine'], /--channel-affine needs a value/],
  [['quant-debug', '--onnx', f('missing.onnx')], /--onnx .*: no such file/],
  [['quant-debug', '--onnx', f('garbage.ckpt')], /ONNX|protobuf|wire/i],
  [['quant-debug', '--ckpt', f('garbage.ckpt')], /bad magic/],
  [['quant-debug', '--ckpt', f('mobilenet.ckpt')], /model mobilenet_v1 takes 224×224×3 input/],
  [['quant-debug', '--ckpt', f('nan.ckpt')], /hold NaN or Inf \(fc1\.w\)/],
  [['quant-debug', '--ckpt', f('tiny.ckpt'), '--alpha', '0.5'], /--alpha shapes a --model zoo model/],
  [['quant-debug', '--ckpt', f('tiny.ckpt'), '--data-dir', f('nowhere')], /--data-dir .*: no such folder/],
  [['quant-debug', ...M, '--data-dir', dir], /--data-dir is for --ckpt/],
  [['quant-debug', ...M, '--calib', '0'], /--calib must be an integer in \[1, 60000\]/],
  [['quant-debug', ...M, '--images', 'many'], /--images needs an integer/],
  [['quant-debug', ...M, '--method', 'kl'], /--method must be one of percentile, minmax, mse/],
  [['quant-debug', ...M, '--channel-scales=1'], /--channel-scales is a switch/],
  [['quant-debug', ...M, '--channel-scales', '--method', 'mse'], /--channel-scales calibrates per channel with --method minmax/],
  [['quant-debug', ...M, '--per-channel=1'], /--per-channel is a switch/],
  [['quant-debug', ...M, '--json', 'x'], /unexpected argument 'x'/],
  // export: every flag
  [['export', '--out', f('x.onnx')], /give exactly one of --model, --onnx, --ckpt \(got none\)/],
  [['export', ...M], /--out FILE is required/],
  [['export', ...M, '--out', f('adir')], /--out .*: is a folder/],
  [['export', ...M, '--out', '/proc/x.onnx'], /--out \/proc\/x\.onnx: not writable/],
  [['export', ...M, '--onnx', f('garbage.ckpt'), '--out', f('x.onnx')], /give exactly one of/],
  [['export', '--onnx', f('missing.onnx'), '--out', f('x.onnx')], /--onnx .*: no such file/],
  [['export', '--ckpt', f('garbage.ckpt'), '--out', f('x.onnx')], /bad magic/],
  [['export', '--ckpt', f('nan.ckpt'), '--out', f('x.onnx')], /hold NaN or Inf/],
  [['export', '--ckpt', f('tiny.ckpt'), '--res', '32', '--out', f('x.onnx')], /--res shapes a --model zoo model/],
  [['export', '--ckpt', f('tiny.ckpt'), '--data-dir', f('nowhere'), '--out', f('x.onnx')], /no such folder/],
  [['export', ...M, '--data-dir', dir, '--out', f('x.onnx')], /--data-dir is for --ckpt/],
  [['export', '--model', 'mobilenet_v1', '--alpha', '0.3', '--out', f('x.onnx')], /--alpha must be one of 0.25/],
  [['export', '--model', 'shufflenet', '--groups', '5', '--out', f('x.onnx')], /--groups must be one of/],
  [['export', '--model', 'shufflenet', '--scale', '9', '--out', f('x.onnx')], /--scale must be a number in/],
  [['export', '--model', 'efficientnet', '--phi', '9', '--out', f('x.onnx')], /--phi must be an integer in \[0, 7\]/],
  [['export', ...M, '--seed', 'x', '--out', f('x.onnx')], /--seed needs an integer/],
  [['export', ...M, '--precision', 'binary', '--out', f('x.onnx')], /--precision must be one of fp32, int8/],
  [['export', ...M, '--sparsity', '2', '--out', f('x.onnx')], /--sparsity must be a number in \[0, 0.99\]/],
  [['export', ...M, '--block', '4x4', '--out', f('x.onnx')], /--block sets the block shape of --sparsity/],
  [['export', ...M, '--sparsity', '0.5', '--block', '3x3', '--out', f('x.onnx')], /--block 3x3 is not one of/],
  [
    ['export', ...M, '--precision', 'int8', '--sparsity', '0.5', '--block', '1x8', '--out', f('x.onnx')],
    /--block 1x8 is not offered with int8/,
  ],
  [['export', ...M, '--sparsity', '0.5', '--block', 'big', '--out', f('x.onnx')], /--block must look like 4x4/],
  [['export', ...M, '--filters', '1', '--out', f('x.onnx')], /--filters must be a number in \[0, 0.95\]/],
  [['export', ...M, '--calib', '8', '--out', f('x.onnx')], /--calib calibrates --precision int8/],
  [['export', ...M, '--calib', '0', '--precision', 'int8', '--out', f('x.onnx')], /--calib must be an integer in \[1, 60000\]/],
  [['export', ...M, '--json=1', '--out', f('x.onnx')], /--json is a switch/],
  // onnx-test
  [['onnx-test'], /onnx-test needs at least one DIR/],
  [['onnx-test', f('nowhere')], /is not a directory/],
  [['onnx-test', f('adir')], /has no model\.onnx and no case folders/],
  [['onnx-test', f('adir'), '--atol', 'tiny'], /--atol needs a number/],
  [['onnx-test', f('adir'), '--rtol=-1'], /--rtol must be a number in \[0, ∞\]/],
  [['onnx-test', f('adir'), '--allow-fail=1'], /--allow-fail is a switch/],
  [['onnx-test', f('adir'), '--deep=1'], /--deep is a switch/],
  [['scale'], /--family is required/],
  [['scale', '--family', 'resnet'], /--family must be one of/],
  [['scale', '--family', 'mobilenet_v1,shufflenet'], /a comma list only with --validate/],
  [['scale', '--family', 'mobilenet_v1', '--budget-ms', 'soon'], /--budget-ms needs a number/],
  [['scale', '--family', 'mobilenet_v1', '--precision', 'fp16'], /--precision must be one of/],
  [['scale', '--family', 'mobilenet_v1', '--res-scale', '2'], /--res-scale must be a number in/],
  [['scale', '--family', 'mobilenet_v1', '--hold-every', '1'], /--hold-every must be an integer in/],
  [['scale', '--family', 'mobilenet_v1', '--tune', 'fast'], /--tune must be one of/],
  // bench (the checkout's bundle)
  [['bench'], /bench needs --suite core or --model NAME/],
  [['bench', '--suite', 'everything'], /unknown suite 'everything'/],
  [['bench', '--suite', 'core', '--model', 'cnn_tiny'], /--suite core and --model NAME are alternatives/],
  [['bench', ...M, '--peers', 'tvm'], /unknown peer 'tvm'/],
  [['bench', ...M, '--runs', '0'], /--runs must be an integer/],
  [['bench', ...M, '--warmup', 'x'], /--warmup needs an integer/],
  [['bench', ...M, '--where', 'cloud'], /--where must be one of node, browser/],
  [['bench', ...M, '--tune', 'x'], /--tune must be one of/],
  [['bench', ...M, '--out', '/nonexistent/dir/b.json'], /folder \/nonexistent\/dir does not exist/],
  [['bench', ...M, '--screenshot', f('s.png')], /--screenshot .* needs --where browser/],
  [['bench', ...M, '--micro=1'], /--micro is a switch/],
  [['bench', '--model', 'cnn_tiny', '--res', '4096', '--batch', '4096'], /over the host-memory budget/],
  [['bench', '--suite', 'compressed', '--layers', 'nothing_matches'], /--layers: 'nothing_matches' matches nothing/],
  [['bench', '--suite', 'compressed', '--variants', 'int4'], /--variants: 'int4' matches nothing/],
  [['bench', '--suite', 'compressed', '--runs', '0'], /--runs must be an integer in \[1, 100\]/],
  [['bench', '--suite', 'compressed', '--pin', 'pointwise_quad4x8'], /--pin: 'pointwise_quad4x8' matches nothing \(known: xnor_…/],
  [['bench', '--suite', 'compressed', '--pin', ','], /--pin needs at least one name/],
  [['bench', '--suite', 'compressed', '--model', 'cnn_tiny'], /unknown option --model/],
  [['bench', '--suite', 'train', '--models', 'resnet'], /--models: 'resnet' matches nothing/],
  [['bench', '--suite', 'train', '--steps', '0'], /--steps must be an integer/],
  [['bench', '--suite', 'train-batch', '--batches', '0,64'], /--batches needs a comma list of batch sizes in \[1, 4096\] \(got '0,64'\)/],
  [['bench', '--suite', 'train-batch', '--batches', '64,x'], /--batches needs a comma list of batch sizes/],
  [['bench', '--suite', 'int8_agreement', '--method', 'kl'], /--method must be one of/],
  [['bench', '--suite', 'int8_agreement', '--images', '0'], /--images must be an integer/],
  [['bench', '--suite', 'int8_agreement', '--equalize', '2'], /--equalize must be a number in \[0, 1\]/],
  [['bench', '--suite', 'int8_agreement', '--channel-affine', 'maybe'], /--channel-affine must be one of on, off/],
  [['bench', '--suite', 'dawn', '--variants', 'turbo'], /--variants: 'turbo' matches nothing/],
  [['bench', '--suite', 'dawn', '--rounds', '0'], /--rounds must be an integer/],
  [['bench', '--suite', 'dawn', '--train-batch=-1'], /--train-batch must be an integer/],
];

/** Known harmless lines on stderr (see WEBGPU-ON-CPU.md). */
const NOISE = /^error: XDG_RUNTIME_DIR is invalid or not set$/;

async function pool<T, R>(items: T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

describe('CLI errors: one line, exit 1 or 2, no stack, before any work', () => {
  let results: Result[] = [];
  beforeAll(async () => {
    results = await pool(CASES, CONCURRENCY, ([args]) => cli(args));
    // on a busy machine a case can wait for a CPU: run the slow ones again, one at a time
    for (let i = 0; i < CASES.length; i++) if (results[i].ms >= WALL_MS) results[i] = await cli(CASES[i][0]);
  }, 600_000);

  it.each(CASES.map((c, i) => [c[0].join(' ') || '(no arguments)', i] as const))('%s', (_name, i) => {
    const [, re] = CASES[i];
    const r = results[i];
    const lines = r.stderr.split('\n').filter((l) => l.trim() && !NOISE.test(l));
    const what = `stderr:\n${r.stderr}`;
    if (CASES[i][0].length === 0) {
      // no command: the usage on stderr, exit 2
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
      return;
    }
    expect(lines.length, what).toBe(1);
    expect(lines[0], what).toMatch(/^slimgpu: /);
    expect(lines[0], what).toMatch(re);
    expect(lines[0]).not.toMatch(/internal error|TypeError|RangeError|\bat .*:\d+:\d+/);
    expect([1, 2], what).toContain(r.code);
    expect(r.ms, what).toBeLessThan(WALL_MS);
    if (TIME) {
      expect(r.cpuS, what).toBeLessThan(CASE_MS / 1000);
      expect(r.rssMB, what).toBeLessThan(RSS_LIMIT_MB);
    }
  });

  it('stays within its time and memory overall', () => {
    const slowest = Math.max(...results.map((r) => r.ms));
    const fattest = Math.max(...results.map((r) => r.rssMB));
    const worst = results.indexOf(results.find((r) => r.ms === slowest)!);
    const cpu = Math.max(...results.map((r) => r.cpuS));
    console.log(
      `cli errors: ${CASES.length} cases, slowest ${slowest.toFixed(0)} ms (${CASES[worst][0].join(' ')}), most CPU ${cpu.toFixed(2)} s, peak RSS ${fattest.toFixed(0)} MB`,
    );
    expect(results.length).toBe(CASES.length);
  });
});

describe('CLI help and version', () => {
  it.each(['info', 'run', 'train', 'eval', 'onnx-test', 'scale', 'quant-debug', 'export'])(
    '%s --help and help COMMAND: usage, every flag with a description, an example',
    async (cmd) => {
      const [a, b, c] = await Promise.all([cli([cmd, '--help']), cli(['help', cmd]), cli([cmd, '-h', '--no-such-flag'])]);
      for (const r of [a, b, c]) {
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`^slimgpu ${cmd}: `));
        expect(r.stdout).toMatch(new RegExp(`usage: slimgpu ${cmd} `));
        expect(r.stdout).toMatch(/\nexamples?:\n {2}slimgpu /);
        const lines = r.stdout.split('\n');
        lines.forEach((line, k) => {
          // a flag row: the flag, then its description on the same line or (long flags) indented on the next
          if (/^ {2}--/.test(line)) expect(line.trim().split(/\s{2,}/).length >= 2 || /^ {4,}\S/.test(lines[k + 1]), line).toBe(true);
        });
      }
      expect(b.stdout).toBe(a.stdout);
    },
  );
  it('bench --help lists its options and the suites; a suite has its own', async () => {
    const [a, b] = await Promise.all([cli(['bench', '--help']), cli(['bench', '--suite', 'compressed', '--help'])]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/--peers A,B/);
    expect(a.stdout).toMatch(/compressed +int8/);
    expect(b.stdout).toMatch(/--layers A,B +layers whose name contains/);
  });
  it('--version prints the package version; no Vulkan-loader noise on stderr', async () => {
    const v = await cli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const info = await cli(['info']);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stderr).not.toMatch(/vkCreateInstance|VulkanError\.cpp/);
  });
});
