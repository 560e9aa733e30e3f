// Train live: plain, KD from the shipped teacher (τ, α editable) or deep mutual learning (2–4 peers), on this
// browser's GPU, with the library's step graphs (src/train/distill.ts buildStepGraph) and a page-side loop (the
// library's train() loop reads data and writes checkpoints with node:fs). Live loss and accuracy (a fixed slice of
// the training images and a held-out slice of the test set), images/s, ETA; start / pause / resume; the
// checkpoint downloads in the CLI's format or goes to the classify page.
//
// URL parameters: mode=plain|kd|dml peers=K model=M limit=N holdout=N batch=B epochs=E every=S steps=S (stop
// after S steps) autorun=1. Results: window.__train.

import { Chart } from '../shared/chart.js';
import { compile, type CompiledGraph } from '../../src/graph/executor.js';
import { buildModel, type ModelSpec } from '../../src/models/zoo.js';
import { buildStepGraph, type StepGraph, type StepKind } from '../../src/train/step_graph.js';
import { DEFAULT_OPTIM, hyperFor, type OptimConfig } from '../../src/train/optim.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { epochOrder, fillBatch, limitSplit, NO_AUGMENT, type Split } from '../../src/io/fashion_mnist_codec.js';
import {
  applyWeights,
  checkpointWeights,
  encodeCheckpoint,
  type Checkpoint,
  type CheckpointMeta,
} from '../../src/train/checkpoint_codec.js';
import { download, fetchCheckpoint, loadManifest, SENT_KEY } from '../shared/ckpt.js';
import { dataInfo, inOrderBatches, loadSplit } from '../shared/data.js';
import { adapterLine, getRuntime, showError } from '../shared/gpu.js';
import { nav } from '../shared/nav.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const COLORS = ['#1976d2', '#e65100', '#2e7d32', '#6a1b9a'];
const SEED = 1;

interface Settings {
  mode: 'plain' | 'kd' | 'dml';
  model: string;
  tau: number;
  alpha: number;
  peers: number;
  limit: number;
  holdout: number;
  epochs: number;
  batch: number;
  lr: number;
  every: number;
  maxSteps: number;
}

interface Run {
  s: Settings;
  sg: StepGraph;
  compiled: CompiledGraph;
  opt: OptimConfig;
  train: Split;
  scoreTrain: Split;
  held: Split;
  step: number;
  totalSteps: number;
  stepsPerEpoch: number;
  images: number;
  /** time in the step runs alone (upload, one command buffer, loss read-back) */
  seconds: number;
  /** time in the training loop: the steps plus the page's own work per step (batch, charts, stats); not scoring or pauses */
  loopSeconds: number;
  paused: boolean;
  resume?: () => void;
  done: boolean;
}

const result: any = { steps: 0, losses: [] as number[][], accuracy: [] as any[], imagesPerS: 0, done: false };
(window as any).__train = result;
let run: Run | null = null;
let lossChart: Chart, accChart: Chart;

function readSettings(): Settings {
  const num = (id: string, lo: number, hi: number, int = true): number => {
    const raw = $<HTMLInputElement>(id).value.trim();
    const v = Number(raw);
    if (raw === '' || !Number.isFinite(v) || (int && !Number.isInteger(v)) || v < lo || v > hi)
      throw new Error(`${id}: '${raw}' is not ${int ? 'a whole number' : 'a number'} from ${lo} to ${hi}`);
    return v;
  };
  const mode = document.querySelector<HTMLInputElement>('input[name=mode]:checked')!.value as Settings['mode'];
  const s: Settings = {
    mode,
    model: $<HTMLSelectElement>('model').value,
    tau: num('tau', 0.1, 100, false),
    alpha: num('alpha', 0, 1, false),
    peers: num('peers', 2, 4),
    limit: num('limit', 1, 60000),
    holdout: num('holdout', 1, 10000),
    epochs: num('epochs', 1, 1000),
    batch: num('batch', 1, 512),
    lr: num('lr', 1e-6, 10, false),
    every: num('every', 1, 1e6),
    maxSteps: params.has('steps') ? Number(params.get('steps')) : Infinity,
  };
  if (s.limit < s.batch) throw new Error(`training images (${s.limit}) must be at least one batch (${s.batch})`);
  return s;
}

function makeCharts(): void {
  const common = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false as const,
    parsing: false as const,
    scales: { x: { type: 'linear' as const, min: 0, title: { display: true, text: 'step' } } },
  };
  lossChart = new Chart($<HTMLCanvasElement>('loss-chart'), {
    type: 'line',
    data: { datasets: [] },
    options: { ...common, elements: { point: { radius: 0 } } },
  });
  accChart = new Chart($<HTMLCanvasElement>('acc-chart'), {
    type: 'line',
    data: { datasets: [] },
    options: { ...common, scales: { ...common.scales, y: { min: 0, max: 1, title: { display: true, text: 'accuracy' } } } },
  });
}

