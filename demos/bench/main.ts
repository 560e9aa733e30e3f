// The device benchmark page. A person picks models, batches and peers and presses Run; `slimgpu bench
// --where browser` opens the same page headless with the choices in the URL and `autorun=1`, then reads
// `window.__benchResult` (the JSON document this page also offers for download).
//
// URL parameters (all optional): models=mobilenet_v1,shufflenet  batches=1,4  peers=tfjs,ort,ort-wasm
//   precisions=fp32,int8,binary,block-sparse  runs=5  warmup=1  res=224  micro=0|1  profile=0|1  tune=0|1  autorun=1
//   shapes=x=1x3x224x224 (input shapes of an ONNX file, which the person or `slimgpu bench --onnx` gives through the
//   file picker or a drop: then that file is the one network, on slimgpu and the ORT peers)
// Defaults are light (two small CNNs, batch 1, 3 runs) so that a laptop without a GPU finishes in about a minute;
// the page shows a rough time estimate for the current choices before running.

import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import pkg from '../../package.json';
import { round } from '../../src/models/measure.js';
import { measureCeilings, type Ceilings } from '../../bench/micro.js';
import { benchModel, benchNetwork, pretune, slimgpuEngine, type Engine, type ModelResult } from '../../bench/peers.js';
import { profileGraph, profileLayers, type ProfileResult } from '../../bench/profile.js';
import { loadUserOnnx, onnxInputs, parseShapeList, seededOnnxInputs } from '../../src/io/onnx/user_model.js';
import { UnsupportedOpsError } from '../../src/io/onnx/import.js';
import { DT } from '../../src/io/onnx/proto.js';
import { buildModel, MODEL_NAMES, type ModelSpec } from '../../src/models/zoo.js';
import { compile } from '../../src/graph/executor.js';
import { compress, type CompressOptions } from '../../src/compress/compress.js';
import { createRuntime, NO_WEBGPU, showError, watchLoss } from '../shared/gpu.js';
import { nav } from '../shared/nav.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { destroyCharts, ENGINE_COLORS, latencyBars, layerBars, roofline } from './charts.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const DEFAULT_MODELS = ['cnn_tiny', 'cnn_small'];
const PRECISIONS: Record<string, CompressOptions> = {
  int8: { quantize: 'int8' },
  binary: { quantize: 'binary' },
  'block-sparse': { prune: { sparsity: 0.9, block: [4, 4] } },
};

interface BenchDoc {
  schema: 'slimgpu-bench/1';
  date: string;
  env: Record<string, unknown>;
  settings: Record<string, unknown>;
  ceilings: Ceilings | null;
  models: ModelResult[];
  profiles: ProfileResult[];
}

let lastDoc: BenchDoc | null = null;
/** The ONNX file picked or dropped on the page (then it is the network benchmarked). */
let onnxFile: { name: string; bytes: Uint8Array } | null = null;

function log(line: string): void {
  console.log(line); // the headless CLI relays the page's console as progress
  const el = $('log');
  el.textContent += `${new Date().toISOString().slice(11, 19)} ${line}\n`;
  el.scrollTop = el.scrollHeight;
  ((window as any).__benchLog ??= []).push(line);
}

function setupControls(): void {
  const box = $('models');
  const chosen = (params.get('models') ?? DEFAULT_MODELS.join(',')).split(',');
  for (const m of MODEL_NAMES) {
    const label = document.createElement('label');
    label.innerHTML = `<input type="checkbox" name="model" value="${m}" ${chosen.includes(m) ? 'checked' : ''}/> ${m}`;
    box.appendChild(label);
  }
  if (params.has('precisions')) {
    const p = params.get('precisions')!.split(',');
    document.querySelectorAll<HTMLInputElement>('input[name=precision]').forEach((c) => (c.checked = p.includes(c.value)));
  }
  if (params.has('peers')) {
    const peers = params.get('peers')!.split(',');
    document.querySelectorAll<HTMLInputElement>('input[name=peer]').forEach((c) => (c.checked = peers.includes(c.value)));
  }
  for (const k of ['batches', 'res', 'runs', 'warmup']) if (params.has(k)) $<HTMLInputElement>(k).value = params.get(k)!;
  for (const k of ['micro', 'profile', 'tune']) if (params.has(k)) $<HTMLInputElement>(k).checked = params.get(k) === '1';
}

/** A whole number in [lo, hi] from a text field, or a clear error naming the field and what was typed. */
function whole(what: string, raw: string, lo: number, hi: number): number {
  const t = raw.trim();
  const v = Number(t);
  if (t === '' || !Number.isInteger(v) || v < lo || v > hi) throw new Error(`${what}: '${raw}' is not a whole number from ${lo} to ${hi}`);
  return v;
}

