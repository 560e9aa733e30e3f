// Pruning during training: the state of one run's pruning (the ratio its masks hold, where an accuracy floor stopped
// it, the last masks above the floor) and what happens at the end of each epoch: judge the current masks against
// the floor, then recompute the masks to the schedule's next sparsity (src/compress/masks.ts).
//
// The masks live on the GPU as state tensors of the compiled step graph (CompiledStep); the step graph multiplies
// each pruned parameter by its mask, so a zeroed weight stays zero while the others fine-tune. Filter masks are
// planned on the current (masked) weights: a removed filter has norm 0 and stays removed.

import { filterMask, filterRatioForFlops, magnitudeMask, pruneSchedule, type PruneOptions } from '../compress/masks.js';
import { applyFilterPruning, planFilterPruning } from '../compress/prune.js';
import { blockMask } from '../compress/sparse.js';
import type { Split } from '../io/fashion_mnist.js';
import { buildModel, type ModelSpec } from '../models/zoo.js';
import { blockShapeFits } from '../ops/block_sparse.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Qat } from './autodiff.js';
import { applyWeights, type PruneState } from './checkpoint.js';
import { evaluate } from './scoring.js';
import type { CompiledStep } from './step_graph.js';

/** What pruning did: the ratio reached (weights or blocks zeroed, or filters removed), and where a floor stopped it. */
export interface PruneReport {
  kind: 'weights' | 'filters';
  ratio: number;
  stopped: PruneState['stopped'];
  val_accuracy: number[];
  macs?: number;
  macs_before?: number;
}

/** The options with a FLOP budget resolved: `sparsity` set to the smallest filter ratio that meets it. */
export function withFlopBudget(p: PruneOptions, spec: ModelSpec): PruneOptions {
  return p.flops === undefined ? { ...p } : { ...p, sparsity: filterRatioForFlops(buildModel({ ...spec, batch: 1 }), p.flops) };
}

/** What the pruning floor needs to score the masks: the model trained, as trained, on validation images. */
export interface PruneJudge {
  rt: Runtime;
  spec: ModelSpec;
  qat: Qat;
  val?: Split;
}

export class Pruning {
  /** The sparsity (or filter ratio) the masks hold now. */
  private ratio = 0;
  private stopped: PruneState['stopped'] = null;
  private readonly valAccuracy: number[] = [];
  /** The last masks the floor accepted (per model), and their ratio. */
  private lastGood: { masks: Map<string, Float32Array>[]; ratio: number } | null = null;

  /** `p` with any FLOP budget already resolved (withFlopBudget). */
  constructor(
    readonly p: PruneOptions,
    private readonly run: CompiledStep,
    private readonly judge: PruneJudge,
  ) {}

  get state(): PruneState {
    return { ratio: this.ratio, stopped: this.stopped };
  }

  /** Continue from a checkpoint's pruning state (the masks themselves are among its tensors). */
  restore(s: PruneState): void {
    [this.ratio, this.stopped] = [s.ratio, s.stopped];
  }

  /** End of epoch `epoch` (1-based): judge the current masks against the floor, then prune further (or stop). */
  async endOfEpoch(epoch: number): Promise<void> {
    const p = this.p;
    if (this.stopped || epoch < p.start || epoch > p.end + 1) return;
    if (p.floor !== undefined) {
      const acc = await evaluate(this.judge.rt, this.judge.spec, await this.run.weights(0), this.judge.val!, 100, this.judge.qat);
      this.valAccuracy.push(acc);
      if (acc < p.floor) {
        this.restoreLastGood();
        this.stopped = { epoch, val_accuracy: acc };
        return;
      }
      this.lastGood = { masks: await Promise.all(this.run.models.map((_, k) => this.run.masks(k))), ratio: this.ratio };
    }
    const target = pruneSchedule(p, epoch);
    if (target !== null) await this.pruneTo(target);
  }

  /** The report of a finished run; `weights`: model 0's final weights (for the thinned model's MACs). */
  report(weights: Map<string, Float32Array>): PruneReport {
    const r: PruneReport = {
      kind: this.p.filters ? 'filters' : 'weights',
      ratio: this.ratio,
      stopped: this.stopped,
      val_accuracy: this.valAccuracy,
    };
    if (this.p.filters) {
      const model = buildModel({ ...this.judge.spec, batch: 1 });
      const before = model.macs();
      applyWeights(model, weights, 'pruning');
      r.macs = applyFilterPruning(model, planFilterPruning(model, { ratio: this.ratio, norm: this.p.filters })).macs();
      r.macs_before = before;
    }
    return r;
  }

  private async pruneTo(sparsity: number): Promise<void> {
    const { compiled, models, step } = this.run;
    for (let k = 0; k < models.length; k++) {
      const m = models[k];
      if (this.p.filters) {
        const model = buildModel({ ...this.judge.spec, batch: 1 });
        applyWeights(model, await this.run.weights(k), 'pruning');
        const plan = planFilterPruning(model, { ratio: sparsity, norm: this.p.filters });
        for (const [name, mask] of m.masks) compiled.writeTensor(mask, filterMask(model, plan, name));
        continue;
      }
      const block = this.p.block;
      for (const [name, mask] of m.masks) {
        const id = m.params.get(name)!;
        const w = await compiled.readTensor(id);
        const shape = step.graph.tensors[id].shape;
        compiled.writeTensor(
          mask,
          block && blockShapeFits(shape, block) ? blockMask(w, shape, block, sparsity) : magnitudeMask(w, sparsity),
        );
      }
    }
    this.ratio = sparsity;
  }

  /** Put back the last masks the floor accepted (all ones before the first). */
  private restoreLastGood(): void {
    const { compiled, models, step } = this.run;
    models.forEach((m, k) =>
      m.masks.forEach((id, name) =>
        compiled.writeTensor(
          id,
          this.lastGood ? this.lastGood.masks[k].get(name)! : new Float32Array(step.graph.tensors[id].data!.length).fill(1),
        ),
      ),
    );
    this.ratio = this.lastGood ? this.lastGood.ratio : 0;
  }
}
