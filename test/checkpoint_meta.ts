// A complete checkpoint header for tests: a plain cnn_tiny run (batch 8, 48 examples, 2 epochs, at step 6 of epoch 1),
// patched per test with the fields it is about.
import type { CheckpointMeta } from '../src/train/checkpoint_codec.js';
import { DEFAULT_OPTIM } from '../src/train/optim.js';

export const checkpointMeta = (patch: Partial<CheckpointMeta> = {}): CheckpointMeta => ({
  format: 'slimgpu-checkpoint',
  mode: 'plain',
  model: { model: 'cnn_tiny' },
  peers: 1,
  seed: 3,
  initSeed: 3,
  batch: 8,
  train_examples: 48,
  opt: { ...DEFAULT_OPTIM },
  augment: { cropPad: 0, flip: false },
  epochs: 2,
  qat: 'none',
  prune: null,
  teacher_cache: false,
  prune_state: null,
  step: 6,
  epoch: 1,
  ...patch,
});
