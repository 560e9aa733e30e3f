// The scaling page: for the chosen families and precisions, runScale (src/scale) on this browser's adapter, then
// the accuracy–latency chart (points coloured by family, shaped by precision, the Pareto front as a line and a
// draggable budget line), the choice for the budget with its per-layer GPU time, and the JSON download.
// Playwright opens it with the choices in the URL and `autorun=1`, then reads `window.__scaleResult`.
//
// URL parameters (all optional): families=mobilenet_v1,shufflenet  precisions=fp32,int8  budget=20  resScale=1
//   limit=8  measure=3  runs=5  autorun=1

import type { Plugin } from 'chart.js';
import { Chart } from '../shared/chart.js';
import { createRuntime, NO_WEBGPU, showError, watchLoss } from '../shared/gpu.js';
import { compile } from '../../src/graph/executor.js';
import { sampleInput, round } from '../../src/models/measure.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { familyConfigs } from '../../src/scale/configs.js';
import { LatencyTable } from '../../src/scale/latency_table.js';
import { chooseForBudget, mnasObjective, paretoFront } from '../../src/scale/pareto.js';
import { prepareGraph, runScale, type ScalePoint, type ScaleResult } from '../../src/scale/scale.js';
import type { Precision } from '../../src/compress/compress.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const FAMILY_COLORS: Record<string, string> = {
  mobilenet_v1: '#1f77b4',
  mobilenet_v2: '#ff7f0e',
  shufflenet: '#2ca02c',
  efficientnet: '#d62728',
};
const PRECISION_STYLE: Record<string, 'circle' | 'triangle' | 'rect'> = { fp32: 'circle', int8: 'triangle', binary: 'rect' };

interface PageDoc {
  schema: 'slimgpu-scale-page/1';
  date: string;
  adapter: unknown;
  settings: Record<string, unknown>;
  budget_ms: number;
  results: ScaleResult[];
  points: ScalePoint[];
  pareto: string[];
  chosen: ScalePoint | null;
  profile: { label: string; precision: string; method: string; layers: { name: string; op: string; ms: number }[] } | null;
  error?: string;
}

let doc: PageDoc | null = null;
let rt: Runtime | null = null;
let pareto: Chart | null = null;
let layers: Chart | null = null;

function log(line: string): void {
  console.log(line);
  const el = $('log');
  el.textContent += `${new Date().toISOString().slice(11, 19)} ${line}\n`;
  el.scrollTop = el.scrollHeight;
}

const key = (p: ScalePoint) => `${p.label}|${p.precision}`;

function applyUrl(): void {
  const set = (name: string, values: string | null) => {
    if (values === null) return;
    const want = values.split(',');
    document.querySelectorAll<HTMLInputElement>(`input[name=${name}]`).forEach((i) => (i.checked = want.includes(i.value)));
  };
  set('family', params.get('families'));
  set('precision', params.get('precisions'));
  for (const id of ['budget', 'resScale', 'limit', 'measure', 'runs']) {
    const v = params.get(id);
    if (v !== null) $<HTMLInputElement>(id).value = v;
  }
}

const checked = (name: string) =>
  Array.from(document.querySelectorAll<HTMLInputElement>(`input[name=${name}]:checked`)).map((i) => i.value);
const numberOf = (id: string) => Number($<HTMLInputElement>(id).value);

/** The budget line: drawn by a plugin, moved by dragging anywhere in the plot area. */
const budgetLine: Plugin<'scatter'> = {
  id: 'budgetLine',
  afterDatasetsDraw(chart) {
    if (!doc) return;
    const x = chart.scales.x.getPixelForValue(doc.budget_ms);
    const { top, bottom } = chart.chartArea;
    const ctx = chart.ctx;
    ctx.save();
    ctx.strokeStyle = '#b00';
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    ctx.fillStyle = '#b00';
    ctx.fillText(`budget ${doc.budget_ms.toFixed(1)} ms`, x + 4, top + 12);
    ctx.restore();
  },
};

