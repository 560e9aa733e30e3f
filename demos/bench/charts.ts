// Plain-SVG charts for the bench page: grouped latency bars, per-layer time bars, and a log-log roofline.

import type { LayerPoint } from '../../bench/roofline.js';
import type { Ceilings } from '../../bench/micro.js';

const NS = 'http://www.w3.org/2000/svg';
export const ENGINE_COLORS: Record<string, string> = {
  slimgpu: '#1b7f3b',
  'tfjs-webgpu': '#e08a00',
  'ort-webgpu': '#2a62c9',
  'ort-wasm': '#8a8a8a',
  'slimgpu-int8': '#5fb878',
  'slimgpu-binary': '#0d4d22',
  'slimgpu-block-sparse': '#9ccc65',
};
const OP_COLORS: Record<string, string> = {
  conv2d: '#2a62c9',
  depthwise: '#1b7f3b',
  pointwise: '#7b3fc4',
  pool2d: '#e08a00',
  global_pool: '#c94a2a',
  add: '#888',
  concat: '#aa8800',
};

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function svg(w: number, h: number, cls: string): SVGSVGElement {
  return el('svg', { width: w, height: h, viewBox: `0 0 ${w} ${h}`, class: cls });
}

/** Grouped horizontal bars: one group per row label, one bar per engine. */
export function latencyBars(rows: { label: string; values: Record<string, number | null> }[]): SVGSVGElement {
  const engines = [...new Set(rows.flatMap((r) => Object.keys(r.values)))];
  const barH = 14;
  const groupH = engines.length * barH + 12;
  const charW = 6.6; // 11px system-ui, generous
  const left = Math.max(60, ...rows.map((r) => r.label.length * charW + 10)); // room for the longest row label
  const width = 900;
  const legendRows = Math.ceil(engines.length / Math.max(1, Math.floor((width - left) / 170)));
  const s = svg(width, rows.length * groupH + 24 + 16 * legendRows, 'chart-latency');
  const max = Math.max(1e-9, ...rows.flatMap((r) => Object.values(r.values).filter((v): v is number => v !== null && Number.isFinite(v))));
  const scale = (width - left - 10) / max;
  rows.forEach((r, i) => {
    const y0 = 10 + i * groupH;
    s.appendChild(el('text', { x: 4, y: y0 + groupH / 2, 'dominant-baseline': 'middle' }, r.label));
    engines.forEach((e, j) => {
      const v = r.values[e];
      if (v === null || v === undefined || !Number.isFinite(v)) return;
      const y = y0 + j * barH;
      s.appendChild(
        el('rect', { x: left, y, width: Math.max(1, v * scale), height: barH - 2, fill: ENGINE_COLORS[e] ?? '#555', class: 'bar' }),
      );
      // the value goes right of the bar when it fits in the chart, else inside the bar's end (white on the bar)
      const text = `${e} ${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms`;
      const outside = left + v * scale + 4 + text.length * charW <= width;
      s.appendChild(
        el(
          'text',
          outside
            ? { x: left + v * scale + 4, y: y + barH / 2, 'dominant-baseline': 'middle' }
            : { x: left + v * scale - 4, y: y + barH / 2, 'dominant-baseline': 'middle', 'text-anchor': 'end', fill: '#fff' },
          text,
        ),
      );
    });
  });
  const perRow = Math.max(1, Math.floor((width - left) / 170));
  engines.forEach((e, j) => {
    const x = left + (j % perRow) * 170;
    const ly = rows.length * groupH + 26 + 16 * Math.floor(j / perRow);
    s.appendChild(el('rect', { x, y: ly - 9, width: 10, height: 10, fill: ENGINE_COLORS[e] ?? '#555' }));
    s.appendChild(el('text', { x: x + 14, y: ly }, e));
  });
  return s;
}

function opClass(p: LayerPoint): string {
  if (p.op !== 'conv2d') return p.op;
  const k = p.kernels.join(' ');
  if (k.includes('depthwise')) return 'depthwise';
  if (k.includes('pointwise')) return 'pointwise';
  return 'conv2d';
}

/** Per-layer GPU time, in network order (every layer one bar), coloured by kind. */
export function layerBars(points: LayerPoint[]): SVGSVGElement {
  const w = 900;
  const h = 220;
  const left = 50;
  const kinds = [...new Set(points.map(opClass))];
  const perRow = Math.max(1, Math.floor((w - left) / 170));
  const legendRows = Math.ceil(kinds.length / perRow);
  const s = svg(w, h + 44 + 16 * legendRows, 'chart-layers');
  const max = Math.max(1e-9, ...points.map((p) => p.ms));
  const bw = (w - left - 10) / Math.max(1, points.length);
  s.appendChild(el('line', { x1: left, y1: h, x2: w - 10, y2: h, stroke: '#999' }));
  s.appendChild(el('text', { x: 4, y: 12 }, `${max.toFixed(max < 1 ? 3 : 1)} ms`));
  s.appendChild(el('text', { x: 4, y: h }, '0'));
  points.forEach((p, i) => {
    const bh = (p.ms / max) * (h - 20);
    const r = el('rect', {
      x: left + i * bw,
      y: h - bh,
      width: Math.max(1, bw - 1),
      height: bh,
      fill: OP_COLORS[opClass(p)] ?? '#555',
      class: 'bar',
    });
    r.appendChild(el('title', {}, `${p.name} (${p.kernels.join(', ')}): ${p.ms.toFixed(3)} ms, ${p.gflops.toFixed(2)} GFLOP/s`));
    s.appendChild(r);
  });
  kinds.forEach((k, j) => {
    const total = points.filter((p) => opClass(p) === k).reduce((a, p) => a + p.ms, 0);
    const x = left + (j % perRow) * 170;
    const y = h + 20 + 16 * Math.floor(j / perRow);
    s.appendChild(el('rect', { x, y, width: 10, height: 10, fill: OP_COLORS[k] ?? '#555' }));
    s.appendChild(el('text', { x: x + 14, y: y + 9 }, `${k} ${total < 1 ? total.toFixed(3) : total.toFixed(1)} ms`));
  });
  s.appendChild(
    el('text', { x: left, y: h + 34 + 16 * legendRows, fill: '#777' }, 'layers in network order; hover a bar for its name and kernel'),
  );
  return s;
}