function names(s: Settings): string[] {
  return s.mode === 'dml' ? Array.from({ length: s.peers }, (_, k) => `peer ${k}`) : [s.mode === 'kd' ? `${s.model} (KD)` : s.model];
}

function resetCharts(s: Settings): void {
  const n = names(s);
  lossChart.data.datasets = n.map((label, k) => ({
    label,
    data: [],
    borderColor: COLORS[k],
    backgroundColor: COLORS[k],
    borderWidth: 1.5,
  }));
  accChart.data.datasets = n.flatMap((label, k) => [
    { label: `${label} train`, data: [], borderColor: COLORS[k], backgroundColor: COLORS[k], borderDash: [4, 3] },
    { label: `${label} held-out`, data: [], borderColor: COLORS[k], backgroundColor: COLORS[k] },
  ]);
  lossChart.update();
  accChart.update();
}

async function teacherGraph(batch: number): Promise<ModelSpec & { graph: ReturnType<typeof buildModel> }> {
  const manifest = await loadManifest();
  const t = manifest.models.find((m) => m.role === 'teacher');
  if (!t) throw new Error('no teacher in models/manifest.json (role "teacher")');
  const ck = await fetchCheckpoint(t.file);
  const spec = { ...(ck.meta.model as ModelSpec), batch };
  const g = buildModel(spec);
  applyWeights(g, checkpointWeights(ck), 'teacher');
  return { ...spec, graph: g };
}

async function prepare(rt: Runtime, s: Settings): Promise<Run> {
  const [trainAll, test] = await Promise.all([loadSplit('train'), loadSplit('t10k')]);
  const train = limitSplit(trainAll, s.limit);
  const stepsPerEpoch = Math.floor(train.n / s.batch);
  const totalSteps = Math.min(s.epochs * stepsPerEpoch, s.maxSteps);
  const opt: OptimConfig = {
    ...DEFAULT_OPTIM,
    lr: s.lr,
    warmupSteps: Math.min(15, Math.floor(totalSteps / 4)),
    totalSteps: s.epochs * stepsPerEpoch,
  };
  const model = (seed: number) => buildModel({ model: s.model, batch: s.batch, seed });
  let kind: StepKind;
  if (s.mode === 'plain') kind = { kind: 'plain', model: model(SEED) };
  else if (s.mode === 'kd')
    kind = {
      kind: 'kd',
      student: model(SEED),
      teacher: (await teacherGraph(s.batch)).graph,
      tau: s.tau,
      alpha: s.alpha,
      beta: 1 - s.alpha,
    };
  else kind = { kind: 'dml', peers: Array.from({ length: s.peers }, (_, k) => model(SEED + k)) };
  const sg = buildStepGraph(kind, opt);
  const compiled = await compile(rt, sg.graph, { fuse: false });
  return {
    s,
    sg,
    compiled,
    opt,
    train,
    scoreTrain: limitSplit(train, Math.min(train.n, s.holdout)),
    held: limitSplit(test, s.holdout),
    step: 0,
    totalSteps,
    stepsPerEpoch,
    images: 0,
    seconds: 0,
    loopSeconds: 0,
    paused: false,
    done: false,
  };
}

/** The persistent tensors (weights, running statistics, optimizer state) as a checkpoint in the CLI's format. */
async function checkpoint(r: Run): Promise<Checkpoint> {
  const g = r.sg.graph;
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const t of g.tensors) {
    if ((t.role !== 'param' && t.role !== 'state') || t.name.startsWith('teacher/') || !g.isUsed(t.id)) continue;
    tensors.set(t.name, { shape: t.shape, data: await r.compiled.readTensor(t.id) });
  }
  const s = r.s;
  // the CLI's meta (checked by decodeCheckpoint's schema), plus where it was trained and KD's τ, α
  const meta: CheckpointMeta & Record<string, unknown> = {
    format: 'slimgpu-checkpoint',
    mode: s.mode,
    model: { model: s.model },
    peers: r.sg.models.length,
    seed: SEED,
    initSeed: SEED,
    batch: s.batch,
    train_examples: r.train.n,
    opt: r.opt,
    augment: { cropPad: 0, flip: false },
    epochs: s.epochs,
    qat: 'none',
    prune: null,
    teacher_cache: false,
    prune_state: null,
    step: r.step,
    epoch: Math.floor(r.step / r.stepsPerEpoch),
    trained_in: 'browser (demos/train)',
    ...(s.mode === 'kd' ? { tau: s.tau, alpha: s.alpha } : {}),
  };
  return { meta, tensors };
}

