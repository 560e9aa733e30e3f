// slimgpu command line. Each command is a module under src/cli/commands/ with a flag table (its CommandSpec: flags,
// help, examples) and a function returning an exit status; errors that slimgpu raises on purpose (SlimError) print
// as one line and exit 1, usage errors exit 2. `slimgpu help COMMAND` and `slimgpu COMMAND --help` print the table.
// `bench` is not here: the benchmarks and their peers (tfjs, onnxruntime-web, Chromium) live in the checkout's
// bench/, which the npm package does not ship; ./bin/slimgpu runs bench/cli/main.ts for it (see bin/slimgpu).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SlimError } from '../runtime/errors.js';
import { exitWith } from './args.js';
import { helpText, UsageError, type CommandSpec } from './flags.js';
import { info, INFO } from './commands/info.js';
import { run, RUN } from './commands/run.js';
import { trainCommand, TRAIN } from './commands/train.js';
import { evalCommand, EVAL } from './commands/eval.js';

/** slimgpu's version: the package.json above this module (dist/cli.mjs in the package, src/cli/ in a checkout). */
function version(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)), k = 0; k < 4; d = dirname(d), k++) {
    const f = join(d, 'package.json');
    if (!existsSync(f)) continue;
    const pkg = JSON.parse(readFileSync(f, 'utf8'));
    if (pkg.name === 'slimgpu') return String(pkg.version);
  }
  return 'unknown';
}

type Command = (argv: string[]) => Promise<number>;

const BENCH_OUTSIDE_CHECKOUT =
  "'bench' runs from a source checkout (./bin/slimgpu bench …): the benchmarks in bench/ are not in the npm package";

/** The commands: name → its table (for help) and its function. onnx-test loads its modules only when used. */
const commands: Record<string, { spec: () => Promise<CommandSpec>; run: Command; summary: string }> = {
  info: { spec: async () => INFO, run: info, summary: INFO.summary },
  run: { spec: async () => RUN, run, summary: RUN.summary },
  train: { spec: async () => TRAIN, run: trainCommand, summary: TRAIN.summary },
  eval: { spec: async () => EVAL, run: evalCommand, summary: EVAL.summary },
  scale: {
    spec: async () => (await import('./commands/scale.js')).SCALE,
    run: async (a) => (await import('./commands/scale.js')).scaleCommand(a),
    summary: 'accuracy–latency Pareto front of a model family on this adapter, and the latency predictor',
  },
  'quant-debug': {
    spec: async () => (await import('./commands/quant_debug.js')).QUANT_DEBUG,
    run: async (a) => (await import('./commands/quant_debug.js')).quantDebugCommand(a),
    summary: 'per-layer int8 error (SQNR, cosine, clipping, weight error) of a model: where int8 loses the signal',
  },
  export: {
    spec: async () => (await import('./commands/export.js')).EXPORT,
    run: async (a) => (await import('./commands/export.js')).exportCommand(a),
    summary: 'write a model (fp32, int8 as QDQ, block-sparse or filter-pruned as dense) as an ONNX file',
  },
  'onnx-test': {
    spec: async () => (await import('./commands/onnx_test.js')).ONNX_TEST,
    run: async (a) => (await import('./commands/onnx_test.js')).onnxTest(a),
    summary: 'run ONNX backend-test folders (model.onnx + test_data_set_*) and print pass/fail per case',
  },
  bench: {
    spec: async () => {
      throw new SlimError(BENCH_OUTSIDE_CHECKOUT);
    },
    run: async () => {
      throw new SlimError(BENCH_OUTSIDE_CHECKOUT);
    },
    summary: 'ours vs TensorFlow.js / onnxruntime-web, and kernel suites (source checkout only: ./bin/slimgpu bench --help)',
  },
};

function usage(): string {
  return [
    `slimgpu ${version()}: WebGPU compute runtime for compressed CNNs`,
    '',
    'usage: slimgpu <command> [options]',
    '',
    'commands:',
    ...Object.entries(commands).map(([k, c]) => `  ${k.padEnd(10)} ${c.summary}`),
    `  ${'help'.padEnd(10)} help COMMAND: a command's options, defaults and examples (also: slimgpu COMMAND --help)`,
    '',
    'options: --version, --help',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    console.log(version());
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    (name ? console.log : console.error)(usage());
    return name ? 0 : 2;
  }
  if (name === 'help') {
    const cmd = commands[rest[0]];
    if (!cmd) throw new UsageError(`help: unknown command '${rest[0]}' (known: ${Object.keys(commands).join(', ')})`);
    console.log(helpText(await cmd.spec()));
    return 0;
  }
  const cmd = commands[name];
  if (!cmd) throw new UsageError(`unknown command '${name}' (known: ${Object.keys(commands).join(', ')}; see slimgpu --help)`);
  return cmd.run(rest);
}

exitWith(main(process.argv.slice(2)));
