// Kernel registry: WGSL source → reflected bindings and uniform layout → cached pipelines → launches.
//
// House rules enforced here (see ../shared/STYLE.md):
//  - binding 0 of group 0 is `var<uniform> params: Params` (when the kernel has parameters); storage buffers follow.
//  - bind-group layouts and uniform byte offsets come from wgsl_reflect; callers name members and bindings,
//    never numbers or offsets.
//  - the workgroup size is the override constant `WG` (x only); kernels index with
//    `let i = invocation_index(gid, nwg);` (common/invocation.wgsl) and guard `if (i >= params.n) { return; }` so `workgroupsFor` can
//    fold a long 1-D launch into a 2-D grid past maxComputeWorkgroupsPerDimension.
//  - a cooperative kernel (its threads share workgroup memory and meet at barriers) is launched by its count of
//    `workgroups` instead; it indexes with `let g = wid.x + wid.y * nwg.x;` (workgroup_id, num_workgroups), folded
//    the same way, and has no early return before its last barrier.
//  - pipelines are created once per (kernel, overrides), asynchronously, labelled with the kernel name.

import { WgslReflect, type MemberInfo, type TypeInfo } from 'wgsl_reflect';
import type { GpuContext } from './device.js';
import { SlimError } from './errors.js';
import { shaderSource } from './shaders.js';

export type Overrides = Record<string, number>;
export type UniformValue = number | readonly number[];
export type Uniforms = Record<string, UniformValue>;
export interface BufferRange {
  buffer: GPUBuffer;
  offset?: number;
  size?: number;
}

type Scalar = 'u32' | 'i32' | 'f32';
interface UniformMember {
  offset: number;
  scalar: Scalar;
  count: number;
}
interface BindingInfo {
  name: string;
  binding: number;
  kind: 'uniform' | 'read' | 'read_write';
}

export interface KernelInfo {
  name: string;
  code: string;
  module: GPUShaderModule;
  entry: string;
  defaultWorkgroupSize: number;
  overrideNames: Set<string>;
  uniform: { size: number; members: Map<string, UniformMember> } | null;
  bindings: BindingInfo[];
  layout: GPUBindGroupLayout;
  pipelineLayout: GPUPipelineLayout;
}

/** A prepared dispatch: pipeline, bind group and grid, ready to be encoded any number of times. */
export interface Launch {
  kernel: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
  /** Uniform buffer owned by this launch (destroyed with it). */
  uniformBuffer: GPUBuffer | null;
}

export type LaunchSpec = {
  overrides?: Overrides;
  uniforms?: Uniforms;
  buffers: Record<string, GPUBuffer | BufferRange>;
} & (
  | {
      /** Total invocations of the 1-D launch; `params.n` defaults to it. */
      invocations: number;
      workgroups?: never;
    }
  | {
      /** Workgroups of a cooperative launch (e.g. one per channel group); `params.n`, if any, is not defaulted. */
      workgroups: number;
      invocations?: never;
    }
);

function scalarOf(typeName: string, format: string | undefined): Scalar {
  const t = format ?? typeName;
  if (t === 'u32' || t === 'i32' || t === 'f32') return t;
  throw new SlimError(`uniform member type '${typeName}<${format}>' is not supported (use u32/i32/f32 scalars or vectors)`);
}

