// Loading TensorFlow.js with its WebGPU backend, in a browser or in Node on Dawn (the `webgpu` package), on the
// same physical adapter slimgpu uses. In Node, call this after `Runtime.create()`: that is what points the
// Vulkan loader at SwiftShader when there is no GPU (VK_ICD_FILENAMES), and tfjs's own Dawn instance then
// finds the same adapter.

import type * as TF from '@tensorflow/tfjs-core';
import { isNode, nodeGpuObject } from '../src/runtime/device.js';
import { SlimError } from '../src/runtime/errors.js';
import type { Engine } from './peers.js';
import { buildTfjsModel } from './tfjs_model.js';

export interface TfjsPeer {
  tf: typeof TF;
  version: string;
  backend: string;
  /** GPU bytes tfjs holds: live tensors plus the freed buffers its pool keeps for reuse. */
  gpuBytes(): number;
  /**
   * Destroy the buffers tfjs keeps pooled (not the live ones), so that `gpuBytes()` after the next model's runs
   * is that model's own high-water mark rather than every earlier model's too.
   */
  releasePool(): void;
}

let loaded: Promise<TfjsPeer> | null = null;

export function loadTfjsWebgpu(): Promise<TfjsPeer> {
  loaded ??= (async () => {
    if (isNode() && !(globalThis as any).navigator?.gpu) {
      const name = 'webgpu';
      const mod: any = await import(/* @vite-ignore */ name);
      Object.assign(globalThis, mod.globals);
      // the instance slimgpu already uses (one Dawn instance per process), else a new one
      const gpu = nodeGpuObject() ?? mod.create([]);
      Object.defineProperty(globalThis, 'navigator', {
        value: { ...(globalThis as any).navigator, gpu },
        configurable: true,
        writable: true,
      });
    }
    const core: any = await import('@tensorflow/tfjs-core');
    const tf: typeof TF = core.setBackend ? core : core.default;
    // the backend registers itself at import time only when navigator.gpu exists (hence the order above)
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new SlimError('TensorFlow.js: the webgpu backend failed to initialise');
    await tf.ready();
    return {
      tf,
      version: tf.version_core,
      backend: tf.getBackend(),
      gpuBytes() {
        const m = tf.memory() as any;
        return m.numBytesAllocatedInGPU ?? m.numBytesInGPU ?? m.numBytes;
      },
      releasePool() {
        const bm = (tf.engine().backend as any).bufferManager;
        if (!bm?.freeBuffers) return;
        for (const list of bm.freeBuffers.values()) {
          for (const b of list) {
            bm.numBytesAllocated -= b.size;
            bm.numFreeBuffers--;
            b.destroy();
          }
          list.length = 0;
        }
      },
    };
  })();
  return loaded;
}

/** TensorFlow.js WebGPU as a bench engine (the same network rebuilt from tfjs ops, see tfjs_model.ts). */
export async function tfjsEngine(): Promise<Engine> {
  const peer = await loadTfjsWebgpu();
  peer.releasePool();
  return {
    name: 'tfjs-webgpu',
    version: peer.version,
    async load(graph, onnx) {
      if (onnx) throw new Error('the TensorFlow.js peer runs zoo models only (not ONNX files)');
      const m = buildTfjsModel(peer.tf, graph);
      return {
        run: (x) => m.run(x),
        gpuBytes: () => peer.gpuBytes(),
        dispose: () => {
          m.dispose();
          peer.releasePool(); // the next model starts from an empty pool, so its peak is its own
        },
      };
    },
  };
}
