// The manifest of shipped models (models/manifest.json, schema slimgpu-models/1) and checkpoints fetched from
// /models/ or made in the page. The checkpoint format itself (decodeCheckpoint, encodeCheckpoint,
// checkpointWeights, applyWeights) is the library's browser-safe src/train/checkpoint_codec.ts.

import {
  decodeCheckpoint,
  MANIFEST_SCHEMA,
  type Checkpoint,
  type ModelsManifest,
  type ShippedModel,
} from '../../src/train/checkpoint_codec.js';

export type { ShippedModel };

export async function loadManifest(): Promise<ModelsManifest> {
  const r = await fetch('/models/manifest.json');
  // the dev server answers a missing file with the site's index.html (status 200): check the type too
  if (!r.ok || !(r.headers.get('content-type') ?? '').includes('json'))
    throw new Error(`no shipped models (/models/manifest.json is missing); train them with 'bash scripts/train_demo_models.sh'`);
  const doc = (await r.json()) as ModelsManifest;
  if (doc.schema !== MANIFEST_SCHEMA) throw new Error(`models/manifest.json: schema '${doc.schema}', expected ${MANIFEST_SCHEMA}`);
  return doc;
}

const ckCache = new Map<string, Promise<Checkpoint>>();

/** sessionStorage key under which the train page hands a checkpoint to the classify page. */
export const SENT_KEY = 'slimgpu-sent-model';

/** A checkpoint made in the page (not under /models/), fetchable by `file` from now on. */
export function registerCheckpoint(file: string, ck: Checkpoint): void {
  ckCache.set(file, Promise.resolve(ck));
}
export function fetchCheckpoint(file: string): Promise<Checkpoint> {
  let p = ckCache.get(file);
  if (!p) {
    p = fetch(`/models/${file}`).then(async (r) => {
      if (!r.ok || (r.headers.get('content-type') ?? '').includes('html'))
        throw new Error(`cannot fetch models/${file} (${r.ok ? 'missing' : r.status})`);
      return decodeCheckpoint(new Uint8Array(await r.arrayBuffer()), file);
    });
    ckCache.set(file, p);
  }
  return p;
}

export function download(bytes: Uint8Array | string, name: string, type = 'application/octet-stream'): void {
  const blob = new Blob([bytes as BlobPart], { type });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
