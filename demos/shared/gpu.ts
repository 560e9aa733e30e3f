// One WebGPU runtime per page, with the failures a person can meet said plainly on the page: no WebGPU in this
// browser, no adapter, the device lost mid-way.

import { Runtime } from '../../src/runtime/runtime.js';

let current: Promise<Runtime> | null = null;

/** Shows `msg` in the page's #gpu-error banner (created when missing). */
export function showError(msg: string): void {
  let el = document.getElementById('gpu-error');
  if (!el) {
    el = document.createElement('div');
    el.id = 'gpu-error';
    el.className = 'error';
    document.body.prepend(el);
  }
  el.textContent = msg;
  el.hidden = false;
}

export function getRuntime(): Promise<Runtime> {
  if (!current) {
    current = (async () => {
      if (!('gpu' in navigator))
        throw new Error(
          'This browser has no WebGPU (navigator.gpu is missing). Use a recent Chrome or Edge, or Safari/Firefox with WebGPU enabled, over http://localhost or https.',
        );
      let rt: Runtime;
      try {
        rt = await Runtime.create();
      } catch (e) {
        throw new Error(`No WebGPU adapter: ${(e as Error).message}`, { cause: e });
      }
      rt.ctx.lost.then((why) => {
        current = null;
        showError(`The GPU device was lost (${why}). Reload the page to start again.`);
      });
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
