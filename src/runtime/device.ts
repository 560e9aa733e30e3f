// One entry point to a GPUDevice, in browsers (navigator.gpu) and in Node (Dawn's `webgpu` package).
//
// In Node, when no adapter is found and Debian Chromium's SwiftShader Vulkan driver is installed, we point the
// Vulkan loader at it (VK_ICD_FILENAMES) and retry: a GPU-less laptop or CI machine still gets real WebGPU.
// On Linux a machine with no Vulkan driver at all is recognised before Dawn is loaded (no ICD manifest in the
// loader's search paths), and goes to SwiftShader directly: asking the system loader first only prints
// "vkCreateInstance: Found no drivers!" and a Dawn source path on stderr. A real driver, or a VK_ICD_FILENAMES /
// VK_DRIVER_FILES the user set, is left alone.
// Optional features (timestamp-query, subgroups, shader-f16) are requested only when the adapter has them, and
// the adapter's own buffer limits are requested so large models are not capped by WebGPU's defaults.

import { SlimError } from './errors.js';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const DEFAULT_DAWN_FLAGS = ['disable-dawn-features=timestamp_quantization'];
const OPTIONAL_FEATURES = ['timestamp-query', 'subgroups', 'shader-f16'] as GPUFeatureName[];

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isSwiftShader: boolean;
  runtime: string; // 'browser' | 'node-dawn'
}

export interface GpuContext {
  device: GPUDevice;
  adapter: AdapterSummary;
  features: Set<string>;
  wgslFeatures: Set<string>;
  limits: GPUSupportedLimits;
  hasTimestamps: boolean;
  hasDot4I8: boolean; // WGSL language feature packed_4x8_integer_dot_product
  /** Resolves with the reason when the device is lost; `ensureAlive()` throws after that. */
  lost: Promise<string>;
  isLost: boolean;
  /** Whether QuietWait naps before awaiting GPU work (Node/Dawn; see ContextOptions.quietWait). */
  quietWait: boolean;
  ensureAlive(): void;
  destroy(): void;
}

export interface ContextOptions {
  /** Use this device instead of creating one (its adapter info is read from `adapterInfo` when given). */
  device?: GPUDevice;
  adapterInfo?: GPUAdapterInfo;
  powerPreference?: GPUPowerPreference;
  /** Node only: use SwiftShader even when another adapter exists. */
  forceSwiftShader?: boolean;
  /**
   * Node only: Dawn instance flags. Default: timestamps at full resolution (browsers quantize them to guard
   * against timing attacks; a benchmark in Node has no reason to). 'enable-dawn-features=disable_robustness'
   * is an experiment switch, never a default.
   */
  dawnFlags?: string[];
  /**
   * Node only: let the CPU sleep through most of a job's expected GPU time before awaiting it (see QuietWait).
   * Default true in Node (SLIMGPU_QUIET_WAIT=0 in the environment turns it off); browsers never need it.
   */
  quietWait?: boolean;
}

/** What slimgpu uses of the Dawn `webgpu` package (imported by a computed name, so typed here, not from the package). */
interface DawnModule {
  create(flags: string[]): GPU;
  globals: object;
}

/** globalThis's members that differ between Node and browsers (either may be missing). */
const globalScope = globalThis as { window?: unknown; navigator?: Navigator };

let nodeGpu: { gpu: GPU; module: DawnModule } | null = null;

/** True in Node (Dawn), false in browsers. */
export function isNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node && typeof globalScope.window === 'undefined';
}

async function fileExists(path: string): Promise<boolean> {
  const fsName = 'node:fs';
  const fs = await import(/* @vite-ignore */ fsName);
  return fs.existsSync(path);
}

// Dawn instances are made once per process (per flag set and driver choice) and reused: creating and dropping
// instances while devices of another are alive crashed dawn.node on an NVIDIA driver ("std::system_error").
/** The Vulkan loader's manifest folders on Linux (its documented search order, user and system). */
function icdFolders(env: Record<string, string | undefined>): string[] {
  const data = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':');
  const config = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':');
  const home = env.HOME ? [env.XDG_CONFIG_HOME || `${env.HOME}/.config`, env.XDG_DATA_HOME || `${env.HOME}/.local/share`] : [];
  return [...home, ...config, '/etc', ...data, '/usr/local/share', '/usr/share'].filter(Boolean).map((d) => `${d}/vulkan/icd.d`);
}

/**
 * Node on Linux: true when the Vulkan loader would find no driver (no *.json manifest in its folders) and
 * nobody chose one (VK_ICD_FILENAMES / VK_DRIVER_FILES unset). Then SwiftShader is the only adapter there is.
 */
