// What slimgpu learns about an adapter by measuring it, kept between sessions: one JSON object per cache, keyed by
// adapter (adapterKey) inside. Node: <dir>/<name>.json, dir = $SLIMGPU_CACHE_DIR or .cache/slimgpu under the
// working directory, written atomically (a temporary file renamed over the old one). Browsers: localStorage under
// `slimgpu.<name>`. Used by the tuner (tune.json: kernel-variant choices) and the latency table (latency.json).
// A missing or corrupt cache reads as {}: it only costs a re-measurement.

import { isNode } from './device.js';
import type { Runtime } from './runtime.js';

async function nodeFs(): Promise<{ fs: typeof import('node:fs'); path: typeof import('node:path') }> {
  const a = 'node:fs';
  const b = 'node:path';
  return { fs: await import(/* @vite-ignore */ a), path: await import(/* @vite-ignore */ b) };
}

/** The key a cache files an adapter's measurements under. */
export function adapterKey(rt: Runtime): string {
  const a = rt.ctx.adapter;
  return `${a.vendor}|${a.architecture}|${a.device}|${a.description}|${a.runtime}`;
}

async function cacheFile(name: string): Promise<string> {
  const { path } = await nodeFs();
  const dir = process.env.SLIMGPU_CACHE_DIR ?? path.join(process.cwd(), '.cache', 'slimgpu');
  return path.join(dir, `${name}.json`);
}

/** The whole cache `name` (every adapter's entries); {} when absent or unreadable. */
export async function readAdapterCache<T>(name: string): Promise<Record<string, T>> {
  try {
    if (isNode()) {
      const { fs } = await nodeFs();
      const f = await cacheFile(name);
      return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : {};
    }
    if (typeof localStorage !== 'undefined') return JSON.parse(localStorage.getItem(`slimgpu.${name}`) ?? '{}');
  } catch {
    // a corrupt cache is only a lost measurement
  }
  return {};
}

/** Replaces the cache `name` with `store`. */
export async function writeAdapterCache(name: string, store: object, indent?: number): Promise<void> {
  const text = JSON.stringify(store, null, indent);
  if (isNode()) {
    const { fs, path } = await nodeFs();
    const f = await cacheFile(name);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    const tmp = `${f}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, f);
  } else if (typeof localStorage !== 'undefined') {
    localStorage.setItem(`slimgpu.${name}`, text);
  }
}
