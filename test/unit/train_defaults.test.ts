// Training defaults (issue 12): a fresh small CNN's first loss is ≈ ln 10 (its classifier starts near zero, not as a
// confident wrong guess), and the default optimizer warms up.

import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_DIR, limitSplit, loadSplit, NO_AUGMENT } from '../../src/io/fashion_mnist.js';
import { DEFAULT_OPTIM, lrAt } from '../../src/train/optim.js';
import { runtime } from '../helpers.js';

describe('training defaults', () => {
  it('the default optimizer config warms up', () => {
    expect(DEFAULT_OPTIM.warmupSteps).toBeGreaterThan(0);
    expect(lrAt(DEFAULT_OPTIM, 0)).toBeLessThan(DEFAULT_OPTIM.lr / 2);
  });
  for (const model of ['cnn_small', 'cnn_tiny'])
    it(`a fresh ${model}'s first loss is within 0.1 of ln 10`, async () => {
      const rt = await runtime();
      const { train } = await import('../../src/train/loop.js');
      const r = await train(rt, {
        model: { model },
        mode: 'plain',
        epochs: 1,
        batch: 32,
        seed: 1,
        opt: { ...DEFAULT_OPTIM },
        augment: NO_AUGMENT,
        maxSteps: 1,
        train: limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 64),
        test: limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 8),
      });
      expect(Math.abs(r.stepLosses[0][0] - Math.log(10))).toBeLessThan(0.1);
    });
});