export async function noVulkanDriver(env: Record<string, string | undefined> = process.env): Promise<boolean> {
  if (process.platform !== 'linux' || env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES || env.VK_ADD_DRIVER_FILES) return false;
  const fsName = 'node:fs';
  const fs = await import(/* @vite-ignore */ fsName);
  for (const d of icdFolders(env)) {
    try {
      if (fs.readdirSync(d).some((f: string) => f.endsWith('.json'))) return false;
    } catch {
      // no such folder
    }
  }
  return true;
}

const nodeInstances = new Map<string, GPU>();

function nodeInstance(mod: DawnModule, flags: string[], swiftshader: boolean): GPU {
  const key = `${swiftshader}|${flags.join(' ')}`;
  let gpu = nodeInstances.get(key);
  if (!gpu) {
    if (swiftshader) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    gpu = mod.create(flags);
    nodeInstances.set(key, gpu);
  }
  return gpu;
}

/** Node: the Dawn GPU object slimgpu's contexts come from (null before the first createContext), for peers such
 * as tfjs that should use the same instance and adapter. */
export function nodeGpuObject(): GPU | null {
  return nodeGpu?.gpu ?? null;
}

async function nodeAdapter(opts: ContextOptions): Promise<GPUAdapter> {
  // decided before Dawn loads: a machine without any Vulkan driver goes to SwiftShader without the loader's noise
  if (!opts.forceSwiftShader && (await noVulkanDriver()) && (await fileExists(SWIFTSHADER_ICD))) opts = { ...opts, forceSwiftShader: true };
  const modName = 'webgpu';
  let mod: DawnModule;
  try {
    mod = (await import(/* @vite-ignore */ modName)) as DawnModule;
  } catch {
    throw new SlimError('no WebGPU in Node: the npm package "webgpu" (Dawn) is not installed; run `npm install`');
  }
  Object.assign(globalThis, mod.globals);
  const req = { powerPreference: opts.powerPreference ?? 'high-performance' } as GPURequestAdapterOptions;
  const flags = opts.dawnFlags ?? DEFAULT_DAWN_FLAGS;
  // once the process has fallen back to SwiftShader, VK_ICD_FILENAMES points at it: go there directly
  const onSwiftShader = opts.forceSwiftShader || process.env.VK_ICD_FILENAMES === SWIFTSHADER_ICD;
  if (!onSwiftShader) {
    const gpu = nodeInstance(mod, flags, false);
    const a = await gpu.requestAdapter(req);
    if (a) {
      nodeGpu = { gpu, module: mod };
      return a;
    }
  }
  if (!(await fileExists(SWIFTSHADER_ICD))) {
    throw new SlimError(
      `no WebGPU adapter found and no SwiftShader fallback (${SWIFTSHADER_ICD} is missing): ` +
        'install a GPU driver with Vulkan, or `apt-get install chromium libvulkan1` for the CPU fallback',
    );
  }
  const gpu = nodeInstance(mod, flags, true);
  const a = await gpu.requestAdapter(req);
  if (!a) {
    throw new SlimError(
      `no WebGPU adapter even with SwiftShader (${SWIFTSHADER_ICD}); is libvulkan1 installed? (apt-get install libvulkan1)`,
    );
  }
  nodeGpu = { gpu, module: mod };
  return a;
}

function summarize(info: GPUAdapterInfo | undefined, runtime: string): AdapterSummary {
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const description = info?.description ?? '';
  return {
    vendor,
    architecture,
    device: info?.device ?? '',
    description,
    isSwiftShader: /swiftshader/i.test(`${vendor} ${architecture} ${description}`),
    runtime,
  };
}

/** The WGSL language features of the GPU object in use (navigator.gpu or Dawn's). */
function wgslFeaturesOf(gpu: GPU | undefined): Set<string> {
  const f: WGSLLanguageFeatures | undefined = gpu?.wgslLanguageFeatures;
  return new Set<string>(f ? [...f] : []);
}

