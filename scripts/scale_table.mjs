#!/usr/bin/env node
// Markdown Pareto tables from `slimgpu scale --json` outputs (schema slimgpu-scale/1), one table per file:
//   node scripts/scale_table.mjs docs/results/scale-quiet/*.json > docs/results/scale-quiet/SUMMARY.md
// Each row: configuration, published top-1 (and its source), predicted and measured ms, whether it is on the front,
// and the MnasNet objective; then the configuration chosen within the budget and the objective's best.

import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: node scripts/scale_table.mjs SCALE.json…');
  process.exit(2);
}
const out = [];
for (const f of files) {
  const r = JSON.parse(readFileSync(f, 'utf8'));
  if (r.schema !== 'slimgpu-scale/1') {
    console.error(`${f}: not a slimgpu scale result (schema '${r.schema}')`);
    process.exit(1);
  }
  const front = new Set(r.pareto);
  const adapter = r.adapter ? [r.adapter.vendor, r.adapter.architecture, r.adapter.description].filter(Boolean).join(' ') : '';
  out.push(
    `## ${r.family}, ${r.precision}, batch ${r.batch}, resolutions × ${r.res_scale} (${f})`,
    '',
    `Adapter: ${adapter || 'unknown'}. Budget ${r.budget_ms} ms; overhead a = ${fmt(r.overhead?.a)}, b = ${fmt(r.overhead?.b)}, ` +
      `c = ${fmt(r.overhead?.c)} (fitted on ${r.overhead?.n ?? 0} end-to-end samples of this adapter).`,
    '',
    `| configuration | top-1 % | predicted ms | measured ms | on front | MnasNet ACC·(LAT/${r.budget_ms})^${r.mnas?.w ?? ''} |`,
    '| --- | --- | --- | --- | --- | --- |',
    ...[...r.points]
      .sort((a, b) => a.latency_ms - b.latency_ms)
      .map(
        (p) =>
          `| ${p.label} | ${p.top1} | ${fmt(p.predicted_ms)} | ${p.measured_ms === null ? '' : fmt(p.measured_ms)} | ` +
          `${front.has(p.label) ? 'yes' : ''} | ${fmt(p.mnas_objective)} |`,
      ),
    '',
    r.chosen
      ? `Within ${r.budget_ms} ms: **${r.chosen.label}** (top-1 ${r.chosen.top1}%, ${fmt(r.chosen.latency_ms)} ms). `
      : `Nothing fits ${r.budget_ms} ms. `,
    `Best MnasNet objective: ${r.mnas?.best?.label ?? '—'}. Accuracy sources: ${[...new Set(r.points.map((p) => p.accuracy_source))].join('; ')}.`,
    '',
  );
}
console.log(out.join('\n'));

function fmt(x) {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);
}