/** Log-log roofline: x = FLOP/byte, y = GFLOP/s; roofs from the ceilings, one dot per layer. */
export function roofline(points: LayerPoint[], ceil: Ceilings): SVGSVGElement {
  const w = 900;
  const h = 420;
  const m = { l: 60, r: 20, t: 15, b: 45 };
  const s = svg(w, h, 'chart-roofline');
  const good = points.filter((p) => p.flops > 0 && p.ms > 0 && p.intensity > 0);
  const xs = [...good.map((p) => p.intensity), ceil.ridge_flop_per_byte, 0.05, 200];
  const ys = [...good.map((p) => p.gflops), ceil.f32_gflops, ceil.int8_gops ?? 0].filter((v) => v > 0);
  const lx0 = Math.floor(Math.log10(Math.min(...xs)));
  const lx1 = Math.ceil(Math.log10(Math.max(...xs)));
  const ly1 = Math.ceil(Math.log10(Math.max(...ys) * 1.5));
  const ly0 = Math.min(ly1 - 2, Math.floor(Math.log10(Math.min(...ys))));
  const X = (v: number) => m.l + ((Math.log10(v) - lx0) / (lx1 - lx0)) * (w - m.l - m.r);
  const Y = (v: number) => h - m.b - ((Math.log10(v) - ly0) / (ly1 - ly0)) * (h - m.t - m.b);
  for (let e = lx0; e <= lx1; e++) {
    s.appendChild(el('line', { x1: X(10 ** e), y1: m.t, x2: X(10 ** e), y2: h - m.b, stroke: '#eee' }));
    s.appendChild(el('text', { x: X(10 ** e), y: h - m.b + 14, 'text-anchor': 'middle' }, `${10 ** e}`));
  }
  for (let e = ly0; e <= ly1; e++) {
    s.appendChild(el('line', { x1: m.l, y1: Y(10 ** e), x2: w - m.r, y2: Y(10 ** e), stroke: '#eee' }));
    s.appendChild(el('text', { x: m.l - 4, y: Y(10 ** e), 'text-anchor': 'end', 'dominant-baseline': 'middle' }, `${10 ** e}`));
  }
  s.appendChild(el('text', { x: (w + m.l) / 2, y: h - 8, 'text-anchor': 'middle' }, 'arithmetic intensity (FLOP / byte)'));
  s.appendChild(el('text', { x: 12, y: (h - m.b) / 2, transform: `rotate(-90 12 ${(h - m.b) / 2})`, 'text-anchor': 'middle' }, 'GFLOP/s'));
  const xa = 10 ** lx0;
  const xb = 10 ** lx1;
  const roofPath = (peak: number) => {
    const ridge = peak / ceil.bandwidth_gbps;
    const x0 = Math.max(xa, 10 ** ly0 / ceil.bandwidth_gbps);
    return `M${X(x0)},${Y(x0 * ceil.bandwidth_gbps)} L${X(Math.min(ridge, xb))},${Y(Math.min(ridge, xb) * ceil.bandwidth_gbps)} L${X(xb)},${Y(peak)}`;
  };
  s.appendChild(el('path', { d: roofPath(ceil.f32_gflops), stroke: '#c00', 'stroke-width': 2, fill: 'none', class: 'roof' }));
  s.appendChild(
    el(
      'text',
      { x: X(xb) - 4, y: Y(ceil.f32_gflops) - 5, 'text-anchor': 'end', fill: '#c00' },
      `f32 FMA peak ${ceil.f32_gflops} GFLOP/s; ${ceil.bandwidth_gbps} GB/s`,
    ),
  );
  if (ceil.int8_gops) {
    s.appendChild(
      el('path', {
        d: roofPath(ceil.int8_gops),
        stroke: '#c0c',
        'stroke-width': 1,
        'stroke-dasharray': '5 3',
        fill: 'none',
        class: 'roof',
      }),
    );
    s.appendChild(
      el(
        'text',
        { x: X(xb) - 4, y: Y(ceil.int8_gops) - 5, 'text-anchor': 'end', fill: '#c0c' },
        `int8 dot4I8Packed ${ceil.int8_gops} Gop/s`,
      ),
    );
  }
  for (const p of good) {
    const c = el('circle', {
      cx: X(p.intensity),
      cy: Y(p.gflops),
      r: 3.5,
      fill: OP_COLORS[opClass(p)] ?? '#555',
      'fill-opacity': 0.75,
      class: 'layer',
    });
    c.appendChild(
      el(
        'title',
        {},
        `${p.name}: ${p.intensity.toFixed(2)} FLOP/B, ${p.gflops.toFixed(3)} GFLOP/s (${((p.of_roof ?? 0) * 100).toFixed(0)}% of roof)`,
      ),
    );
    s.appendChild(c);
  }
  return s;
}
