// The flag table of the peer benchmark (`slimgpu bench --suite core | --model NAME …`), apart from bench_peers.ts so
// that `bench --help` loads none of the peers' packages.

import { MODEL_FLAGS } from '../../src/cli/checks.js';
import { TUNE_FLAG } from '../../src/cli/commands/run.js';
import type { CommandSpec } from '../../src/cli/flags.js';
import { ONNX_FLAGS } from '../../src/cli/onnx_file.js';

export const PEERS = ['tfjs', 'ort', 'ort-wasm'] as const;

export const BENCH_PEERS: CommandSpec = {
  name: 'bench',
  summary: 'our latency next to TensorFlow.js and onnxruntime-web on the same adapter, in the same run (source checkout only)',
  flags: {
    ...MODEL_FLAGS,
    model: { ...MODEL_FLAGS.model, required: false, help: 'one zoo model (or --suite core: the core models)' },
    ...ONNX_FLAGS,
    onnx: { ...ONNX_FLAGS.onnx, help: 'your own ONNX model: slimgpu vs ORT-web WebGPU and WASM in one headless Chromium page' },
    suite: { type: 'string', arg: 'NAME', help: 'core, or a kernel suite (see below)' },
    peers: { type: 'string', arg: 'A,B', help: `peers to compare with, of ${PEERS.join(', ')} (default tfjs)` },
    runs: { type: 'int', min: 1, max: 1000, default: 5, help: 'timed rounds (the median is reported)' },
    warmup: { type: 'int', min: 0, max: 1000, default: 1, help: 'untimed runs after the cold start' },
    where: {
      type: 'string',
      choices: ['node', 'browser'],
      help: 'this process (Dawn; peers: tfjs) or headless Chromium (peers: tfjs, ort, ort-wasm; the default with ort)',
    },
    tune: TUNE_FLAG,
    profile: { type: 'boolean', help: 'per-layer GPU time, GFLOP/s and GB/s' },
    micro: { type: 'boolean', help: "measure the adapter's f32 / int8 / bandwidth ceilings first" },
    out: { type: 'string', arg: 'FILE', file: 'out', help: 'also write the JSON document here' },
    screenshot: { type: 'string', arg: 'PNG', file: 'out', help: '--where browser: a screenshot of the bench page' },
    json: { type: 'boolean', help: 'print the JSON document' },
  },
  examples: [
    'slimgpu bench --suite core',
    'slimgpu bench --model mobilenet_v1 --alpha 0.5 --peers tfjs,ort --where browser',
    'slimgpu bench --onnx model.onnx --shape input=1x3x224x224 --peers ort,ort-wasm --profile --json',
  ],
};
