// onnxruntime-web as a bench engine: its WebGPU execution provider, and its WASM (CPU) provider as the no-GPU
// reference. The network is our inference graph (batch-norm folded, activations fused: what slimgpu compiles)
// written by the library's ONNX exporter (`exportOnnx`, opset 19) with the same weights; its input and output keep
// our NHWC layout, so outputs compare element for element.
//
// Browser only (the page): `wasmUrl` is where the page serves ORT's .wasm from node_modules (Vite `?url`), so
// nothing is fetched from a CDN. Build used: the default `onnxruntime-web` bundle (JSEP: WebGPU EP + WASM EP).

import type * as ORT from 'onnxruntime-web';
import type { Graph } from '../src/graph/ir.js';
import { optimizeForInference } from '../src/graph/passes.js';
import { exportOnnx } from '../src/io/onnx/export.js';
import type { Engine } from './peers.js';

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
  return {
    ort,
    info: { version: ort.env.versions?.web ?? 'unknown', wasmThreads: ort.env.wasm.numThreads as number, crossOriginIsolated: isolated },
  };
}

/** The ONNX model the ORT peers run for `graph`: one input and one output, named as in `graph`, NHWC. */
export function ortModelBytes(graph: Graph): Uint8Array {
  return exportOnnx(optimizeForInference(graph).graph, { name: 'slimgpu-bench' });
}

/** ORT-web with one execution provider: 'webgpu' or 'wasm'. */
export async function ortEngine(ep: 'webgpu' | 'wasm', wasmUrl: string): Promise<Engine> {
  const { ort, info } = await loadOrt(wasmUrl);
  return {
    name: ep === 'webgpu' ? 'ort-webgpu' : 'ort-wasm',
    version: `${info.version}${ep === 'wasm' ? ` (${info.wasmThreads} thread${info.wasmThreads > 1 ? 's' : ''})` : ''}`,
    async load(graph, onnx) {
      // a user's ONNX file as it is; else our export of the graph (NHWC in and out, like ours)
      const bytes = onnx?.bytes ?? ortModelBytes(graph);
      const session = await ort.InferenceSession.create(bytes, { executionProviders: [ep], graphOptimizationLevel: 'all' });
      const shape = onnx?.inputShape ?? graph.shape(graph.inputs[0]);
      const input = onnx?.inputName ?? session.inputNames[0];
      const output = onnx?.outputName ?? session.outputNames[0];
      return {
        async run(x) {
          const out = await session.run({ [input]: new ort.Tensor('float32', x, shape) });
          return out[output].data as Float32Array;
        },
        gpuBytes: () => null,
        dispose: () => session.release(),
      };
    },
  };
}
