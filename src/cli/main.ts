// slimgpu command line. Each command is a module under src/cli/commands/ returning an exit status; errors that
// slimgpu raises on purpose (SlimError) print as one line and exit 1, usage errors exit 2.
// `bench` is not here: the benchmarks and their peers (tfjs, onnxruntime-web, Chromium) live in the checkout's
// bench/, which the npm package does not ship; ./bin/slimgpu runs bench/cli/main.ts for it (see bin/slimgpu).

import { SlimError } from '../runtime/errors.js';
import { exitWith } from './args.js';
import { info } from './commands/info.js';
import { run } from './commands/run.js';
import { trainCommand } from './commands/train.js';
import { evalCommand } from './commands/eval.js';

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, { run: Command; help: string }> = {
  info: { run: info, help: 'adapter, features and limits (--json)' },
  run: { run, help: 'build, compile and time a zoo model (--model NAME ... --json)' },
  'onnx-test': { run: async (a) => (await import('./commands/onnx_test.js')).onnxTest(a), help: 'run ONNX backend-test folders: DIR... [--allow-fail] [--deep] [--atol X] [--rtol X] [--json]' },
  bench: {
    run: async () => {
      throw new SlimError("'bench' runs from a source checkout (./bin/slimgpu bench …): the benchmarks in bench/ are not in the npm package");
    },
    help: 'ours vs TensorFlow.js / onnxruntime-web (--suite core | --model NAME --peers tfjs,ort); --suite compressed | train | int8_agreement (source checkout only)',
  },
  train: { run: trainCommand, help: 'train on the GPU (--model NAME --dataset fashion-mnist --epochs N [--kd|--mutual K] [--qat int8|binary] [--prune R [--prune-block RxC | --prune-filters l1|l2]] [--init CKPT] --json)' },
  scale: { run: async (a) => (await import('./commands/scale.js')).scaleCommand(a), help: 'accuracy–latency Pareto front of a family on this adapter (--family F [--budget-ms 20] [--precision P] [--validate] --json)' },
  eval: { run: evalCommand, help: 'test accuracy of a checkpoint on the kernels it exports to (--ckpt FILE [--precision as-trained|fp32|int8|binary] [--sparse|--dense] --json)' },
};

function usage(): string {
  return ['usage: slimgpu <command> [options]', '', ...Object.entries(commands).map(([k, c]) => `  ${k.padEnd(10)} ${c.help}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`slimgpu: unknown command '${name}' (known: ${Object.keys(commands).join(', ')})`);
    return 2;
  }
  return cmd.run(rest);
}

exitWith(main(process.argv.slice(2)));
