// scratch microbenchmark: cost of countOneBits vs xor/add vs shifts on SwiftShader (not part of the repo)
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
const { create, globals } = await import('webgpu');
Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = await gpu.requestAdapter();
const device = await adapter.requestDevice();
const body = {
  xor: 'a = a + ((v ^ w) + k);',
  pc: 'a = a + countOneBits((v ^ w) + k);',
  shr: 'a = a + (((v ^ w) + k) >> vec4<u32>(1u));',
  shrc: 'let q = (v ^ w) + k; a = a + ((q >> vec4<u32>(1u)) & vec4<u32>(0x55555555u));',
  mul: 'a = a + ((v ^ w) + k) * vec4<u32>(3u);',
  swar: `let q = (v ^ w) + k; let q1 = q - ((q >> vec4<u32>(1u)) & vec4<u32>(0x55555555u));
    let q2 = (q1 & vec4<u32>(0x33333333u)) + ((q1 >> vec4<u32>(2u)) & vec4<u32>(0x33333333u));
    a = a + ((q2 + (q2 >> vec4<u32>(4u))) & vec4<u32>(0x0f0f0f0fu));`,
  fmul: 'af = af + vf * wf;',
};
function src(b) {
  return `@group(0) @binding(0) var<storage, read_write> y: array<vec4<u32>>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  var a = vec4<u32>(gid.x); var af = vec4<f32>(f32(gid.x));
  let v = vec4<u32>(gid.x * 7u, gid.x * 13u, gid.x, 5u); let w = vec4<u32>(3u, gid.x, 9u, gid.x * 3u);
  let vf = vec4<f32>(v); let wf = vec4<f32>(w);
  for (var k0 = 0u; k0 < 256u; k0++) { let k = vec4<u32>(k0);
    ${b} ${b.replace(/\bk\b/g, '(k + vec4<u32>(1u))')} ${b.replace(/\bk\b/g, '(k + vec4<u32>(2u))')} ${b.replace(/\bk\b/g, '(k + vec4<u32>(3u))')}
  }
  y[gid.x] = a + vec4<u32>(af);
}`;
}
const buf = device.createBuffer({ size: 65536 * 16, usage: GPUBufferUsage.STORAGE });
const pipes = {};
for (const [k, b] of Object.entries(body)) {
  const p = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: src(b) }), entryPoint: 'main' } });
  pipes[k] = { p, bg: device.createBindGroup({ layout: p.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: buf } }] }) };
}
async function run(k) {
  const t0 = performance.now();
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipes[k].p); pass.setBindGroup(0, pipes[k].bg); pass.dispatchWorkgroups(256); pass.end();
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}
const ms = Object.fromEntries(Object.keys(body).map((k) => [k, []]));
for (const k of Object.keys(body)) await run(k);
for (let r = 0; r < 7; r++) for (const k of Object.keys(body)) ms[k].push(await run(k));
for (const [k, v] of Object.entries(ms)) { v.sort((a, b) => a - b); console.log(k.padEnd(6), 'median', v[3].toFixed(2), 'min', v[0].toFixed(2), 'ms'); }
device.destroy();