function drawPareto(): void {
  if (!doc) return;
  const groups = new Map<string, ScalePoint[]>();
  for (const p of doc.points) groups.set(`${p.family} ${p.precision}`, [...(groups.get(`${p.family} ${p.precision}`) ?? []), p]);
  const front = new Set(doc.pareto);
  const datasets: any[] = [...groups.entries()].map(([name, pts]) => ({
    label: name,
    data: pts.map((p) => ({ x: p.latency_ms, y: p.top1, point: p })),
    backgroundColor: FAMILY_COLORS[pts[0].family],
    borderColor: FAMILY_COLORS[pts[0].family],
    pointStyle: PRECISION_STYLE[pts[0].precision],
    pointRadius: pts.map((p) => (doc!.chosen && key(p) === key(doc!.chosen) ? 9 : p.measured_ms !== null ? 6 : 4)),
  }));
  datasets.push({
    label: 'Pareto front',
    type: 'line',
    data: doc.points
      .filter((p) => front.has(key(p)))
      .sort((a, b) => a.latency_ms - b.latency_ms)
      .map((p) => ({ x: p.latency_ms, y: p.top1 })),
    borderColor: '#444',
    borderWidth: 1,
    pointRadius: 0,
    stepped: 'after',
  });
  if (pareto) {
    pareto.data.datasets = datasets;
    pareto.update('none');
    return;
  }
  pareto = new Chart($<HTMLCanvasElement>('pareto'), {
    type: 'scatter',
    data: { datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: {
          type: 'logarithmic',
          title: { display: true, text: 'latency on this device, ms (log; big points measured, small predicted)' },
        },
        y: { title: { display: true, text: 'published ImageNet top-1, %' } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: (c: any) =>
              c.raw.point ? `${c.raw.point.label} ${c.raw.point.precision}: ${c.raw.point.top1}%, ${c.raw.point.latency_ms} ms` : '',
          },
        },
      },
    },
    plugins: [budgetLine as Plugin],
  });
  const canvas = $<HTMLCanvasElement>('pareto');
  let dragging = false;
  const move = (e: PointerEvent) => {
    if (!dragging || !pareto || !doc) return;
    const v = pareto.scales.x.getValueForPixel(e.offsetX);
    if (v && v > 0) setBudget(v, false);
  };
  canvas.addEventListener('pointerdown', (e) => {
    dragging = true;
    move(e);
  });
  canvas.addEventListener('pointermove', move);
  canvas.addEventListener('pointerup', () => {
    if (!dragging) return;
    dragging = false;
    if (doc) void profileChosen();
  });
}