function reflectKernel(device: GPUDevice, name: string): KernelInfo {
  const code = shaderSource(name);
  let r: WgslReflect;
  try {
    r = new WgslReflect(code);
  } catch (e) {
    throw new SlimError(`WGSL kernel '${name}' could not be parsed for reflection: ${(e as Error).message}`);
  }
  const entries = r.entry.compute;
  if (entries.length !== 1) throw new SlimError(`WGSL kernel '${name}' must have exactly one @compute entry point`);
  const entry = entries[0];
  const groups = r.getBindGroups();
  if (groups.length !== 1) throw new SlimError(`WGSL kernel '${name}' must use exactly bind group 0`);
  const bindings: BindingInfo[] = [];
  let uniform: KernelInfo['uniform'] = null;
  for (const v of groups[0]) {
    if (!v) continue;
    if (v.resourceType === 0 /* Uniform */) {
      if (v.binding !== 0 || v.name !== 'params') {
        throw new SlimError(`WGSL kernel '${name}': the uniform must be 'params' at @binding(0)`);
      }
      const members = new Map<string, UniformMember>();
      // a member of struct type (e.g. `geom: ConvGeom`, common/conv_geom.wgsl) is flattened: its members are
      // written by their own names, as if declared in Params
      const addMembers = (list: MemberInfo[], base: number) => {
        for (const m of list) {
          // a StructInfo has members, an ArrayInfo / TemplateInfo a format
          const t = m.type as TypeInfo & { members?: MemberInfo[]; format?: TypeInfo | null };
          if (t.members) {
            addMembers(t.members, base + m.offset);
            continue;
          }
          if (members.has(m.name)) throw new SlimError(`WGSL kernel '${name}': uniform member '${m.name}' is declared twice`);
          const count = t.name.startsWith('vec') ? Number(t.name.slice(3, 4)) : 1;
          members.set(m.name, { offset: base + m.offset, scalar: scalarOf(t.name, t.format?.name), count });
        }
      };
      addMembers((v.type as TypeInfo & { members?: MemberInfo[] }).members ?? [], 0);
      uniform = { size: Math.max(16, Math.ceil(v.size / 16) * 16), members };
      bindings.push({ name: v.name, binding: v.binding, kind: 'uniform' });
    } else if (v.resourceType === 1 /* Storage */) {
      bindings.push({ name: v.name, binding: v.binding, kind: v.access === 'read_write' ? 'read_write' : 'read' });
    } else {
      throw new SlimError(`WGSL kernel '${name}': binding '${v.name}' is not a buffer`);
    }
  }
  bindings.sort((a, b) => a.binding - b.binding);
  const label = name;
  const module = device.createShaderModule({ code, label });
  const layout = device.createBindGroupLayout({
    label,
    entries: bindings.map((b) => ({
      binding: b.binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: b.kind === 'uniform' ? 'uniform' : b.kind === 'read' ? 'read-only-storage' : 'storage' },
    })),
  });
  const pipelineLayout = device.createPipelineLayout({ label, bindGroupLayouts: [layout] });
  return {
    name,
    code,
    module,
    entry: entry.name,
    defaultWorkgroupSize: entry.workgroupSize?.[0] ?? 64,
    overrideNames: new Set(r.overrides.map((o) => o.name)),
    uniform,
    bindings,
    layout,
    pipelineLayout,
  };
}

export class KernelRegistry {
  private infos = new Map<string, KernelInfo>();
  private pipelines = new Map<string, Promise<GPUComputePipeline>>();

  constructor(readonly ctx: GpuContext) {}

  info(name: string): KernelInfo {
    let k = this.infos.get(name);
    if (!k) {
      k = reflectKernel(this.ctx.device, name);
      this.infos.set(name, k);
    }
    return k;
  }

  /** Cached async pipeline creation; shader compile/validation errors are reported with the kernel's name. */
  pipeline(name: string, overrides: Overrides = {}): Promise<GPUComputePipeline> {
    const info = this.info(name);
    for (const o of Object.keys(overrides)) {
      if (!info.overrideNames.has(o)) throw new SlimError(`kernel '${name}' has no override constant '${o}'`);
    }
    const key = `${name}|${Object.keys(overrides)
      .sort()
      .map((k) => `${k}=${overrides[k]}`)
      .join(',')}`;
    let p = this.pipelines.get(key);
    if (!p) {
      const device = this.ctx.device;
      device.pushErrorScope('validation');
      const created = device.createComputePipelineAsync({
        label: name,
        layout: info.pipelineLayout,
        compute: { module: info.module, entryPoint: info.entry, constants: overrides },
      });
      const scope = device.popErrorScope();
      p = Promise.all([created, scope]).then(
        ([pipe, err]) => {
          if (err) throw new SlimError(`kernel '${name}' failed to compile: ${err.message}`);
          return pipe;
        },
        async (e) => {
          await scope;
          const msgs = await info.module.getCompilationInfo().catch(() => null);
          const detail = msgs?.messages.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ');
          throw new SlimError(`kernel '${name}' failed to compile: ${(e as Error).message}${detail ? ` (${detail})` : ''}`);
        },
      );
      this.pipelines.set(key, p);
    }
    return p;
  }

  /** Grid for `invocations` threads of `wg` each, folded into 2-D past the per-dimension limit. */
  workgroupsFor(invocations: number, wg: number): [number, number, number] {
    const n = Math.max(1, Math.ceil(invocations / wg));
    const maxDim = this.ctx.limits.maxComputeWorkgroupsPerDimension;
    if (n <= maxDim) return [n, 1, 1];
    const y = Math.ceil(n / maxDim);
    if (y > maxDim) throw new SlimError(`launch of ${invocations} invocations exceeds the device's dispatch limits`);
    return [maxDim, y, 1];
  }

