// slimgpu bench --suite core | --model NAME … (flags: BENCH_PEERS in bench_flags.ts). Our latency next to the peers'
// on the same adapter in the same run (see bench/peers.ts).
//   --where node     this process, Dawn (the `webgpu` package); peers: tfjs
//   --where browser  the bench page (demos/bench/) in headless Chromium driven by Playwright; peers: tfjs, ort,
//                    ort-wasm (the default when ORT is asked for: onnxruntime-web's WebGPU EP needs a browser)
// The JSON (one object: env + models) is the same document the page offers for download.

import { CORE_SUITE, benchModel, formatTable, pretune, slimgpuEngine, type Engine, type ModelResult } from '../peers.js';
import { measureCeilings, type Ceilings } from '../micro.js';
import { profileLayers } from '../profile.js';
import { SlimError } from '../../src/runtime/errors.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { checkModelSize, specFromFlags } from '../../src/cli/checks.js';
import { tuneFromFlags } from '../../src/cli/commands/run.js';
import { parseOrHelp } from '../../src/cli/flags.js';
import { BENCH_PEERS, PEERS } from './bench_flags.js';

export { PEERS };

export interface BenchDocument {
  schema: 'slimgpu-bench/1';
  date: string;
  env: Record<string, unknown>;
  settings: Record<string, unknown>;
  models: ModelResult[];
  [extra: string]: unknown;
}

async function packageVersion(name: string): Promise<string> {
  const fs = await import('node:fs');
  const read = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8'));
  try {
    const own = read(`${process.cwd()}/package.json`);
    if (name === 'slimgpu' && own.name === 'slimgpu') return own.version;
  } catch {
    // not run from the checkout: fall through
  }
  try {
    // package.json directly (some packages, onnxruntime-web among them, do not export it)
    return read(`${process.cwd()}/node_modules/${name}/package.json`).version;
  } catch {
    return 'unknown';
  }
}

export async function nodeEnv(rt: Runtime): Promise<Record<string, unknown>> {
  const os = await import('node:os');
  return {
    runtime: 'node-dawn',
    adapter: rt.ctx.adapter,
    node: process.version,
    dawn: `webgpu@${await packageVersion('webgpu')} (dawn.node)`,
    cpu: `${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}`,
    platform: `${os.platform()} ${os.release()}`,
    versions: {
      slimgpu: await packageVersion('slimgpu'),
      '@tensorflow/tfjs-core': await packageVersion('@tensorflow/tfjs-core'),
      '@tensorflow/tfjs-backend-webgpu': await packageVersion('@tensorflow/tfjs-backend-webgpu'),
      'onnxruntime-web': await packageVersion('onnxruntime-web'),
    },
  };
}

export function parsePeers(v: unknown, dflt: string[]): string[] {
  const peers =
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : dflt;
  for (const p of peers)
    if (!(PEERS as readonly string[]).includes(p)) throw new SlimError(`unknown peer '${p}' (known: ${PEERS.join(', ')})`);
  return peers;
}

/** The Node/Dawn path: slimgpu and tfjs in this process. */
export async function benchInNode(
  specs: ReturnType<typeof specFromFlags>[],
  peers: string[],
  opts: { runs: number; warmup: number; tune: ReturnType<typeof tuneFromFlags>; micro?: boolean; profile?: boolean },
): Promise<BenchDocument> {
  const unsupported = peers.filter((p) => p !== 'tfjs');
  if (unsupported.length) throw new SlimError(`peer(s) ${unsupported.join(', ')} need --where browser (onnxruntime-web runs in the page)`);
  const rt = await Runtime.create();
  try {
    // --tune measure: variants are measured first on a separate runtime, then benchmarked from the cache, so the
    // cold start stays a cold start (pipelines compiled) without the tuning runs in it
    const engines: Engine[] = [slimgpuEngine(rt, opts.tune === 'measure' ? 'cached' : opts.tune)];
    if (peers.includes('tfjs')) {
      const { tfjsEngine } = await import('../tfjs_peer.js');
      engines.push(await tfjsEngine());
    }
    const ceilings = opts.micro ? await measureCeilings(rt) : null;
    if (ceilings)
      console.error(
        `ceilings: f32 ${ceilings.f32_gflops} GFLOP/s, int8 ${ceilings.int8_gops ?? '-'} Gop/s, ${ceilings.bandwidth_gbps} GB/s`,
      );
    const models: ModelResult[] = [];
    const profiles: unknown[] = [];
    for (const spec of specs) {
      if (opts.tune === 'measure') {
        console.error(`${spec.model}: measuring kernel variants…`);
        await pretune(spec, () => Runtime.create());
      }
      models.push(await benchModel(spec, engines, { runs: opts.runs, warmup: opts.warmup, log: (l) => console.error(l) }));
      if (opts.profile) profiles.push(await profileLayers(rt, spec, ceilings, opts.tune === 'measure' ? 'cached' : opts.tune));
    }
    return {
      schema: 'slimgpu-bench/1',
      date: new Date().toISOString(),
      env: await nodeEnv(rt),
      settings: { runs: opts.runs, warmup: opts.warmup, tune: opts.tune, protocol: 'cold start, warm-up, then interleaved rounds; median' },
      ceilings,
      models,
      profiles,
    };
  } finally {
    rt.destroy();
  }
}

