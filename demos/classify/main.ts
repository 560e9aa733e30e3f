// The classify page: every shipped model (models/manifest.json) side by side on one input — a test image, a
// drawing, or a photo reduced to a centred 28×28 gray image — with top-3, latency on this adapter, size and the
// kernels it ran on; "Evaluate" scores the first N test images with every model (the test checks it equals
// `slimgpu eval` on the same checkpoints and images).
//
// URL parameters: n=N (Evaluate's N), autorun=1 (classify test images 0..19, then Evaluate; results in
// window.__classify).

import { compile, type CompiledGraph } from '../../src/graph/executor.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { FASHION_CLASSES as CLASSES, limitSplit, type Split } from '../../src/io/fashion_mnist_codec.js';
import { decodeCheckpoint } from '../../src/train/checkpoint_codec.js';
import { fetchCheckpoint, loadManifest, registerCheckpoint, SENT_KEY, type ShippedModel } from '../shared/ckpt.js';
import { dataInfo, inOrderBatches, loadSplit, normalise } from '../shared/data.js';
import { adapterLine, getRuntime, showError } from '../shared/gpu.js';
import { exportCheckpoint } from '../shared/models.js';
import { nav } from '../shared/nav.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const EVAL_BATCH = 100; // the CLI's eval batch
const INT8_CALIB_INTERACTIVE = 64; // batch-1 calibration runs for the interactive int8 graph (Evaluate uses the CLI's 512)

interface Loaded {
  entry: ShippedModel;
  compiled: CompiledGraph;
  bytes: number;
  fp32Bytes: number;
  kernels: string[];
  latencyMs: number;
  card: HTMLElement;
}

// classified: how many inputs have been classified (any source), last: the latest result (the tests read both)
const state: { rt?: Runtime; test?: Split; models: Loaded[]; results: any[]; evals: any[]; classified: number; last?: any } = {
  models: [],
  results: [],
  evals: [],
  classified: 0,
};
(window as any).__classify = state;

function setStatus(s: string): void {
  $('status').textContent = s;
}

