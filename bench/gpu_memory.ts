// Engine-neutral GPU memory accounting for the benchmark: GPUDevice.prototype.createBuffer and
// GPUBuffer.prototype.destroy are wrapped (once, process-wide) to keep a count of live buffer bytes and its
// high-water mark, whichever engine — slimgpu, TensorFlow.js, onnxruntime-web — allocates. A benchmark marks
// the count before loading one engine's model and reads the peak after that model's first runs: the engine's
// own peak GPU memory for the model, measured the same way for everyone. (Buffers dropped without destroy()
// stay counted until destroyed, so engines that leak look bigger, which is fair. Textures are not counted:
// none of these engines uses them for compute.)

interface State {
  live: number;
  peak: number;
}
let state: State | null = null;

/** Install the wrappers (idempotent). False where WebGPU's classes are not globals (yet). */
export function installGpuMemoryTracker(): boolean {
  if (state) return true;
  const D = (globalThis as any).GPUDevice;
  const B = (globalThis as any).GPUBuffer;
  if (!D?.prototype?.createBuffer || !B?.prototype?.destroy) return false;
  const s: State = { live: 0, peak: 0 };
  const sizes = new WeakMap<object, number>();
  const create = D.prototype.createBuffer;
  D.prototype.createBuffer = function (this: GPUDevice, desc: GPUBufferDescriptor) {
    const buf = create.call(this, desc);
    const size = Number(desc?.size ?? 0);
    sizes.set(buf, size);
    s.live += size;
    s.peak = Math.max(s.peak, s.live);
    return buf;
  };
  const destroy = B.prototype.destroy;
  B.prototype.destroy = function (this: GPUBuffer) {
    const size = sizes.get(this);
    if (size !== undefined) {
      sizes.delete(this);
      s.live -= size;
    }
    return destroy.call(this);
  };
  state = s;
  return true;
}

/** Start a measurement; the returned function gives the peak bytes allocated on top of the live bytes now. */
export function markGpuMemory(): (() => number) | null {
  const s = state;
  if (!s) return null;
  const base = s.live;
  s.peak = s.live;
  return () => Math.max(0, s.peak - base);
}