export async function benchPeers(argv: string[]): Promise<number> {
  const p = parseOrHelp(BENCH_PEERS, argv);
  if (!p) return 0;
  const { flags, given } = p;
  if (given.has('onnx')) return (await import('./bench_onnx.js')).benchOnnx(flags, given);
  if (given.has('shape')) throw new SlimError('bench: --shape gives the input shapes of an --onnx FILE; give --onnx too');
  if (flags.suite !== undefined && flags.suite !== 'core') throw new SlimError(`this bench knows --suite core (got '${flags.suite}')`);
  if (flags.suite === undefined && flags.model === undefined)
    throw new SlimError('bench needs --suite core or --model NAME (see slimgpu bench --help)');
  if (flags.suite !== undefined && flags.model !== undefined) throw new SlimError('bench: --suite core and --model NAME are alternatives');
  const specs = flags.model !== undefined ? [specFromFlags(flags)] : CORE_SUITE;
  for (const s of specs) checkModelSize(s, 'inference');
  const peers = parsePeers(flags.peers, ['tfjs']);
  const where = (flags.where as string | undefined) ?? (peers.some((p) => p.startsWith('ort')) ? 'browser' : 'node');
  if (flags.screenshot !== undefined && where !== 'browser')
    throw new SlimError('--screenshot is taken of the bench page: it needs --where browser');
  const opts = { runs: flags.runs as number, warmup: flags.warmup as number, tune: tuneFromFlags(flags) };
  let doc: BenchDocument;
  if (where === 'node') doc = await benchInNode(specs, peers, { ...opts, micro: !!flags.micro, profile: !!flags.profile });
  else {
    const { benchInBrowser } = await import('../headless.js');
    const screenshot = typeof flags.screenshot === 'string' ? flags.screenshot : undefined;
    doc = await benchInBrowser(specs, peers, {
      ...opts,
      tuneVariants: opts.tune === 'measure',
      profile: !!flags.profile,
      micro: !!flags.micro,
      screenshot,
    });
  }
  const text = JSON.stringify(doc, null, 2);
  if (typeof flags.out === 'string') {
    const fs = await import('node:fs');
    const path = await import('node:path');
    fs.mkdirSync(path.dirname(path.resolve(flags.out)), { recursive: true });
    fs.writeFileSync(flags.out, text);
  }
  if (flags.json) console.log(text);
  else {
    const a = doc.env.adapter as any;
    console.log(
      `adapter: ${a?.vendor} ${a?.architecture} ${a?.description} (${doc.env.runtime}); median of ${opts.runs} runs after ${opts.warmup} warm-up`,
    );
    console.log(formatTable(doc.models));
    const c = doc.ceilings as Ceilings | null | undefined;
    if (c)
      console.log(
        `ceilings: f32 ${c.f32_gflops} GFLOP/s, int8 dot4I8Packed ${c.int8_gops ?? '-'} Gop/s, bandwidth ${c.bandwidth_gbps} GB/s (ridge ${c.ridge_flop_per_byte} FLOP/B)`,
      );
    for (const p of (doc.profiles as any[] | undefined) ?? []) {
      const t = p.totals;
      console.log(
        `${p.model} ×${p.batch}: ${p.layers.length} layers, ${t.ms} ms GPU, ${t.gflops} GFLOP/s, ${t.gbps} GB/s, intensity ${t.intensity} FLOP/B`,
      );
    }
  }
  return 0;
}
