// The landing page: what WebGPU adapter this browser gives (vendor, architecture, features, limits), and links.
import { NO_WEBGPU, showError } from './shared/gpu.js';

const LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxBindGroups',
  'subgroupMinSize',
  'subgroupMaxSize',
];

async function main(): Promise<void> {
  const el = document.getElementById('adapter')!;
  if (!('gpu' in navigator)) throw new Error(NO_WEBGPU);
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('WebGPU is there but gave no adapter (GPU blocklisted or disabled). Check chrome://gpu.');
  const info = adapter.info;
  const lim = adapter.limits as unknown as Record<string, number>;
  const wgsl = [...((navigator.gpu as any).wgslLanguageFeatures ?? [])].sort();
  const swift = /swiftshader/i.test(`${info.vendor} ${info.architecture} ${info.description}`);
  el.innerHTML =
    `<table id="adapter-table"><tbody>` +
    `<tr><th>vendor</th><td id="vendor">${info.vendor || '–'}</td></tr><tr><th>architecture</th><td id="architecture">${info.architecture || '–'}</td></tr>` +
    `<tr><th>device / description</th><td>${[info.device, info.description].filter(Boolean).join(' · ') || '–'}</td></tr>` +
    `<tr><th>fallback adapter</th><td>${((adapter as any).isFallbackAdapter ?? (info as any).isFallbackAdapter) ? 'yes' : 'no'}</td></tr></tbody></table>` +
    (swift
      ? '<p class="note">This is SwiftShader: WebGPU emulated on the CPU. Everything works, slowly; the pages keep their defaults light.</p>'
      : '') +
    `<h3>Features (${adapter.features.size})</h3><ul id="features">${[...adapter.features]
      .sort()
      .map((f) => `<li>${f}</li>`)
      .join('')}</ul>` +
    `<h3>WGSL language features</h3><p>${wgsl.join(', ') || '–'}</p>` +
    `<h3>Limits</h3><div class="scroll"><table id="limits"><tbody>${LIMITS.filter((k) => lim[k] !== undefined)
      .map((k) => `<tr><th>${k}</th><td>${lim[k].toLocaleString('en')}</td></tr>`)
      .join('')}</tbody></table></div>`;
  (window as any).__home = { vendor: info.vendor, architecture: info.architecture, features: [...adapter.features] };
}

main().catch((e) => {
  document.getElementById('adapter')!.textContent = '';
  showError((e as Error).message);
  (window as any).__home = { error: (e as Error).message };
});
