// Runtime = GPU context + kernel registry + buffer helpers. Everything that touches the GPU goes through one.

import { createContext, type ContextOptions, type GpuContext } from './device.js';
import { SlimError } from './errors.js';
import { KernelRegistry, encodeLaunch, type Launch } from './kernels.js';

// STORAGE | COPY_SRC | COPY_DST. GPUBufferUsage is a global only once a WebGPU implementation is loaded
// (Dawn in Node), so the spec's fixed numbers are used here.
export const STORAGE = 0x80 | 0x4 | 0x8;

/** Buffers of storage usage recycled by exact byte size (eager ops and tests; compiled graphs use a planned arena). */
export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  bytesInUse = 0;
  peakBytes = 0;
  constructor(private device: GPUDevice) {}

  acquire(bytes: number, label = 'pooled'): GPUBuffer {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const list = this.free.get(size);
    const buf = list?.pop() ?? this.device.createBuffer({ label, size, usage: STORAGE });
    this.bytesInUse += size;
    this.peakBytes = Math.max(this.peakBytes, this.bytesInUse);
    return buf;
  }

  release(buf: GPUBuffer): void {
    this.bytesInUse -= buf.size;
    const list = this.free.get(buf.size) ?? [];
    list.push(buf);
    this.free.set(buf.size, list);
  }

  destroy(): void {
    for (const list of this.free.values()) list.forEach((b) => b.destroy());
    this.free.clear();
  }
}

export class Runtime {
  readonly kernels: KernelRegistry;
  readonly pool: BufferPool;

  private constructor(readonly ctx: GpuContext) {
    this.kernels = new KernelRegistry(ctx);
    this.pool = new BufferPool(ctx.device);
  }

  static async create(opts: ContextOptions = {}): Promise<Runtime> {
    return new Runtime(await createContext(opts));
  }

  get device(): GPUDevice {
    return this.ctx.device;
  }

  /** A storage buffer holding `data` (padded to 16 bytes). */
  upload(data: ArrayBufferView, label = 'upload'): GPUBuffer {
    this.ctx.ensureAlive();
    const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
    this.checkSize(size, label);
    const buf = this.device.createBuffer({ label, size, usage: STORAGE, mappedAtCreation: true });
    new Uint8Array(buf.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    buf.unmap();
    return buf;
  }

  createBuffer(bytes: number, label = 'buffer'): GPUBuffer {
    this.ctx.ensureAlive();
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    this.checkSize(size, label);
    return this.device.createBuffer({ label, size, usage: STORAGE });
  }

  checkSize(bytes: number, label: string): void {
    const max = this.ctx.limits.maxBufferSize;
    if (bytes > max) throw new SlimError(`buffer '${label}' of ${bytes} bytes is over the device limit maxBufferSize=${max}`);
  }

  /** Copy `bytes` from `buffer` at `offset` back to the CPU. */
  async read(buffer: GPUBuffer, bytes = buffer.size, offset = 0): Promise<ArrayBuffer> {
    this.ctx.ensureAlive();
    const size = Math.ceil(bytes / 4) * 4;
    const staging = this.device.createBuffer({ label: 'readback', size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = this.device.createCommandEncoder({ label: 'readback' });
    enc.copyBufferToBuffer(buffer, offset, staging, 0, size);
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const out = staging.getMappedRange().slice(0, bytes);
    staging.unmap();
    staging.destroy();
    return out;
  }

  async readF32(buffer: GPUBuffer, count: number, offsetBytes = 0): Promise<Float32Array> {
    return new Float32Array(await this.read(buffer, count * 4, offsetBytes));
  }

  /**
   * Encode launches into one compute pass, submit and wait; GPU validation errors come back naming the
   * kernels involved (`label` says which job).
   */
  async run(launches: Launch[], label = 'run'): Promise<void> {
    this.ctx.ensureAlive();
    const device = this.device;
    device.pushErrorScope('validation');
    const enc = device.createCommandEncoder({ label });
    const pass = enc.beginComputePass({ label });
    for (const l of launches) encodeLaunch(pass, l);
    pass.end();
    device.queue.submit([enc.finish()]);
    const err = await device.popErrorScope();
    if (err) {
      const names = [...new Set(launches.map((l) => l.kernel))].join(', ');
      throw new SlimError(`GPU validation error in '${label}' (kernels: ${names}): ${err.message}`);
    }
    await device.queue.onSubmittedWorkDone();
    this.ctx.ensureAlive();
  }

  destroy(): void {
    this.pool.destroy();
    this.ctx.destroy();
  }
}
