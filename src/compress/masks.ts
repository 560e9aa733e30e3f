// Pruning masks (0/1 per weight) and the schedule that sets their sparsity epoch by epoch, for pruning during
// training (src/train/pruning.ts applies them to a step graph's mask tensors; the step graph multiplies each pruned
// parameter by its mask).
//
//   weights   the ⌊S·n⌋ smallest-magnitude weights of a tensor (magnitudeMask), or with a block shape the smallest
//             blocks of the weight matrix Wm[co, k] by L2 norm (sparse.ts blockMask), so the trained model runs
//             on conv2d_bsr as it is; layers the block does not fit use single weights.
//   filters   whole output channels, as prune.ts's structured plan chooses them from the filters' L1/L2 norms (Li et
//             al. 2016): the conv's weights and bias, or its batch-norm's γ/β (filterMask), so the model thins
//             (applyFilterPruning) and computes the same.
//
// Schedule (Zhu & Gupta 2017): at the end of epochs start..end (1-based) the masks are recomputed to sparsity
// S·(1 − (1 − t)³), t the fraction of pruning epochs done; later epochs fine-tune with the masks fixed.

import type { Graph } from '../graph/ir.js';
import { checkBlockShape, type BlockShape } from '../ops/block_sparse.js';
import { check, SlimError } from '../runtime/errors.js';
import { applyFilterPruning, planFilterPruning, type FilterNorm, type FilterPrunePlan } from './prune.js';

/**
 * Pruning during training. `sparsity` S: the fraction of weights (or blocks) zeroed, or with `filters` the fraction
 * of output channels removed from every prunable channel space. `flops` (filters): instead of S, the smallest ratio
 * whose thinned model keeps ≤ flops × the MACs. `floor`: at the end of every epoch from `start` until one epoch after
 * `end`, the validation accuracy of the current masks is checked; below the floor, the previous masks are restored
 * and pruning stops there.
 */
export interface PruneOptions {
  sparsity: number;
  start: number;
  end: number;
  block?: BlockShape;
  filters?: FilterNorm;
  flops?: number;
  floor?: number;
}

/** Throws a SlimError naming the first inconsistent pruning option. */
export function checkPruneOptions(p: PruneOptions): void {
  const { sparsity, start, end } = p;
  check(sparsity >= 0 && sparsity < 1, `pruning sparsity must be in [0, 1) (got ${sparsity})`);
  check(
    Number.isInteger(start) && Number.isInteger(end) && start >= 1 && end >= start,
    `pruning epochs must be 1 ≤ start ≤ end (got ${start}:${end})`,
  );
  if (p.block) checkBlockShape(p.block, 'pruning block');
  check(!p.block || !p.filters, 'pruning removes either blocks of weights or whole filters, not both');
  check(!p.filters || ['l1', 'l2'].includes(p.filters), `filter pruning norm must be l1 or l2 (got ${p.filters})`);
  check(
    p.flops === undefined || (!!p.filters && p.flops > 0 && p.flops <= 1),
    `a FLOP budget (fraction of the MACs kept, in (0, 1]) needs filter pruning (got ${p.flops})`,
  );
}

/** The sparsity the masks take at the end of `epoch` (1-based), or null outside the pruning epochs. */
export function pruneSchedule(p: { sparsity: number; start: number; end: number }, epoch: number): number | null {
  if (epoch < p.start || epoch > p.end) return null;
  const t = (epoch - p.start + 1) / (p.end - p.start + 1);
  return p.sparsity * (1 - Math.pow(1 - t, 3));
}

/** Mask keeping all but the floor(sparsity·n) smallest-magnitude weights (ties broken by index). */
export function magnitudeMask(w: Float32Array, sparsity: number): Float32Array {
  const n = w.length;
  const k = Math.min(n, Math.floor(sparsity * n));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => Math.abs(w[a]) - Math.abs(w[b]) || a - b);
  const mask = new Float32Array(n).fill(1);
  for (let i = 0; i < k; i++) mask[order[i]] = 0;
  return mask;
}

/**
 * The mask of parameter `name` (a pruneTargets('filters') parameter) for a filter-pruning plan: 1 on the kept output
 * channels of its conv (weights, bias) or of its batch-norm's channels (γ, β), 0 on the removed ones.
 */
export function filterMask(model: Graph, plan: FilterPrunePlan, name: string): Float32Array {
  const t = model.tensors.find((x) => x.name === name && x.role === 'param');
  check(!!t, `filter pruning: no parameter '${name}'`);
  const n = model.nodes.find((x) => x.inputs.includes(t!.id))!;
  const channels = n.op === 'conv2d' ? n.outputs[0] : n.inputs[0];
  const c = model.shape(channels).at(-1)!;
  const kept = new Set(plan.keep.get(channels) ?? Array.from({ length: c }, (_, i) => i));
  return Float32Array.from({ length: t!.data!.length }, (_, i) => (kept.has(i % c) ? 1 : 0));
}

/** The smallest filter-pruning ratio (in steps of 0.01) whose thinned model keeps at most `budget` × the MACs. */
export function filterRatioForFlops(model: Graph, budget: number): number {
  const full = model.macs();
  for (let r = 0; r < 0.995; r += 0.01) {
    const ratio = Math.round(r * 100) / 100;
    if (applyFilterPruning(model, planFilterPruning(model, { ratio })).macs() <= budget * full) return ratio;
  }
  throw new SlimError(
    `filter pruning cannot bring the model to ${budget} of its MACs (the largest ratio keeps ${(applyFilterPruning(model, planFilterPruning(model, { ratio: 0.99 })).macs() / full).toFixed(3)})`,
  );
}

/** Fraction of zeros in the named tensors of `weights` (0 when there are none). */
export function zeroFraction(weights: Map<string, Float32Array>, names: Iterable<string>): number {
  let zeros = 0,
    total = 0;
  for (const name of names) {
    const w = weights.get(name)!;
    total += w.length;
    for (const v of w) if (v === 0) zeros++;
  }
  return total ? zeros / total : 0;
}