function readChoices() {
  const checked = (name: string) =>
    Array.from(document.querySelectorAll<HTMLInputElement>(`input[name=${name}]:checked`)).map((c) => c.value);
  const models = checked('model');
  if (models.length === 0 && !params.has('specs') && !onnxFile) throw new Error('pick at least one model');
  const precisions = checked('precision');
  if (precisions.length === 0) throw new Error('pick at least one precision');
  const batchText = $<HTMLInputElement>('batches').value;
  const batches = batchText.split(',').map((s) => whole('batches', s, 1, 1024));
  const resText = $<HTMLInputElement>('res').value;
  const res = resText.trim() === '' ? undefined : whole('resolution', resText, 8, 1024);
  return {
    models,
    precisions,
    peers: checked('peer'),
    batches,
    res,
    runs: whole('timed runs', $<HTMLInputElement>('runs').value, 1, 1000),
    warmup: whole('warm-up', $<HTMLInputElement>('warmup').value, 0, 1000),
    micro: $<HTMLInputElement>('micro').checked,
    profile: $<HTMLInputElement>('profile').checked,
    tune: $<HTMLInputElement>('tune').checked,
  };
}

/** slimgpu on a compressed form of each model (int8, binary, 90% block-sparse): compared with slimgpu fp32. */
function compressedEngine(rt: Runtime, precision: string): Engine {
  return {
    name: `slimgpu-${precision}`,
    version: pkg.version,
    async load(graph) {
      const c = await compress(graph, { ...PRECISIONS[precision], runtime: rt });
      const m = await compile(rt, c.graph);
      return { run: async (x) => (await m.run([x]))[0], gpuBytes: () => m.peakGpuBytes, dispose: () => m.destroy() };
    },
  };
}

async function engines(
  rt: Runtime,
  peers: string[],
  precisions: string[] = ['fp32'],
): Promise<{ list: Engine[]; versions: Record<string, string> }> {
  const list: Engine[] = [slimgpuEngine(rt, 'cached', pkg.version)];
  for (const p of precisions) if (p !== 'fp32') list.push(compressedEngine(rt, p));
  const versions: Record<string, string> = { slimgpu: pkg.version };
  if (peers.includes('tfjs')) {
    try {
      const { tfjsEngine } = await import('../../bench/tfjs_peer.js');
      const e = await tfjsEngine();
      list.push(e);
      versions['@tensorflow/tfjs'] = e.version;
    } catch (e) {
      log(`TensorFlow.js WebGPU unavailable: ${(e as Error).message}`);
    }
  }
  for (const [peer, ep] of [
    ['ort', 'webgpu'],
    ['ort-wasm', 'wasm'],
  ] as const) {
    if (!peers.includes(peer)) continue;
    try {
      const { ortEngine } = await import('../../bench/ort_peer.js');
      const e = await ortEngine(ep, ortWasmUrl);
      list.push(e);
      versions['onnxruntime-web'] = e.version.split(' ')[0];
    } catch (e) {
      log(`onnxruntime-web ${ep} unavailable: ${(e as Error).message}`);
    }
  }
  return { list, versions };
}

