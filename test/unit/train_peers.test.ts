// The training benchmark's peer trains the same network as we do: from our initial weights, tfjs's loss on the
// first batch matches ours, and the suite reports positive throughputs for both (cnn_tiny, batch 8, 2 steps).
import { describe, expect, it } from 'vitest';
import { benchTrainPeers } from '../../bench/train_peers.js';
import { runtime } from '../helpers.js';

describe('bench --suite train (ours vs tfjs-webgpu training)', () => {
  it('cnn_tiny, batch 8: both train, same first loss', async () => {
    const rt = await runtime();
    const [row] = await benchTrainPeers(rt, { models: ['cnn_tiny'], batch: 8, steps: 2, warmup: 1, rounds: 1 });
    expect(row.model).toBe('cnn_tiny');
    expect(row.ours_images_per_s).toBeGreaterThan(0);
    expect(row.tfjs_images_per_s).toBeGreaterThan(0);
    // four significant digits each: the stored ratio agrees with the stored rates to rounding (relative 2e-3)
    expect(Math.abs(row.ratio / (row.ours_images_per_s / row.tfjs_images_per_s) - 1)).toBeLessThan(2e-3);
    expect(Number.isFinite(row.first_loss_ours)).toBe(true);
    expect(Math.abs(row.first_loss_tfjs - row.first_loss_ours)).toBeLessThan(1e-3 * Math.max(1, row.first_loss_ours));
  }, 180_000);
});