  /** Encode uniform values by member name, checking every member is given exactly once. */
  packUniforms(name: string, values: Uniforms): ArrayBuffer | null {
    const info = this.info(name);
    if (!info.uniform) {
      if (Object.keys(values).length) throw new SlimError(`kernel '${name}' takes no uniforms`);
      return null;
    }
    const buf = new ArrayBuffer(info.uniform.size);
    const dv = new DataView(buf);
    for (const [key, m] of info.uniform.members) {
      const v = values[key];
      if (v === undefined) throw new SlimError(`kernel '${name}': uniform '${key}' was not given`);
      const arr = typeof v === 'number' ? [v] : v;
      if (arr.length !== m.count) throw new SlimError(`kernel '${name}': uniform '${key}' needs ${m.count} values, got ${arr.length}`);
      arr.forEach((x, i) => {
        const o = m.offset + 4 * i;
        if (m.scalar === 'f32') dv.setFloat32(o, x, true);
        else if (m.scalar === 'i32') dv.setInt32(o, x, true);
        else {
          if (!(x >= 0 && x <= 0xffffffff && Number.isInteger(x)))
            throw new SlimError(`kernel '${name}': uniform '${key}' = ${x} is not a u32`);
          dv.setUint32(o, x, true);
        }
      });
    }
    for (const key of Object.keys(values)) {
      if (!info.uniform.members.has(key)) throw new SlimError(`kernel '${name}' has no uniform '${key}'`);
    }
    return buf;
  }

  async launch(name: string, spec: LaunchSpec): Promise<Launch> {
    const info = this.info(name);
    const overrides = spec.overrides ?? {};
    const pipeline = await this.pipeline(name, overrides);
    const wg = overrides.WG ?? info.defaultWorkgroupSize;
    const invocations = spec.workgroups !== undefined ? spec.workgroups * wg : spec.invocations;
    const uniforms: Uniforms = { ...spec.uniforms };
    if (info.uniform?.members.has('n') && uniforms.n === undefined && spec.invocations !== undefined) uniforms.n = spec.invocations;
    const data = this.packUniforms(name, uniforms);
    const device = this.ctx.device;
    let uniformBuffer: GPUBuffer | null = null;
    if (data) {
      uniformBuffer = device.createBuffer({
        label: `${name}.params`,
        size: data.byteLength,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(uniformBuffer, 0, data);
    }
    const entries: GPUBindGroupEntry[] = [];
    const maxBinding = this.ctx.limits.maxStorageBufferBindingSize;
    for (const b of info.bindings) {
      if (b.kind === 'uniform') {
        entries.push({ binding: b.binding, resource: { buffer: uniformBuffer! } });
        continue;
      }
      const given = spec.buffers[b.name];
      if (!given) throw new SlimError(`kernel '${name}': buffer '${b.name}' was not bound`);
      const range: BufferRange = 'buffer' in given ? given : { buffer: given };
      const size = range.size ?? range.buffer.size - (range.offset ?? 0);
      if (size > maxBinding) {
        throw new SlimError(
          `kernel '${name}': buffer '${b.name}' of ${size} bytes is over the device limit maxStorageBufferBindingSize=${maxBinding}`,
        );
      }
      entries.push({ binding: b.binding, resource: { buffer: range.buffer, offset: range.offset ?? 0, size } });
    }
    for (const key of Object.keys(spec.buffers)) {
      if (!info.bindings.some((b) => b.name === key)) throw new SlimError(`kernel '${name}' has no buffer binding '${key}'`);
    }
    device.pushErrorScope('validation');
    const bindGroup = device.createBindGroup({ label: name, layout: info.layout, entries });
    const err = await device.popErrorScope();
    if (err) throw new SlimError(`kernel '${name}': bind group rejected: ${err.message}`);
    return { kernel: name, pipeline, bindGroup, workgroups: this.workgroupsFor(invocations, wg), uniformBuffer };
  }
}

export function encodeLaunch(pass: GPUComputePassEncoder, l: Launch): void {
  pass.setPipeline(l.pipeline);
  pass.setBindGroup(0, l.bindGroup);
  pass.dispatchWorkgroups(l.workgroups[0], l.workgroups[1], l.workgroups[2]);
}

export function destroyLaunch(l: Launch): void {
  l.uniformBuffer?.destroy();
}