export async function createContext(opts: ContextOptions = {}): Promise<GpuContext> {
  let device: GPUDevice;
  let info: GPUAdapterInfo | undefined;
  let gpu: GPU | undefined;
  const runtime = isNode() ? 'node-dawn' : 'browser';
  if (opts.device) {
    device = opts.device;
    info = opts.adapterInfo ?? device.adapterInfo;
    gpu = isNode() ? nodeGpu?.gpu : globalScope.navigator?.gpu;
  } else {
    let adapter: GPUAdapter | null;
    if (isNode()) {
      adapter = await nodeAdapter(opts);
      gpu = nodeGpu!.gpu;
    } else {
      gpu = globalScope.navigator?.gpu;
      if (!gpu) throw new SlimError('this browser has no WebGPU (navigator.gpu is missing; it needs a secure context: https or localhost)');
      adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
      if (!adapter) throw new SlimError('navigator.gpu.requestAdapter() returned null: WebGPU is disabled or unsupported here');
    }
    info = adapter.info;
    const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter!.features.has(f));
    const l = adapter.limits;
    const requiredLimits: Record<string, number> = {
      maxBufferSize: l.maxBufferSize,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    };
    device = await adapter.requestDevice({ requiredFeatures, requiredLimits, label: 'slimgpu' });
  }
  const features = new Set<string>([...device.features]);
  const wgslFeatures = wgslFeaturesOf(gpu);
  const ctx: GpuContext = {
    device,
    adapter: summarize(info, runtime),
    features,
    wgslFeatures,
    limits: device.limits,
    hasTimestamps: features.has('timestamp-query'),
    hasDot4I8: wgslFeatures.has('packed_4x8_integer_dot_product'),
    isLost: false,
    quietWait: opts.quietWait ?? (runtime === 'node-dawn' && process.env.SLIMGPU_QUIET_WAIT !== '0'),
    lost: device.lost.then((l) => {
      ctx.isLost = true;
      return `${l.reason}: ${l.message}`;
    }),
    ensureAlive() {
      if (ctx.isLost) throw new SlimError('the GPU device was lost; create a new context with createContext() and compile again');
    },
    destroy() {
      device.destroy();
    },
  };
  device.addEventListener('uncapturederror', (ev: Event) => {
    const err = (ev as GPUUncapturedErrorEvent).error;
    console.error(`slimgpu: uncaptured GPU error: ${err.message}`);
  });
  return ctx;
}

/**
 * Awaiting GPU work without starving the GPU of CPU, in Node.
 *
 * dawn.node resolves its promises (mapAsync, onSubmittedWorkDone, popErrorScope) from a setImmediate loop that
 * calls wgpuInstanceProcessEvents for as long as any of them is pending: the main thread stays runnable for the
 * whole wait. On SwiftShader the "GPU" is the CPU's own worker threads, so on 2 cores that loop takes a third of
 * the machine from the kernels (measured: docs/results/node-vs-chromium). Chromium waits in its GPU process
 * without spinning.
 *
 * So one job (a compiled graph's run, say) is awaited like this: right after the submit, sleep on a timer for
 * ~85% of the job's expected duration — while no dawn.node promise is pending, nothing spins — then ask for the
 * promise. The estimate is the fastest of the last 8 measured durations (submit → resolved); when the wait after
 * the nap was immediate the work may have ended much earlier, so the estimate is also halved to find the true time
 * again (the next run then waits out the rest of its job: a correct duration). A wrong estimate costs at most the
 * overshoot of one nap; no estimate yet (the first run) means no nap.
 * Before, the estimate was the last duration, shrunk by 10% after an immediate wait: after one run slowed by a
 * burst of other load, every following run napped ~85% of that slow time and came down by only 10% a run, so
 * one burst inflated the next ~15 runs (a 2 ms model timed 148, 133, 120, … 69 ms in a row;
 * docs/results/predictor/README.md).
 */
export class QuietWait {
  /** Expected submit → resolved time of this job, ms (0: unknown). */
  estimateMs = 0;
  /** The last durations (submit → resolved), newest last. */
  private recent: number[] = [];
  constructor(private ctx: Pick<GpuContext, 'quietWait'>) {}

  /**
   * Naps (Node) until ~85% of the expected time since `submittedAt` (performance.now() at the submit) has
   * passed, then runs `wait`, which creates and awaits the dawn.node promises (mapAsync, onSubmittedWorkDone).
   */
  async after<T>(wait: () => Promise<T>, submittedAt = performance.now()): Promise<T> {
    if (!this.ctx.quietWait) return wait();
    const t0 = submittedAt;
    const nap = t0 + this.estimateMs * 0.85 - 1 - performance.now();
    if (nap >= 1) await new Promise((r) => setTimeout(r, nap));
    const t1 = performance.now();
    const out = await wait();
    const t2 = performance.now();
    this.recent.push(t2 - t0);
    if (this.recent.length > 8) this.recent.shift();
    const fastest = Math.min(...this.recent);
    this.estimateMs = nap >= 1 && t2 - t1 < 1 ? Math.min(fastest, this.estimateMs * 0.5) : fastest;
    return out;
  }
}
