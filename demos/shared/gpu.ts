// One WebGPU runtime per page, with the failures a person can meet said plainly on the page: no WebGPU in this
// browser, no adapter, the device lost mid-way. Once the device is lost, that stays the message shown: the errors
// that follow (a failed run, a read-back) are its consequences.

import { Runtime } from '../../src/runtime/runtime.js';

export const NO_WEBGPU =
  'This browser has no WebGPU (navigator.gpu is missing). Use a recent Chrome or Edge, or Safari/Firefox with WebGPU enabled, over http://localhost or https.';

let current: Promise<Runtime> | null = null;
let lostMessage: string | null = null;

/** Shows `msg` in the page's #gpu-error banner (created when missing). */
export function showError(msg: string): void {
  let el = document.getElementById('gpu-error');
  if (!el) {
    el = document.createElement('div');
    el.id = 'gpu-error';
    el.className = 'error';
    el.setAttribute('role', 'alert');
    document.body.prepend(el);
  }
  el.textContent = lostMessage ?? msg;
  el.hidden = false;
}

/** Says on the page when `rt`'s device is lost, unless `expected()` (the page destroyed it itself). */
export function watchLoss(rt: Runtime, expected: () => boolean = () => false): void {
  void rt.ctx.lost.then((why) => {
    if (expected()) return;
    lostMessage = `The GPU device was lost (${why}). Reload the page to start again.`;
    showError(lostMessage);
  });
}

/** A new runtime, or an error that says why there is none (no navigator.gpu, no adapter). */
export async function createRuntime(): Promise<Runtime> {
  if (!('gpu' in navigator)) throw new Error(NO_WEBGPU);
  try {
    return await Runtime.create();
  } catch (e) {
    throw new Error(`No WebGPU adapter: ${(e as Error).message}`, { cause: e });
  }
}

export function getRuntime(): Promise<Runtime> {
  if (!current) {
    current = (async () => {
      const rt = await createRuntime();
      watchLoss(rt);
      rt.ctx.lost.then(() => (current = null));
      return rt;
    })();
    current.catch((e) => {
      current = null;
      showError((e as Error).message);
    });
  }
  return current;
}

export function adapterLine(rt: Runtime): string {
  const a = rt.ctx.adapter;
  return `${a.vendor || '?'} ${a.architecture || ''} ${a.description || ''}${a.isSwiftShader ? ' (SwiftShader: WebGPU emulated on the CPU)' : ''}`.replace(
    /\s+/g,
    ' ',
  );
}