async function score(rt: Runtime, ck: Checkpoint, r: Run, k: number): Promise<[number, number]> {
  const g = buildModel({ model: r.s.model, batch: 100 });
  applyWeights(g, checkpointWeights(ck, k), 'scoring');
  const c = await compile(rt, g);
  try {
    const acc = async (split: Split) => {
      let correct = 0;
      for (const { count, images, labels } of inOrderBatches(split, 100)) {
        const [z] = await c.run([images]);
        for (let b = 0; b < count; b++) {
          let best = 0;
          for (let j = 1; j < 10; j++) if (z[b * 10 + j] > z[b * 10 + best]) best = j;
          if (best === labels[b]) correct++;
        }
      }
      return correct / split.n;
    };
    return [await acc(r.scoreTrain), await acc(r.held)];
  } finally {
    c.destroy();
  }
}

async function scoreAll(rt: Runtime, r: Run): Promise<void> {
  const ck = await checkpoint(r);
  const row: any = { step: r.step, train: [], held: [] };
  for (let k = 0; k < r.sg.models.length; k++) {
    const [tr, he] = await score(rt, ck, r, k);
    row.train.push(tr);
    row.held.push(he);
    (accChart.data.datasets[2 * k].data as any[]).push({ x: r.step, y: tr });
    (accChart.data.datasets[2 * k + 1].data as any[]).push({ x: r.step, y: he });
  }
  result.accuracy.push(row);
  accChart.update();
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '–';
  return s < 90 ? `${s.toFixed(0)} s` : s < 5400 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`;
}

function showStats(r: Run): void {
  const ips = r.images / Math.max(r.loopSeconds, 1e-9);
  const stepIps = r.images / Math.max(r.seconds, 1e-9);
  const eta = ((r.totalSteps - r.step) * r.s.batch) / ips;
  const last = result.losses.map((l: number[]) => l[l.length - 1]);
  $('stats').innerHTML =
    `<span><b>step</b> ${r.step} / ${r.totalSteps}</span><span><b>epoch</b> ${Math.min(r.s.epochs, Math.floor(r.step / r.stepsPerEpoch) + 1)} / ${r.s.epochs}</span>` +
    `<span><b>images/s</b> <span id="ips">${ips.toFixed(1)}</span> <span class="muted" title="images ÷ the time in the step runs alone">(steps alone ${stepIps.toFixed(1)})</span></span><span><b>ETA</b> ${r.step >= r.totalSteps ? 'done' : fmtTime(eta)}</span>` +
    `<span><b>loss</b> ${last.map((v: number) => v?.toFixed(3)).join(' / ')}</span>`;
  $<HTMLProgressElement>('progress').value = r.step / r.totalSteps;
  result.imagesPerS = ips;
  result.stepImagesPerS = stepIps;
}

async function loop(rt: Runtime, r: Run): Promise<void> {
  const px = 784;
  const images = new Float32Array(r.s.batch * px);
  const labels = new Float32Array(r.s.batch);
  let order = epochOrder(r.train.n, SEED, 0);
  let orderEpoch = 0;
  while (r.step < r.totalSteps) {
    if (r.paused) {
      $('status').textContent = 'paused';
      await new Promise<void>((res) => (r.resume = res));
      $('status').textContent = 'training…';
    }
    const w0 = performance.now();
    const epoch = Math.floor(r.step / r.stepsPerEpoch);
    if (epoch !== orderEpoch) [order, orderEpoch] = [epochOrder(r.train.n, SEED, epoch), epoch];
    const i0 = (r.step % r.stepsPerEpoch) * r.s.batch;
    fillBatch(r.train, order.subarray(i0, i0 + r.s.batch), NO_AUGMENT, 0, images, labels);
    const t0 = performance.now();
    const outs = await r.compiled.run([images, labels, hyperFor(r.opt, r.step)]);
    r.seconds += (performance.now() - t0) / 1000;
    r.images += r.s.batch;
    r.sg.readouts.forEach((ro, k) => {
      const mean = (a: Float32Array) => a.reduce((x, y) => x + y, 0) / a.length;
      const loss = ro.alpha * mean(outs[ro.ce]) + (ro.kl === undefined ? 0 : ro.klWeight * mean(outs[ro.kl]));
      if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${r.step} (loss ${loss}); lower the learning rate`);
      (result.losses[k] ??= []).push(loss);
      (lossChart.data.datasets[k].data as any[]).push({ x: r.step + 1, y: loss });
    });
    r.step++;
    result.steps = r.step;
    lossChart.update();
    r.loopSeconds += (performance.now() - w0) / 1000;
    showStats(r);
    if (r.step % r.s.every === 0 || r.step === r.totalSteps) await scoreAll(rt, r);
  }
}

