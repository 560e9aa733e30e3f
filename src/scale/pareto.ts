// Accuracy–latency trade-offs: the Pareto front, the most accurate configuration within a latency budget, and
// MnasNet's latency-aware objective ACC·(LAT/T)^w (Tan et al. 2019, soft constraint α = β = −0.07).

export interface TradeoffPoint {
  label: string;
  latency_ms: number;
  top1: number;
}

/** Points no other point beats on both axes (lower latency, higher accuracy), fastest first. */
export function paretoFront<P extends TradeoffPoint>(points: P[]): P[] {
  const sorted = [...points].sort((a, b) => a.latency_ms - b.latency_ms || b.top1 - a.top1);
  const front: P[] = [];
  for (const p of sorted) if (!front.length || p.top1 > front[front.length - 1].top1) front.push(p);
  return front;
}

/** The most accurate point whose latency is within the budget (the faster one on ties); null when none fits. */
export function chooseForBudget<P extends TradeoffPoint>(points: P[], budgetMs: number): P | null {
  let best: P | null = null;
  for (const p of points) {
    if (p.latency_ms > budgetMs) continue;
    if (!best || p.top1 > best.top1 || (p.top1 === best.top1 && p.latency_ms < best.latency_ms)) best = p;
  }
  return best;
}

export const MNAS_W = -0.07;

/** MnasNet's reward ACC·(LAT/T)^w; with w < 0 a model slower than T is penalised, a faster one rewarded a little. */
export function mnasObjective(top1: number, latencyMs: number, targetMs: number, w = MNAS_W): number {
  return top1 * Math.pow(latencyMs / targetMs, w);
}
