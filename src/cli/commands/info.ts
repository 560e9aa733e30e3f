// slimgpu info: the adapter, its features and the limits that matter to this runtime.

import { createContext } from '../../runtime/device.js';
import { parseOrHelp, type CommandSpec } from '../flags.js';

const LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'minStorageBufferOffsetAlignment',
] as const;

export const INFO: CommandSpec = {
  name: 'info',
  summary: 'the WebGPU adapter slimgpu uses, its features and the limits that matter here',
  flags: { json: { type: 'boolean', help: 'print the report as JSON' } },
  examples: ['slimgpu info --json'],
};

export async function adapterReport() {
  const ctx = await createContext();
  const limits: Record<string, number> = {};
  for (const l of LIMITS) limits[l] = (ctx.limits as unknown as Record<string, number>)[l];
  const report = {
    adapter: ctx.adapter,
    features: [...ctx.features].sort(),
    wgsl_features: [...ctx.wgslFeatures].sort(),
    dot4I8Packed: ctx.hasDot4I8,
    timestamps: ctx.hasTimestamps,
    limits,
  };
  ctx.destroy();
  return report;
}

export async function info(argv: string[]): Promise<number> {
  const p = parseOrHelp(INFO, argv);
  if (!p) return 0;
  const r = await adapterReport();
  if (p.flags.json) console.log(JSON.stringify(r, null, 2));
  else {
    console.log(`adapter: ${r.adapter.vendor} ${r.adapter.architecture} ${r.adapter.description} (${r.adapter.runtime})`);
    console.log(`features: ${r.features.join(' ')}`);
    console.log(`wgsl: ${r.wgsl_features.join(' ')}`);
    for (const [k, v] of Object.entries(r.limits)) console.log(`${k}: ${v}`);
  }
  return 0;
}