function drawTable(): void {
  if (!doc) return;
  const front = new Set(doc.pareto);
  const rows = [...doc.points]
    .sort((a, b) => a.latency_ms - b.latency_ms)
    .map((p) => {
      const cls = [front.has(key(p)) ? 'front' : '', doc!.chosen && key(p) === key(doc!.chosen) ? 'chosen' : ''].join(' ');
      return (
        `<tr class="${cls}"><td>${p.label}</td><td>${p.precision}</td><td>${p.top1}</td><td>${p.predicted_ms}</td><td>${p.measured_ms ?? ''}</td>` +
        `<td>${round(mnasObjective(p.top1, p.latency_ms, doc!.budget_ms), 3)}</td><td>${(p.macs / 1e6).toFixed(1)}</td><td class="muted" style="text-align:left">${p.accuracy_source}</td></tr>`
      );
    });
  $('table').innerHTML =
    `<table id="points"><thead><tr><th>configuration</th><th>precision</th><th>top-1 %</th><th>predicted ms</th><th>measured ms</th>` +
    `<th>MnasNet ACC·(LAT/T)^-0.07</th><th>MMACs</th><th>accuracy source</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  const c = doc.chosen;
  $('choice').textContent = c
    ? `Within ${doc.budget_ms.toFixed(1)} ms: ${c.label} (${c.precision}), top-1 ${c.top1}% at ${c.latency_ms} ms (${c.measured_ms !== null ? 'measured' : 'predicted'}).`
    : `Nothing fits ${doc.budget_ms.toFixed(1)} ms on this device.`;
}

function setBudget(ms: number, profile = true): void {
  if (!doc) return;
  doc.budget_ms = ms;
  doc.chosen = chooseForBudget(doc.points, ms);
  $<HTMLInputElement>('budget').value = ms.toFixed(2);
  drawPareto();
  drawTable();
  if (profile) void profileChosen();
}

async function profileChosen(): Promise<void> {
  if (!doc || !rt) return;
  const c = doc.chosen;
  if (!c) {
    doc.profile = null;
    layers?.destroy();
    layers = null;
    $('layers-caption').textContent = '';
    return;
  }
  if (doc.profile && doc.profile.label === c.label && doc.profile.precision === c.precision) return;
  const config = familyConfigs(c.family, { batch: c.spec.batch, resScale: doc.settings.resScale as number }).find(
    (x) => x.label === c.label,
  )!;
  const graph = await prepareGraph(rt, config, c.precision);
  const model = await compile(rt, graph);
  try {
    const p = await model.profile(sampleInput(graph));
    doc.profile = {
      label: c.label,
      precision: c.precision,
      method: p.method,
      layers: p.nodes.map((n) => ({ name: n.name, op: n.op, ms: round(n.ms, 4) })),
    };
  } finally {
    model.destroy();
  }
  layers?.destroy();
  // the caption sits above the chart (it wraps on a narrow window; a legend line would not)
  $('layers-caption').textContent = `${c.label} ${c.precision}: GPU ms per layer (${doc.profile.method})`;
  layers = new Chart($<HTMLCanvasElement>('layers'), {
    type: 'bar',
    data: {
      labels: doc.profile.layers.map((l) => l.name),
      datasets: [
        {
          label: `${c.label} ${c.precision}: GPU ms per layer (${doc.profile.method})`,
          data: doc.profile.layers.map((l) => l.ms),
          backgroundColor: FAMILY_COLORS[c.family],
        },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      indexAxis: 'y',
      scales: { y: { ticks: { font: { size: 9 }, autoSkip: false } } },
      plugins: { legend: { display: false } },
    },
  });
}

async function runAll(): Promise<void> {
  const families = checked('family');
  const precisions = checked('precision') as Precision[];
  const settings = {
    families,
    precisions,
    budget: numberOf('budget'),
    resScale: numberOf('resScale'),
    limit: numberOf('limit'),
    measure: numberOf('measure'),
    runs: numberOf('runs'),
  };
  $<HTMLButtonElement>('run').disabled = true;
  $<HTMLButtonElement>('download').disabled = true;
  $('status').textContent = ' running…';
  try {
    if (!rt) {
      rt = await createRuntime();
      watchLoss(rt);
    }
    const table = await new LatencyTable(rt).load();
    const results: ScaleResult[] = [];
    for (const family of families) {
      for (const precision of precisions) {
        log(`${family} ${precision}…`);
        results.push(
          await runScale(rt, family, {
            precision,
            budgetMs: settings.budget,
            resScale: settings.resScale,
            limit: settings.limit,
            measure: settings.measure,
            runs: settings.runs,
            table,
            log,
          }),
        );
      }
    }
    const points = results.flatMap((r) => r.points);
    const front = paretoFront(points);
    doc = {
      schema: 'slimgpu-scale-page/1',
      date: new Date().toISOString(),
      adapter: rt.ctx.adapter,
      settings,
      budget_ms: settings.budget,
      results,
      points,
      pareto: front.map(key),
      chosen: chooseForBudget(points, settings.budget),
      profile: null,
    };
    drawPareto();
    drawTable();
    await profileChosen();
    $<HTMLButtonElement>('download').disabled = false;
    $('status').textContent = ' done';
    (window as any).__scaleResult = doc;
  } catch (e: any) {
    log(`error: ${e?.stack ?? e}`);
    $('status').textContent = ` error: ${e?.message ?? e}`;
    showError(String(e?.message ?? e));
    (window as any).__scaleResult = { ...(doc ?? {}), error: String(e?.message ?? e) };
  } finally {
    $<HTMLButtonElement>('run').disabled = false;
  }
}

$('run').addEventListener('click', () => void runAll());
$('download').addEventListener('click', () => {
  if (!doc) return;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 1)], { type: 'application/json' }));
  a.download = `slimgpu-scale-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.json`;
  a.click();
});
(window as any).__setBudget = (ms: number) => setBudget(ms);
applyUrl();
if (!('gpu' in navigator)) showError(NO_WEBGPU);
if (params.get('autorun') === '1') void runAll();
