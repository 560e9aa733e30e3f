// onnxruntime-web as a bench engine: its WebGPU execution provider, and its WASM (CPU) provider as the no-GPU
// reference. The network is written to ONNX from our graph (onnx_minimal.ts) with the same weights; input and
// output are NHWC like ours, so outputs compare element for element.
//
// Browser only (the page): `wasmUrl` is where the page serves ORT's .wasm from node_modules (Vite `?url`), so
// nothing is fetched from a CDN. Build used: the default `onnxruntime-web` bundle (JSEP: WebGPU EP + WASM EP).

import type * as ORT from 'onnxruntime-web';
import type { Engine } from './peers.js';
import { exportOnnxMinimal } from './onnx_minimal.js';

export interface OrtInfo {
  version: string;
  wasmThreads: number;
  crossOriginIsolated: boolean;
}

let ortModule: Promise<typeof ORT> | null = null;

export async function loadOrt(wasmUrl: string): Promise<{ ort: typeof ORT; info: OrtInfo }> {
  ortModule ??= import('onnxruntime-web').then((m: any) => (m.InferenceSession ? m : m.default));
  const ort = await ortModule;
  ort.env.wasm.wasmPaths = { wasm: wasmUrl };
  // threads need a cross-origin-isolated page (COOP/COEP headers, set by the Vite config); else one thread
  const isolated = !!(globalThis as any).crossOriginIsolated;
  ort.env.wasm.numThreads = isolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency ?? 1)) : 1;
  ort.env.logLevel = 'error';
  return { ort, info: { version: ort.env.versions?.web ?? 'unknown', wasmThreads: ort.env.wasm.numThreads as number, crossOriginIsolated: isolated } };
}

/** ORT-web with one execution provider: 'webgpu' or 'wasm'. */
export async function ortEngine(ep: 'webgpu' | 'wasm', wasmUrl: string): Promise<Engine> {
  const { ort, info } = await loadOrt(wasmUrl);
  return {
    name: ep === 'webgpu' ? 'ort-webgpu' : 'ort-wasm',
    version: `${info.version}${ep === 'wasm' ? ` (${info.wasmThreads} thread${info.wasmThreads > 1 ? 's' : ''})` : ''}`,
    async load(graph) {
      const bytes = exportOnnxMinimal(graph);
      const session = await ort.InferenceSession.create(bytes, { executionProviders: [ep], graphOptimizationLevel: 'all' });
      const shape = graph.shape(graph.inputs[0]);
      return {
        async run(x) {
          const out = await session.run({ input: new ort.Tensor('float32', x, shape) });
          return out.output.data as Float32Array;
        },
        gpuBytes: () => null,
        dispose: () => session.release(),
      };
    },
  };
}