async function start(): Promise<void> {
  let s: Settings;
  try {
    s = readSettings();
  } catch (e) {
    $('status').textContent = (e as Error).message;
    return;
  }
  if (run && !run.done) return;
  run?.compiled.destroy();
  const btn = $<HTMLButtonElement>('start');
  btn.disabled = true;
  result.losses = [];
  result.accuracy = [];
  result.done = false;
  try {
    const rt = await getRuntime();
    $('status').textContent = 'preparing (data, step graph, pipelines)…';
    resetCharts(s);
    run = await prepare(rt, s);
    result.settings = s;
    result.models = run.sg.models.length;
    $<HTMLButtonElement>('pause').disabled = false;
    $('status').textContent = `training on ${adapterLine(rt)}…`;
    await loop(rt, run);
    run.done = true;
    result.done = true;
    $('status').textContent = `done: ${run.step} steps, ${result.imagesPerS.toFixed(1)} images/s`;
    $<HTMLButtonElement>('download').disabled = false;
    $<HTMLButtonElement>('send').disabled = false;
  } catch (e) {
    showError((e as Error).message);
    result.error = (e as Error).message;
    if (run) run.done = true;
  } finally {
    btn.disabled = false;
    $<HTMLButtonElement>('pause').disabled = true;
  }
}

function togglePause(): void {
  if (!run || run.done) return;
  run.paused = !run.paused;
  $('pause').textContent = run.paused ? 'Resume' : 'Pause';
  $<HTMLButtonElement>('download').disabled = !run.paused;
  if (!run.paused) run.resume?.();
}

async function doDownload(): Promise<void> {
  if (!run) return;
  const bytes = encodeCheckpoint(await checkpoint(run));
  result.checkpointBytes = bytes.length;
  download(bytes, `${run.s.model}-${run.s.mode}-step${run.step}.ckpt`);
}

async function send(): Promise<void> {
  if (!run) return;
  const ck = await checkpoint(run);
  for (const k of [...ck.tensors.keys()]) if (k.includes('@')) ck.tensors.delete(k); // weights only: small enough for sessionStorage
  const bytes = encodeCheckpoint(ck);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const last = result.accuracy.at(-1);
  const entry = {
    name: `trained here (${run.s.mode}, step ${run.step})`,
    file: `browser-${Date.now()}.ckpt`,
    model: run.s.model,
    precision: 'fp32',
    sparse: false,
    role: run.s.mode === 'plain' ? 'student' : run.s.mode,
    recipe: `demos/train ${JSON.stringify(run.s)}`,
    seed: SEED,
    data: `${run.train.n} training images`,
    test_accuracy: last ? last.held[0] : 0,
    size_bytes: bytes.length,
    date: new Date().toISOString().slice(0, 10),
    provisional: true,
    ...(run.s.mode === 'dml' ? { peer: 0 } : {}),
  };
  sessionStorage.setItem(SENT_KEY, JSON.stringify({ entry, ckpt: btoa(bin) }));
  location.href = '/demos/classify/';
}

async function main(): Promise<void> {
  nav();
  makeCharts();
  for (const k of ['model', 'tau', 'alpha', 'peers', 'limit', 'holdout', 'epochs', 'batch', 'lr', 'every'])
    if (params.has(k)) $<HTMLInputElement>(k).value = params.get(k)!;
  if (params.has('mode'))
    document.querySelectorAll<HTMLInputElement>('input[name=mode]').forEach((i) => (i.checked = i.value === params.get('mode')));
  $('start').addEventListener('click', () => void start());
  $('pause').addEventListener('click', togglePause);
  $('download').addEventListener('click', () => void doDownload());
  $('send').addEventListener('click', () => void send());
  void getRuntime().catch(() => {}); // no WebGPU or no adapter: said on the page now, not at Start
  const info = await dataInfo();
  if (info.subset) {
    $('data-note').hidden = false;
    $('data-note').textContent =
      `This static build bundles a small subset of Fashion-MNIST: ${info.source}. Run 'npm start' for the full 60,000 / 10,000 images.`;
    $<HTMLInputElement>('limit').max = String(info.train);
    $<HTMLInputElement>('holdout').max = String(info.test);
  }
  if (params.get('autorun') === '1') await start();
}

main().catch((e) => {
  showError((e as Error).message);
  result.error = (e as Error).message;
});