async function run(): Promise<void> {
  let c: ReturnType<typeof readChoices>;
  try {
    c = readChoices();
  } catch (e) {
    $('status').textContent = ` ${(e as Error).message}`;
    $('status').className = 'error';
    (window as any).__benchResult = { error: (e as Error).message };
    return;
  }
  $('status').className = '';
  $<HTMLButtonElement>('run').disabled = true;
  $('status').textContent = ' running…';
  const t0 = performance.now();
  let rt: Runtime;
  try {
    rt = await createRuntime();
  } catch (e) {
    showError((e as Error).message);
    $('status').textContent = ` ${(e as Error).message}`;
    $('status').className = 'error';
    (window as any).__benchResult = { error: (e as Error).message };
    $<HTMLButtonElement>('run').disabled = false;
    return;
  }
  let finished = false;
  watchLoss(rt, () => finished);
  try {
    const a = rt.ctx.adapter;
    const { list, versions } = await engines(rt, c.peers, c.precisions);
    const env = {
      runtime: a.runtime,
      adapter: a,
      user_agent: navigator.userAgent,
      hardware_concurrency: navigator.hardwareConcurrency,
      features: [...rt.ctx.features].sort(),
      timestamps: rt.ctx.hasTimestamps,
      dot4I8Packed: rt.ctx.hasDot4I8,
      cross_origin_isolated: !!(globalThis as any).crossOriginIsolated,
      versions,
      engines: list.map((e) => `${e.name} ${e.version}`),
    };
    $('env').textContent = `adapter: ${a.vendor} ${a.architecture} ${a.description} · ${env.engines.join(' · ')}`;
    let ceilings: Ceilings | null = null;
    if (c.micro) {
      log('measuring adapter ceilings (FMA, dot4I8Packed, bandwidth)…');
      ceilings = await measureCeilings(rt);
      log(`ceilings: f32 ${ceilings.f32_gflops} GFLOP/s, int8 ${ceilings.int8_gops ?? '-'} Gop/s, ${ceilings.bandwidth_gbps} GB/s`);
    }
    const models: ModelResult[] = [];
    const profiles: ProfileResult[] = [];
    const onnx = onnxFile ? await benchOnnx(rt, onnxFile, list, c, ceilings) : null;
    if (onnx) {
      models.push(onnx.result);
      if (onnx.profile) profiles.push(onnx.profile);
    }
    // `specs` (JSON, from `slimgpu bench --where browser`) names exact model specs; else models × batches
    const specs: ModelSpec[] = params.has('specs')
      ? JSON.parse(params.get('specs')!)
      : c.models.flatMap((model) => c.batches.map((batch) => ({ model, batch, ...(c.res ? { res: c.res } : {}) })));
    for (const spec of onnx ? [] : specs) {
      if (c.tune) {
        log(`${spec.model}: measuring kernel variants on this adapter (cached in localStorage)…`);
        await pretune(spec, () => Runtime.create());
      }
      models.push(await benchModel(spec, list, { runs: c.runs, warmup: c.warmup, log }));
      if (c.profile) profiles.push(await profileLayers(rt, spec, ceilings));
      render({ models, profiles, ceilings });
    }
    lastDoc = {
      schema: 'slimgpu-bench/1',
      date: new Date().toISOString(),
      env,
      settings: { ...c, protocol: 'cold start, warm-up, then interleaved rounds; median', wall_s: round((performance.now() - t0) / 1000) },
      ceilings,
      models,
      profiles,
      ...(onnx ? { onnx: onnx.info } : {}),
    };
    render(lastDoc);
    $<HTMLButtonElement>('download').disabled = false;
    $('status').textContent = ` done in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
    (window as any).__benchResult = lastDoc;
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    log(`error: ${msg}`);
    $('status').textContent = ` error: ${msg}`;
    $('status').className = 'error';
    (window as any).__benchResult = { error: msg, ...(e instanceof UnsupportedOpsError ? { unsupported_ops: e.ops } : {}) };
  } finally {
    finished = true;
    rt.destroy();
    $<HTMLButtonElement>('run').disabled = false;
  }
}

/** The picked ONNX file on slimgpu and the ORT peers (TensorFlow.js and compressed forms run zoo models only). */
async function benchOnnx(
  rt: Runtime,
  file: { name: string; bytes: Uint8Array },
  list: Engine[],
  c: ReturnType<typeof readChoices>,
  ceilings: Ceilings | null,
): Promise<{ result: ModelResult; profile: ProfileResult | null; info: Record<string, unknown> }> {
  const shapes = parseShapeList($<HTMLInputElement>('onnx-shapes').value, 'input shapes');
  const m = loadUserOnnx(file.bytes, shapes, file.name, 'input shapes');
  if (m.inputs.length !== 1 || m.inputs[0].dtype !== DT.FLOAT)
    throw new Error(
      `${file.name}: the peer comparison takes models with one float input (this one has ${m.inputs.map((i) => i.name).join(', ')})`,
    );
  const out = m.outputs.find((o) => o.output === 0);
  if (!out) throw new Error(`${file.name}: no computed output to compare`);
  const [input] = seededOnnxInputs(m);
  const engines = list.filter((e) => e.name === 'slimgpu' || e.name.startsWith('ort-'));
  const batch = m.inputs[0].shape[0] ?? 1;
  log(
    `${file.name}: ${file.bytes.length} bytes, opset ${m.opset}, input ${m.inputs[0].name} [${m.inputs[0].shape}], output ${out.name} [${out.shape}]`,
  );
  const result = await benchNetwork(
    {
      label: file.name,
      spec: { model: file.name, batch },
      batch,
      graph: m.graph,
      input,
      onnx: { bytes: file.bytes, inputName: m.inputs[0].name, inputShape: m.inputs[0].shape, outputName: out.name },
    },
    engines,
    { runs: c.runs, warmup: c.warmup, log },
  );
  const profile = c.profile ? await profileGraph(rt, m.graph, file.name, batch, ceilings) : null;
  const info = {
    file: file.name,
    bytes: file.bytes.length,
    opset: m.opset,
    input: m.inputs[0],
    output: { name: out.name, shape: out.shape },
  };
  return { result, profile, info };
}

/** A file from the picker or a drop becomes the network (its inputs shown; the shapes field prefilled). */
async function takeOnnxFile(f: File | null | undefined): Promise<void> {
  const info = $('onnx-info');
  if (!f) return;
  const bytes = new Uint8Array(await f.arrayBuffer());
  try {
    const inputs = onnxInputs(bytes);
    onnxFile = { name: f.name, bytes };
    info.textContent = `${f.name} (${(bytes.length / 1024).toFixed(1)} KiB): inputs ${inputs.map((i) => `${i.name} [${i.dims.join(',')}]`).join(', ')}`;
    info.className = '';
    $<HTMLButtonElement>('onnx-clear').disabled = false;
    const shapes = $<HTMLInputElement>('onnx-shapes');
    if (!shapes.value.trim() && !params.has('shapes'))
      shapes.value = inputs
        .map((i) => `${i.name}=${i.dims.map((d, k) => (typeof d === 'number' ? d : k === 0 ? 1 : '?')).join('x')}`)
        .join(',');
  } catch (e) {
    onnxFile = null;
    info.textContent = `${f.name}: ${(e as Error).message}`;
    info.className = 'error';
  }
  (window as any).__onnxReady = true;
  estimate();
}

function setupOnnx(): void {
  if (params.has('shapes')) $<HTMLInputElement>('onnx-shapes').value = params.get('shapes')!;
  const input = $<HTMLInputElement>('onnx-file');
  input.addEventListener('change', () => void takeOnnxFile(input.files?.[0]));
  const drop = $('onnx-drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    void takeOnnxFile(e.dataTransfer?.files?.[0]);
  });
  $('onnx-clear').addEventListener('click', () => {
    onnxFile = null;
    input.value = '';
    $('onnx-info').textContent = 'none: the zoo models run';
    $<HTMLButtonElement>('onnx-clear').disabled = true;
    estimate();
  });
}

const fmtBytes = (b: number | null) => (b === null ? '–' : `${(b / 2 ** 20).toFixed(1)} MiB`);

function render(doc: { models: ModelResult[]; profiles: ProfileResult[]; ceilings: Ceilings | null }): void {
  const engines = [...new Set(doc.models.flatMap((m) => Object.keys(m.engines)))];
  const head = [
    'model',
    'batch',
    'engine',
    'median ms',
    'min–max ms',
    'p90 ms',
    'cold start ms',
    'img/s',
    'GFLOP/s',
    'GB/s',
    'peak GPU mem',
    'max |Δ| vs ours',
    'ours ÷ this',
  ];
  const rows: string[] = [];
  for (const m of doc.models) {
    for (const e of engines) {
      const r = m.engines[e];
      if (!r) continue;
      const ours = m.engines.slimgpu;
      const ratio = e !== 'slimgpu' && ours && r.median_ms ? ours.median_ms / r.median_ms : null;
      const target = e === 'tfjs-webgpu' ? 1 / 3 : e === 'ort-webgpu' ? 1 / 2 : null;
      const cls = ratio === null || target === null ? '' : ratio <= target ? 'win' : 'lose';
      rows.push(
        `<tr data-engine="${e}"><td>${m.model}</td><td>${m.batch}</td><td><span style="color:${ENGINE_COLORS[e] ?? '#333'}">■</span> ${e}</td>` +
          (r.error
            ? `<td colspan="10">failed: ${r.error}</td>`
            : `<td class="median">${r.median_ms.toFixed(2)}</td><td>${r.min_ms.toFixed(1)}–${r.max_ms.toFixed(1)}</td><td>${r.p90_ms.toFixed(1)}</td>` +
              `<td>${r.first_run_ms.toFixed(0)}</td><td>${r.images_per_s.toFixed(2)}</td><td>${r.gflops.toFixed(3)}</td><td>${(r.gbps ?? NaN).toFixed(3)}</td><td>${fmtBytes(r.peak_gpu_bytes)}</td>` +
              `<td>${e === 'slimgpu' ? '–' : r.max_abs_diff.toExponential(1) + ` (rel ${r.max_rel_diff.toExponential(1)})`}</td>` +
              `<td class="${cls}">${ratio === null ? '–' : ratio.toFixed(3) + (target ? ` (target ≤ ${target.toFixed(2)})` : '')}</td>`) +
          '</tr>',
      );
    }
  }
  $('table').innerHTML =
    `<table id="results"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
  const bars = $('bars');
  const layers = $('layers');
  const roof = $('roofline');
  for (const el of [bars, layers, roof]) destroyCharts(el);
  bars.replaceChildren(
    latencyBars(
      doc.models.map((m) => ({
        label: `${m.model} ×${m.batch}`,
        values: Object.fromEntries(Object.entries(m.engines).map(([k, r]) => [k, r.error ? null : r.median_ms])),
      })),
    ),
  );
  layers.replaceChildren();
  roof.replaceChildren();
  for (const p of doc.profiles) {
    const h = document.createElement('h3');
    h.textContent = `${p.model} ×${p.batch}: ${p.layers.length} layers, ${p.totals.ms} ms GPU (${p.method}), ${p.totals.gflops} GFLOP/s, ${p.totals.gbps} GB/s`;
    layers.appendChild(h);
    layers.appendChild(layerBars(p.layers));
    if (doc.ceilings) {
      const h2 = document.createElement('h3');
      h2.textContent = `${p.model} ×${p.batch}`;
      roof.appendChild(h2);
      roof.appendChild(roofline(p.layers, doc.ceilings));
    }
  }
  if (!doc.ceilings) roof.innerHTML = '<p class="muted">Tick “adapter ceilings” to measure the roofs.</p>';
}

function download(): void {
  if (!lastDoc) return;
  const blob = new Blob([JSON.stringify(lastDoc, null, 2)], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `slimgpu-bench-${lastDoc.date.replace(/[:.]/g, '-')}.json`;
  a.click();
  URL.revokeObjectURL(a.href);
}

// Rough time estimate for the current choices: network FLOPs at a guessed adapter speed plus each engine's cold
// start (pipelines, shader compilation), as seen on SwiftShader (2 cores) and scaled down for a real GPU.
const COLD_S: Record<string, number> = { slimgpu: 2, tfjs: 20, ort: 15, 'ort-wasm': 1 };
let adapterSpeed: { gflops: number; slow: boolean } | null = null;

function estimate(): void {
  const el = $('estimate');
  let c: ReturnType<typeof readChoices>;
  try {
    c = readChoices();
  } catch (e) {
    el.textContent = (e as Error).message;
    return;
  }
  const speed = adapterSpeed ?? { gflops: 3, slow: true };
  const scale = speed.slow ? 1 : 0.1;
  let s = c.micro ? 15 * scale : 0;
  const engines = ['slimgpu', ...c.peers, ...c.precisions.filter((p) => p !== 'fp32').map(() => 'slimgpu')];
  for (const model of c.models) {
    let macs: number;
    try {
      macs = buildModel({ model, batch: 1, ...(c.res ? { res: c.res } : {}) }).macs();
    } catch {
      continue;
    }
    for (const b of c.batches) {
      const perRun = (2 * macs * b) / (speed.gflops * 1e9);
      for (const e of engines)
        s +=
          COLD_S[e] * scale * Math.max(1, (2 * macs) / 1e9) +
          (c.runs + c.warmup + 1) * perRun * (e === 'ort-wasm' ? 0.1 : e === 'slimgpu' ? 1 : 4);
      if (c.profile) s += 2 * perRun + scale;
    }
  }
  const t = s < 90 ? `${Math.ceil(s)} s` : `${(s / 60).toFixed(1)} min`;
  el.textContent = `Rough estimate for these choices on this adapter: ~${t} (${c.models.length} model(s) × ${c.batches.length} batch size(s) × ${engines.length} engine(s); assumes ~${speed.gflops} GFLOP/s${speed.slow ? ', CPU emulation' : ''}). Large models on SwiftShader take minutes each.`;
}

nav();
setupControls();
setupOnnx();
document.getElementById('controls')!.addEventListener('input', estimate);
document.getElementById('controls')!.addEventListener('change', estimate);
estimate();
navigator.gpu?.requestAdapter().then((a) => {
  const slow = !a || (a as any).isFallbackAdapter || /swiftshader/i.test(`${a.info.vendor} ${a.info.architecture}`);
  adapterSpeed = { gflops: slow ? 3 : 300, slow };
  estimate();
});
$('run').addEventListener('click', () => void run());
$('download').addEventListener('click', download);
if (!('gpu' in navigator)) showError(NO_WEBGPU);
if (params.get('autorun') === '1') void run();
