// The compression explorer: a zoo model, a shipped (trained) model or an ONNX file; precision (fp32 / int8 /
// binary), block sparsity (magnitude block pruning, block shape or 'auto'), filter pruning (L1). Compressed with the
// library's compress(), both versions compiled and profiled on this adapter: size, latency, GPU time per layer
// (one chart), each layer's kernel, agreement with fp32 (accuracy for the Fashion-MNIST models).
//
// URL parameters: source=zoo:cnn_small|shipped:NAME precision=fp32|int8|binary sparsity=0.9 block=4x4 filters=0.5
// images=N autorun=1. Results: window.__compress.

import { Chart } from '../shared/chart.js';
import { compress, type CompressOptions } from '../../src/compress/compress.js';
import { compile, type CompiledGraph } from '../../src/graph/executor.js';
import type { Graph } from '../../src/graph/ir.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { sampleInput } from '../../src/models/measure.js';
import { buildModel, type ModelSpec } from '../../src/models/zoo.js';
import type { BlockShape } from '../../src/ops/block_sparse.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { fillBatch, limitSplit, NO_AUGMENT } from '../../src/io/fashion_mnist_codec.js';
import { applyWeights, checkpointWeights } from '../../src/train/checkpoint_codec.js';
import { fetchCheckpoint, loadManifest, type ShippedModel } from '../shared/ckpt.js';
import { loadSplit } from '../shared/data.js';
import { adapterLine, getRuntime, showError } from '../shared/gpu.js';
import { calibrationBatches } from '../shared/models.js';
import { nav } from '../shared/nav.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);

// light zoo specs (batch 1): what a laptop without a GPU still runs in seconds
const ZOO: Record<string, ModelSpec> = {
  cnn_small: { model: 'cnn_small' },
  cnn_tiny: { model: 'cnn_tiny' },
  'mobilenet_v1 0.25 @96': { model: 'mobilenet_v1', alpha: 0.25, res: 96 },
  'mobilenet_v2 0.35 @96': { model: 'mobilenet_v2', alpha: 0.35, res: 96 },
  'shufflenet g=3 0.5× @96': { model: 'shufflenet', groups: 3, scale: 0.5, res: 96 },
  'mobilenet_v1 1.0 @224 (slow without a GPU)': { model: 'mobilenet_v1', alpha: 1, res: 224 },
};

let manifest: ShippedModel[] = [];
let onnxBytes: Uint8Array | null = null;
let chart: Chart;
const result: any = { done: false };
(window as any).__compress = result;

async function sourceGraph(): Promise<{ graph: Graph; label: string; fashion: boolean }> {
  const v = $<HTMLSelectElement>('source').value;
  if (v === 'onnx') {
    if (!onnxBytes) throw new Error('choose an ONNX file first');
    const { graph } = importOnnx(onnxBytes);
    return { graph, label: 'ONNX file', fashion: false };
  }
  const [kind, name] = [v.slice(0, v.indexOf(':')), v.slice(v.indexOf(':') + 1)];
  if (kind === 'zoo') return { graph: buildModel({ ...ZOO[name], batch: 1 }), label: name, fashion: false };
  const e = manifest.find((m) => m.name === name)!;
  const ck = await fetchCheckpoint(e.file);
  const g = buildModel({ ...(ck.meta.model as ModelSpec), batch: 1 });
  applyWeights(g, checkpointWeights(ck, e.peer ?? 0), e.name);
  return { graph: g, label: `${e.name} (trained ${e.model})`, fashion: true };
}