function softmax(z: Float32Array): number[] {
  const m = Math.max(...z);
  const e = Array.from(z, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function drawGray(canvas: HTMLCanvasElement, gray: ArrayLike<number>): void {
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) img.data.set([gray[i], gray[i], gray[i], 255], 4 * i);
  ctx.putImageData(img, 0, 0);
}

async function median(f: () => Promise<unknown>, runs: number): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

async function loadModel(rt: Runtime, entry: ShippedModel): Promise<Loaded> {
  const ck = await fetchCheckpoint(entry.file);
  const ex = await exportCheckpoint(rt, ck, 1, entry.peer ?? 0, INT8_CALIB_INTERACTIVE);
  const compiled = await compile(rt, ex.graph);
  const x = new Float32Array(784);
  const prof = await compiled.profile([x]);
  const kernels = [...new Set(prof.nodes.flatMap((n) => n.kernels))];
  await compiled.run([x]);
  const latencyMs = await median(() => compiled.run([x]), 5);
  const card = document.createElement('div');
  card.className = 'model';
  card.dataset.model = entry.name;
  const prov = entry.provisional ? ' (provisional)' : '';
  card.innerHTML =
    `<h3>${entry.name}</h3><div class="meta">${entry.model} · ${entry.role} · ${entry.precision}${entry.sparse ? ' · block-sparse' : ''}${entry.peer !== undefined ? ` · peer ${entry.peer}` : ''}</div>` +
    `<div class="meta">${(ex.modelBytes / 1024).toFixed(1)} KB (fp32 ${(ex.fp32Bytes / 1024).toFixed(1)} KB) · <span class="latency">${latencyMs.toFixed(2)}</span> ms/image here · test acc. ${(entry.test_accuracy * 100).toFixed(2)}% (eval, ${entry.test_examples ?? 10000} images)${prov}</div>` +
    `<div class="top3"></div><div class="kernels" title="kernels this model ran on">${kernels.join(' ')}</div>`;
  $('models').appendChild(card);
  return { entry, compiled, bytes: ex.modelBytes, fp32Bytes: ex.fp32Bytes, kernels, latencyMs, card };
}

/** Classify one 28×28 gray image (0 background … 255 ink) with every model. */
async function classify(gray: Uint8Array | Uint8ClampedArray, truth?: number): Promise<any> {
  drawGray($('preview'), gray);
  $('truth').textContent = truth === undefined ? '' : `label: ${CLASSES[truth]}`;
  const x = normalise(gray);
  const out: any = { truth, models: {} };
  for (const m of state.models) {
    const t0 = performance.now();
    const [logits] = await m.compiled.run([x]);
    const ms = performance.now() - t0;
    const p = softmax(logits);
    const top = p
      .map((v, i) => [v, i] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, 3);
    m.card.querySelector('.top3')!.innerHTML = top
      .map(
        ([v, i], k) =>
          `<div class="bar${k === 0 ? ' top' : ''}"><span class="name" title="${CLASSES[i]}">${CLASSES[i]}</span><div class="track"><div class="fill" style="width:${(v * 100).toFixed(1)}%"></div></div><span>${(v * 100).toFixed(1)}%</span></div>`,
      )
      .join('');
    m.card.querySelector('.latency')!.textContent = ms.toFixed(2);
    out.models[m.entry.name] = { top3: top.map(([v, i]) => ({ class: i, p: v })), ms };
  }
  state.last = out;
  state.classified++;
  return out;
}

async function classifyTest(i: number): Promise<any> {
  const t = state.test!;
  document.querySelectorAll('#gallery canvas').forEach((c, k) => c.classList.toggle('sel', k === i));
  return classify(t.images.subarray(i * 784, (i + 1) * 784), t.labels[i]);
}

/** Score the first N test images with every model, on graphs of the CLI's eval batch (100). */
async function evaluate(): Promise<any[]> {
  const n = Number($<HTMLInputElement>('n').value);
  const test = state.test!;
  if (!Number.isInteger(n) || n < 1 || n > test.n) {
    $('eval-status').textContent = `N must be a whole number from 1 to ${test.n}`;
    throw new Error(`bad N ${$<HTMLInputElement>('n').value}`);
  }
  const rt = state.rt!;
  const split = limitSplit(test, n);
  const btn = $<HTMLButtonElement>('eval');
  btn.disabled = true;
  const prog = $<HTMLProgressElement>('progress');
  const rows: any[] = [];
  const total = state.models.length * Math.ceil(n / EVAL_BATCH);
  let done = 0;
  const t0 = performance.now();
  try {
    for (const m of state.models) {
      $('eval-status').textContent = `${m.entry.name}: preparing…`;
      const ex = await exportCheckpoint(rt, await fetchCheckpoint(m.entry.file), EVAL_BATCH, m.entry.peer ?? 0);
      const c = await compile(rt, ex.graph);
      let correct = 0;
      const s0 = performance.now();
      try {
        for (const { count, images, labels } of inOrderBatches(split, EVAL_BATCH)) {
          const [logits] = await c.run([images]);
          for (let b = 0; b < count; b++) {
            let best = 0;
            for (let j = 1; j < 10; j++) if (logits[b * 10 + j] > logits[b * 10 + best]) best = j;
            if (best === labels[b]) correct++;
          }
          prog.value = ++done / total;
          $('eval-status').textContent =
            `${m.entry.name}: ${Math.min(n, (done % Math.ceil(n / EVAL_BATCH) || Math.ceil(n / EVAL_BATCH)) * EVAL_BATCH)} / ${n}`;
        }
      } finally {
        c.destroy();
      }
      rows.push({
        name: m.entry.name,
        file: m.entry.file,
        peer: m.entry.peer ?? 0,
        role: m.entry.role,
        precision: ex.precision,
        n,
        correct,
        accuracy: correct / n,
        images_per_s: n / ((performance.now() - s0) / 1000),
        test_accuracy_manifest: m.entry.test_accuracy,
      });
      renderEval(rows);
    }
    $('eval-status').textContent = `done: ${n} images × ${rows.length} models in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
    state.evals = rows;
    return rows;
  } finally {
    btn.disabled = false;
  }
}

function renderEval(rows: any[]): void {
  const best = Math.max(...rows.map((r) => r.accuracy));
  $('eval-table').innerHTML =
    '<table id="accuracy"><thead><tr><th>model</th><th>role</th><th>precision</th><th>correct</th><th>accuracy</th><th>images/s</th><th>manifest test acc. (eval)</th></tr></thead><tbody>' +
    rows
      .map(
        (r) =>
          `<tr data-model="${r.name}"><td>${r.name}</td><td>${r.role}</td><td>${r.precision}</td><td>${r.correct} / ${r.n}</td><td class="acc${r.accuracy === best ? ' best' : ''}">${(r.accuracy * 100).toFixed(2)}%</td><td>${r.images_per_s.toFixed(0)}</td><td>${(r.test_accuracy_manifest * 100).toFixed(2)}%</td></tr>`,
      )
      .join('') +
    '</tbody></table>';
}

// ---- inputs: drawing and photos ----

/** A canvas region → centred 28×28 gray (ink bright on dark, as in Fashion-MNIST): invert a light background,
 *  crop to the object's bounding box, scale its longer side to 24 px keeping the aspect, centre. */
function toFashion(src: CanvasImageSource, w: number, h: number): Uint8ClampedArray {
  const c = document.createElement('canvas');
  const scale = Math.min(1, 256 / Math.max(w, h));
  c.width = Math.max(1, Math.round(w * scale));
  c.height = Math.max(1, Math.round(h * scale));
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(src, 0, 0, c.width, c.height);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  const g = new Float32Array(c.width * c.height);
  for (let i = 0; i < g.length; i++) g[i] = 0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2];
  let border = 0,
    nb = 0;
  for (let x = 0; x < c.width; x++) {
    for (const y of [0, c.height - 1]) {
      border += g[y * c.width + x];
      nb++;
    }
  }
  for (let y = 0; y < c.height; y++) {
    for (const x of [0, c.width - 1]) {
      border += g[y * c.width + x];
      nb++;
    }
  }
  border /= nb;
  if (border > 127) for (let i = 0; i < g.length; i++) g[i] = 255 - g[i];
  const bg = border > 127 ? 255 - border : border;
  let x0 = c.width,
    y0 = c.height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < c.height; y++)
    for (let x = 0; x < c.width; x++)
      if (g[y * c.width + x] > bg + 40) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  if (x1 < 0) [x0, y0, x1, y1] = [0, 0, c.width - 1, c.height - 1];
  const gc = document.createElement('canvas');
  gc.width = c.width;
  gc.height = c.height;
  const gctx = gc.getContext('2d')!;
  const gi = gctx.createImageData(c.width, c.height);
  for (let i = 0; i < g.length; i++) {
    const v = Math.max(0, g[i] - bg) * (255 / Math.max(1, 255 - bg));
    gi.data.set([v, v, v, 255], 4 * i);
  }
  gctx.putImageData(gi, 0, 0);
  const bw = x1 - x0 + 1,
    bh = y1 - y0 + 1;
  const s = 24 / Math.max(bw, bh);
  const out = document.createElement('canvas');
  out.width = out.height = 28;
  const octx = out.getContext('2d', { willReadFrequently: true })!;
  octx.fillStyle = '#000';
  octx.fillRect(0, 0, 28, 28);
  octx.imageSmoothingQuality = 'high';
  octx.drawImage(gc, x0, y0, bw, bh, (28 - bw * s) / 2, (28 - bh * s) / 2, bw * s, bh * s);
  const od = octx.getImageData(0, 0, 28, 28).data;
  return Uint8ClampedArray.from({ length: 784 }, (_, i) => od[4 * i]);
}

function setupDrawing(): void {
  const cv = $<HTMLCanvasElement>('draw');
  const ctx = cv.getContext('2d')!;
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, cv.width, cv.height);
  };
  clear();
  let down = false;
  let last: [number, number] | null = null;
  const pos = (e: PointerEvent): [number, number] => {
    const r = cv.getBoundingClientRect();
    return [((e.clientX - r.left) * cv.width) / r.width, ((e.clientY - r.top) * cv.height) / r.height];
  };
  cv.addEventListener('pointerdown', (e) => {
    down = true;
    last = pos(e);
    cv.setPointerCapture(e.pointerId);
  });
  cv.addEventListener('pointermove', (e) => {
    if (!down || !last) return;
    const p = pos(e);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 16;
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(...last);
    ctx.lineTo(...p);
    ctx.stroke();
    last = p;
  });
  const up = () => {
    if (!down) return;
    down = false;
    document.querySelectorAll('#gallery canvas').forEach((c) => c.classList.remove('sel'));
    void classify(toFashion(cv, cv.width, cv.height));
  };
  cv.addEventListener('pointerup', up);
  cv.addEventListener('pointerleave', up);
  $('clear').addEventListener('click', clear);
}

async function classifyFile(f: File): Promise<void> {
  if (!f.type.startsWith('image/')) {
    showError(`${f.name} is not an image`);
    return;
  }
  const bmp = await createImageBitmap(f);
  document.querySelectorAll('#gallery canvas').forEach((c) => c.classList.remove('sel'));
  await classify(toFashion(bmp, bmp.width, bmp.height));
}

function setupPhoto(): void {
  const drop = $('drop');
  $<HTMLInputElement>('file').addEventListener('change', (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) void classifyFile(f);
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files?.[0];
    if (f) void classifyFile(f);
  });
}

/** A checkpoint sent from the train page (sessionStorage, see demos/train) joins the shipped models. */
function sentFromTrainPage(): ShippedModel | null {
  const s = sessionStorage.getItem(SENT_KEY);
  if (!s) return null;
  const { entry, ckpt } = JSON.parse(s) as { entry: ShippedModel; ckpt: string };
  registerCheckpoint(
    entry.file,
    decodeCheckpoint(
      Uint8Array.from(atob(ckpt), (c) => c.charCodeAt(0)),
      entry.file,
    ),
  );
  return entry;
}

async function main(): Promise<void> {
  nav();
  if (params.has('n')) $<HTMLInputElement>('n').value = params.get('n')!;
  setupDrawing();
  setupPhoto();
  const [rt, manifest, info] = await Promise.all([getRuntime(), loadManifest(), dataInfo()]);
  state.rt = rt;
  const test = await loadSplit('t10k');
  state.test = test;
  $<HTMLInputElement>('n').max = String(test.n);
  const notes: string[] = [];
  if (manifest.models.some((m) => m.provisional))
    notes.push(
      `Provisional models: ${manifest.note ?? 'quick stand-ins trained with the CLI'}. Their accuracies are far below what full training reaches.`,
    );
  if (info.subset) notes.push(`This static build bundles a subset of Fashion-MNIST: ${info.source}.`);
  if (notes.length) {
    $('provisional').hidden = false;
    $('provisional').textContent = notes.join(' ');
  }
  const gallery = $('gallery');
  for (let i = 0; i < 32; i++) {
    const c = document.createElement('canvas');
    c.width = c.height = 28;
    c.title = CLASSES[test.labels[i]];
    drawGray(c, test.images.subarray(i * 784, (i + 1) * 784));
    c.addEventListener('click', () => void classifyTest(i));
    gallery.appendChild(c);
  }
  const entries = [...manifest.models];
  const sent = sentFromTrainPage();
  if (sent) entries.push(sent);
  for (const e of entries) {
    setStatus(`Loading ${e.name} (${entries.indexOf(e) + 1} / ${entries.length})…`);
    state.models.push(await loadModel(rt, e));
  }
  setStatus(`${state.models.length} models on ${adapterLine(rt)}`);
  $('eval').addEventListener('click', () => void evaluate().catch((e) => showError((e as Error).message)));
  await classifyTest(0);
  if (params.get('autorun') === '1') {
    for (let i = 0; i < 20; i++) state.results.push(await classifyTest(i));
    await evaluate();
  }
  (window as any).__classifyDone = true;
}

main().catch((e) => {
  showError((e as Error).message);
  (window as any).__classifyDone = true;
  (window as any).__classifyError = (e as Error).message;
});
