// slimgpu eval --ckpt FILE --dataset fashion-mnist [--peer K] [--test-limit N] [--batch B] [--json]
// Test accuracy of a checkpoint written by `slimgpu train --out` (inference form: batch-norm folded).

import { limitSplit, loadSplit } from '../../io/fashion_mnist.js';
import { SlimError } from '../../runtime/errors.js';
import { Runtime } from '../../runtime/runtime.js';
import { loadCheckpoint } from '../../train/checkpoint.js';
import { checkpointWeights, evaluate } from '../../train/loop.js';
import type { ModelSpec } from '../../models/zoo.js';
import { buildModel } from '../../models/zoo.js';
import type { Qat } from '../../train/autodiff.js';
import { parseArgs, positiveInt } from '../args.js';
import { checkDataset, DATA_FLAGS } from './train.js';

export async function evalCommand(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, { ...DATA_FLAGS, ckpt: 'string', peer: 'int', batch: 'int', json: 'boolean' });
  if (positional.length) throw new SlimError(`unexpected argument '${positional[0]}'`);
  if (typeof flags.ckpt !== 'string') throw new SlimError('--ckpt FILE is required');
  const dir = checkDataset(flags);
  const ck = loadCheckpoint(flags.ckpt);
  const spec = ck.meta.model as ModelSpec;
  const peer = (flags.peer as number | undefined) ?? 0;
  const weights = checkpointWeights(ck, peer);
  const test = limitSplit(loadSplit(dir, 't10k'), flags['test-limit'] as number | undefined);
  const rt = await Runtime.create();
  try {
    const t0 = performance.now();
    const acc = await evaluate(rt, spec, weights, test, positiveInt(flags, 'batch', 100, 4096), (ck.meta.qat as Qat | undefined) ?? 'none');
    const s = (performance.now() - t0) / 1000;
    const out = {
      ckpt: flags.ckpt, model: spec.model, mode: ck.meta.mode, qat: ck.meta.qat ?? 'none', peer, step: ck.meta.step, test_examples: test.n, test_accuracy: acc,
      params: buildModel({ ...spec, batch: 1 }).paramCount(), images_per_s: Number((test.n / s).toFixed(1)),
    };
    if (flags.json) console.log(JSON.stringify(out, null, 2));
    else console.log(`${spec.model} test_accuracy ${acc.toFixed(4)} on ${test.n} images`);
  } finally {
    rt.destroy();
  }
  return 0;
}