function options(): { opts: CompressOptions; text: string } {
  const precision = document.querySelector<HTMLInputElement>('input[name=precision]:checked')!.value;
  const sparsity = Number($<HTMLInputElement>('sparsity').value);
  const filters = Number($<HTMLInputElement>('filters').value);
  const block = $<HTMLSelectElement>('block').value;
  if (precision !== 'fp32' && sparsity > 0)
    throw new Error(`block sparsity runs on fp32 kernels; set it to 0 for ${precision} (the int8 and XNOR kernels are dense)`);
  const opts: CompressOptions = {};
  if (precision !== 'fp32') opts.quantize = precision as 'int8' | 'binary';
  if (sparsity > 0) opts.prune = { sparsity, block: block === 'auto' ? 'auto' : (block.split('x').map(Number) as BlockShape) };
  if (filters > 0) opts.filterPrune = { ratio: filters, norm: 'l1' };
  const text = [
    precision,
    sparsity > 0 ? `${Math.round(sparsity * 100)}% block-sparse ${block}` : '',
    filters > 0 ? `${Math.round(filters * 100)}% filters pruned` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return { opts, text };
}

async function medianMs(c: CompiledGraph, x: Float32Array[], runs = 5): Promise<number> {
  await c.run(x);
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await c.run(x);
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

const argmax = (z: Float32Array) => z.reduce((b, v, i) => (v > z[b] ? i : b), 0);

async function apply(): Promise<void> {
  const btn = $<HTMLButtonElement>('apply');
  btn.disabled = true;
  result.done = false;
  const status = (s: string) => ($('status').textContent = s);
  let base: CompiledGraph | null = null,
    comp: CompiledGraph | null = null;
  try {
    const { opts, text } = options();
    const nImages = Number($<HTMLInputElement>('images').value);
    if (!Number.isInteger(nImages) || nImages < 1 || nImages > 10000)
      throw new Error(`images: '${$<HTMLInputElement>('images').value}' is not a whole number from 1 to 10000`);
    const rt: Runtime = await getRuntime();
    status('building…');
    const { graph, label, fashion } = await sourceGraph();
    if (opts.quantize === 'int8' || opts.prune?.block === 'auto') opts.runtime = rt;
    if (opts.quantize === 'int8' && fashion) opts.calibration = { batches: await calibrationBatches(64, 1), method: 'percentile' };
    status(`compressing (${text})…`);
    const c = await compress(graph, opts);
    status('compiling and profiling both…');
    base = await compile(rt, graph);
    comp = await compile(rt, c.graph);
    const x = sampleInput(graph);
    const [pb, pc] = [await base.profile(x), await comp.profile(x)];
    const [msBase, msComp] = [await medianMs(base, x), await medianMs(comp, x)];
    status('agreement with fp32…');
    let agree = 0,
      accBase = 0,
      accComp = 0,
      n = 0;
    if (fashion) {
      const test = limitSplit(await loadSplit('t10k'), nImages);
      const img = new Float32Array(784),
        lbl = new Float32Array(1);
      for (let i = 0; i < test.n; i++) {
        fillBatch(test, [i], NO_AUGMENT, 0, img, lbl);
        const [a] = await base.run([img]);
        const [b] = await comp.run([img]);
        agree += +(argmax(a) === argmax(b));
        accBase += +(argmax(a) === lbl[0]);
        accComp += +(argmax(b) === lbl[0]);
        n++;
      }
    } else {
      for (let s = 0; s < Math.min(nImages, 16); s++, n++) {
        const xi = sampleInput(graph, 100 + s);
        agree += +(argmax((await base.run(xi))[0]) === argmax((await comp.run(xi))[0]));
      }
    }
    const rows = layerRows(pb.nodes, pc.nodes);
    Object.assign(result, {
      source: label,
      setting: text,
      fp32_bytes: c.fp32Bytes,
      bytes: c.bytes,
      ratio: c.ratio,
      fp32_ms: msBase,
      ms: msComp,
      gpu_ms_fp32: sum(pb.nodes),
      gpu_ms: sum(pc.nodes),
      agreement: agree / n,
      agreement_images: n,
      ...(fashion ? { accuracy_fp32: accBase / n, accuracy: accComp / n } : {}),
      layers: rows,
      kernels: [...new Set(pc.nodes.flatMap((q) => q.kernels))],
      done: true,
      error: undefined,
    });
    render(result);
    status(`done on ${adapterLine(rt)}`);
  } catch (e) {
    const msg = (e as Error).message;
    status('');
    showError(msg);
    Object.assign(result, { error: msg, done: true });
  } finally {
    base?.destroy();
    comp?.destroy();
    btn.disabled = false;
  }
}

type Prof = { name: string; op: string; kernels: string[]; ms: number };
const sum = (p: Prof[]) => p.reduce((a, q) => a + q.ms, 0);

/** Layers matched by node name (compression keeps layer names; nodes only one side has get their own row). */
function layerRows(a: Prof[], b: Prof[]) {
  const names = [...new Set([...a.map((p) => p.name), ...b.map((p) => p.name)])];
  return names.map((name) => {
    const x = a.find((p) => p.name === name),
      y = b.find((p) => p.name === name);
    return {
      name,
      op_fp32: x?.op ?? null,
      op: y?.op ?? null,
      kernel_fp32: x?.kernels.join(' ') ?? '',
      kernel: y?.kernels.join(' ') ?? '',
      ms_fp32: x?.ms ?? null,
      ms: y?.ms ?? null,
    };
  });
}

function render(r: any): void {
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  $('summary').innerHTML =
    `<h2>${r.source}: ${r.setting}</h2><table id="summary-table"><thead><tr><th></th><th>fp32</th><th>compressed</th><th>ratio</th></tr></thead><tbody>` +
    `<tr><th>size (parameters)</th><td>${kb(r.fp32_bytes)}</td><td>${kb(r.bytes)}</td><td>${r.ratio.toFixed(2)}× smaller</td></tr>` +
    `<tr><th>latency (median of 5, batch 1)</th><td>${r.fp32_ms.toFixed(2)} ms</td><td>${r.ms.toFixed(2)} ms</td><td>${(r.fp32_ms / r.ms).toFixed(2)}× faster</td></tr>` +
    `<tr><th>GPU time (sum of layers)</th><td>${r.gpu_ms_fp32.toFixed(3)} ms</td><td>${r.gpu_ms.toFixed(3)} ms</td><td>${(r.gpu_ms_fp32 / r.gpu_ms).toFixed(2)}×</td></tr>` +
    (r.accuracy !== undefined
      ? `<tr><th>accuracy (first ${r.agreement_images} test images)</th><td>${(r.accuracy_fp32 * 100).toFixed(1)}%</td><td>${(r.accuracy * 100).toFixed(1)}%</td><td>${((r.accuracy - r.accuracy_fp32) * 100).toFixed(1)} points</td></tr>`
      : '') +
    `<tr><th>top-1 agreement with fp32</th><td colspan="3" id="agreement">${(r.agreement * 100).toFixed(1)}% of ${r.agreement_images} ${r.accuracy !== undefined ? 'test images' : 'seeded random inputs'}</td></tr></tbody></table>`;
  const rows = r.layers.filter((l: any) => (l.ms_fp32 ?? 0) + (l.ms ?? 0) > 0 || l.op === 'conv2d' || l.op_fp32 === 'conv2d');
  chart.data.labels = rows.map((l: any) => l.name);
  chart.data.datasets = [
    { label: 'fp32', data: rows.map((l: any) => l.ms_fp32), backgroundColor: '#90a4ae' },
    { label: r.setting, data: rows.map((l: any) => l.ms), backgroundColor: '#e65100' },
  ];
  chart.update();
  $('layers').innerHTML =
    '<table id="layer-table"><thead><tr><th>layer</th><th>fp32 kernel</th><th>ms</th><th>compressed kernel</th><th>ms</th></tr></thead><tbody>' +
    r.layers
      .map(
        (l: any) =>
          `<tr><td>${l.name}</td><td class="k">${l.kernel_fp32 || '–'}</td><td>${l.ms_fp32 === null ? '–' : l.ms_fp32.toFixed(3)}</td><td class="k">${l.kernel || '–'}</td><td>${l.ms === null ? '–' : l.ms.toFixed(3)}</td></tr>`,
      )
      .join('') +
    '</tbody></table>';
}

async function main(): Promise<void> {
  nav();
  chart = new Chart($<HTMLCanvasElement>('layer-chart'), {
    type: 'bar',
    data: { labels: [], datasets: [] },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { x: { ticks: { autoSkip: false, maxRotation: 60, minRotation: 0 } }, y: { title: { display: true, text: 'ms' } } },
    },
  });
  for (const [id, v] of [
    ['sparsity', 'sparsity-v'],
    ['filters', 'filters-v'],
  ]) {
    const upd = () => ($(v).textContent = `${Math.round(Number($<HTMLInputElement>(id).value) * 100)}%`);
    $(id).addEventListener('input', upd);
    if (params.has(id)) $<HTMLInputElement>(id).value = params.get(id)!;
    upd();
  }
  if (params.has('block')) $<HTMLSelectElement>('block').value = params.get('block')!;
  if (params.has('images')) $<HTMLInputElement>('images').value = params.get('images')!;
  if (params.has('precision'))
    document.querySelectorAll<HTMLInputElement>('input[name=precision]').forEach((i) => (i.checked = i.value === params.get('precision')));
  try {
    manifest = (await loadManifest()).models.filter((m) => m.precision === 'fp32' && !m.sparse && m.role !== 'thinned');
  } catch (e) {
    showError(`${(e as Error).message} — the zoo models still work`);
  }
  const sel = $<HTMLSelectElement>('source');
  sel.innerHTML =
    `<optgroup label="trained (Fashion-MNIST, models/)">${manifest.map((m) => `<option value="shipped:${m.name}">${m.name} — ${m.model}${m.provisional ? ' (provisional)' : ''}</option>`).join('')}</optgroup>` +
    `<optgroup label="zoo (random weights)">${Object.keys(ZOO)
      .map((k) => `<option value="zoo:${k}">${k}</option>`)
      .join('')}</optgroup><option value="onnx" disabled>ONNX file</option>`;
  if (params.has('source')) sel.value = params.get('source')!;
  $<HTMLInputElement>('onnx').addEventListener('change', async (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (!f) return;
    onnxBytes = new Uint8Array(await f.arrayBuffer());
    const opt = sel.querySelector<HTMLOptionElement>('option[value=onnx]')!;
    opt.disabled = false;
    opt.textContent = `ONNX file: ${f.name}`;
    sel.value = 'onnx';
  });
  $('apply').addEventListener('click', () => void apply());
  await getRuntime();
  if (params.get('autorun') === '1') await apply();
}

main().catch((e) => {
  showError((e as Error).message);
  Object.assign(result, { error: (e as Error).message, done: true });
});
