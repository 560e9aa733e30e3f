// The bench page's charts, drawn with Chart.js (the demo pages' chart library): grouped latency bars, per-layer GPU
// time bars and a log-log roofline. Each function returns a box (div.chart.<kind>) holding a canvas that fills the
// page's width at any window size; the chart lives as long as its canvas, so call destroyCharts(el) before replacing
// el's contents. Value labels on the latency bars are drawn by a small plugin that keeps every label inside the
// canvas (right of the bar when it fits, else inside the bar's end in white) and records where it drew them
// (chart.$valueLabels) for the layout test.

import type { Chart as ChartType, ChartDataset, Plugin } from 'chart.js';
import type { LayerPoint } from '../../bench/roofline.js';
import type { Ceilings } from '../../bench/micro.js';
import { Chart } from '../shared/chart.js';

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

/** Destroy the charts whose canvases are inside `root` (before its contents are replaced). */
export function destroyCharts(root: HTMLElement): void {
  root.querySelectorAll('canvas').forEach((c) => Chart.getChart(c)?.destroy());
}

function box(kind: string, height: number): { div: HTMLDivElement; canvas: HTMLCanvasElement } {
  const div = document.createElement('div');
  div.className = `chart ${kind}`;
  div.style.height = `${height}px`;
  const canvas = document.createElement('canvas');
  div.appendChild(canvas);
  return { div, canvas };
}

const fmtMs = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms`;

/** Each bar's value at its end: outside when it fits in the chart area, else inside the bar in white. */
const valueLabels: Plugin<'bar'> = {
  id: 'valueLabels',
  afterDatasetsDraw(chart) {
    const { ctx, chartArea } = chart;
    const drawn: { text: string; x0: number; x1: number; y0: number; y1: number }[] = [];
    ctx.save();
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    chart.data.datasets.forEach((ds, i) => {
      const meta = chart.getDatasetMeta(i);
      if (meta.hidden) return;
      meta.data.forEach((bar, j) => {
        const v = ds.data[j] as number | null;
        if (v === null || v === undefined || !Number.isFinite(v)) return;
        const text = fmtMs(v);
        const w = ctx.measureText(text).width;
        const { x, y, base } = bar as unknown as { x: number; y: number; base: number };
        const outside = x + 4 + w <= chartArea.right;
        const x0 = outside ? x + 4 : Math.max(base + 2, x - 4 - w);
        ctx.fillStyle = outside ? '#222' : '#fff';
        ctx.textAlign = 'left';
        ctx.fillText(text, x0, y);
        drawn.push({ text, x0, x1: x0 + w, y0: y - 6, y1: y + 6 });
      });
    });
    ctx.restore();
    (chart as ChartType & { $valueLabels?: typeof drawn }).$valueLabels = drawn;
  },
};

/** Grouped horizontal bars: one group per row label, one bar per engine (median ms). */
export function latencyBars(rows: { label: string; values: Record<string, number | null> }[]): HTMLDivElement {
  const engines = [...new Set(rows.flatMap((r) => Object.keys(r.values)))];
  const { div, canvas } = box('chart-latency', Math.max(140, rows.length * (engines.length * 16 + 14) + 70));
  new Chart(canvas, {
    type: 'bar',
    data: {
      labels: rows.map((r) => r.label),
      datasets: engines.map((e) => ({
        label: e,
        data: rows.map((r) => {
          const v = r.values[e];
          return v === null || v === undefined || !Number.isFinite(v) ? null : v;
        }),
        backgroundColor: ENGINE_COLORS[e] ?? '#555',
        categoryPercentage: 0.85,
        barPercentage: 0.95,
      })),
    },
    options: {
      indexAxis: 'y',
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      // room right of the longest bar for its value
      scales: { x: { beginAtZero: true, grace: '25%', title: { display: true, text: 'median ms (lower is better)' } } },
      plugins: { legend: { position: 'bottom' } },
    },
    plugins: [valueLabels],
  });
  return div;
}

function opClass(p: LayerPoint): string {
  if (p.op !== 'conv2d') return p.op;
  const k = p.kernels.join(' ');
  if (k.includes('depthwise')) return 'depthwise';
  if (k.includes('pointwise')) return 'pointwise';
  return 'conv2d';
}

/** Per-layer GPU time, in network order (every layer one bar, numbered), coloured by kind; hover for name and kernel. */
export function layerBars(points: LayerPoint[]): HTMLDivElement {
  const kinds = [...new Set(points.map(opClass))];
  const { div, canvas } = box('chart-layers', 280);
  new Chart(canvas, {
    type: 'bar',
    data: {
      labels: points.map((_, i) => String(i + 1)),
      datasets: [
        {
          label: 'GPU ms',
          data: points.map((p) => p.ms),
          backgroundColor: points.map((p) => OP_COLORS[opClass(p)] ?? '#555'),
          categoryPercentage: 1,
          barPercentage: 0.9,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { title: { display: true, text: 'layer (network order)' }, ticks: { autoSkip: true, maxRotation: 0 } },
        y: { beginAtZero: true, title: { display: true, text: 'GPU ms' } },
      },
      plugins: {
        legend: {
          position: 'bottom',
          onClick: () => {},
          labels: {
            generateLabels: () =>
              kinds.map((k) => {
                const total = points.filter((p) => opClass(p) === k).reduce((a, p) => a + p.ms, 0);
                const color = OP_COLORS[k] ?? '#555';
                return {
                  text: `${k} ${total < 1 ? total.toFixed(3) : total.toFixed(1)} ms`,
                  fillStyle: color,
                  strokeStyle: color,
                  lineWidth: 0,
                };
              }),
          },
        },
        tooltip: {
          callbacks: {
            title: (items) => points[items[0].dataIndex].name,
            label: (item) => {
              const p = points[item.dataIndex];
              return `${p.kernels.join(', ')}: ${p.ms.toFixed(3)} ms, ${p.gflops.toFixed(2)} GFLOP/s`;
            },
          },
        },
      },
    },
  });
  return div;
}

type RoofPoint = { x: number; y: number; name?: string; of_roof?: number | null };

/** Log-log roofline: x = FLOP/byte, y = GFLOP/s; roofs from the ceilings, one dot per layer (coloured by kind). */
export function roofline(points: LayerPoint[], ceil: Ceilings): HTMLDivElement {
  const good = points.filter((p) => p.flops > 0 && p.ms > 0 && p.intensity > 0);
  const xs = [...good.map((p) => p.intensity), ceil.ridge_flop_per_byte, 0.05, 200];
  const ys = [...good.map((p) => p.gflops), ceil.f32_gflops, ceil.int8_gops ?? 0].filter((v) => v > 0);
  const xa = 10 ** Math.floor(Math.log10(Math.min(...xs)));
  const xb = 10 ** Math.ceil(Math.log10(Math.max(...xs)));
  const yb = 10 ** Math.ceil(Math.log10(Math.max(...ys) * 1.5));
  const ya = Math.min(yb / 100, 10 ** Math.floor(Math.log10(Math.min(...ys))));
  const roof = (peak: number): RoofPoint[] => {
    const ridge = peak / ceil.bandwidth_gbps;
    const x0 = Math.max(xa, ya / ceil.bandwidth_gbps);
    return [
      { x: x0, y: x0 * ceil.bandwidth_gbps },
      { x: Math.min(ridge, xb), y: Math.min(ridge, xb) * ceil.bandwidth_gbps },
      { x: xb, y: peak },
    ];
  };
  const datasets: (ChartDataset<'scatter', RoofPoint[]> & { role: string })[] = [
    {
      role: 'roof',
      label: `f32 FMA peak ${ceil.f32_gflops} GFLOP/s; ${ceil.bandwidth_gbps} GB/s`,
      data: roof(ceil.f32_gflops),
      showLine: true,
      pointRadius: 0,
      borderColor: '#c00',
      backgroundColor: '#c00',
      borderWidth: 2,
    },
  ];
  if (ceil.int8_gops)
    datasets.push({
      role: 'roof',
      label: `int8 dot4I8Packed ${ceil.int8_gops} Gop/s`,
      data: roof(ceil.int8_gops),
      showLine: true,
      pointRadius: 0,
      borderColor: '#c0c',
      backgroundColor: '#c0c',
      borderWidth: 1,
      borderDash: [5, 3],
    });
  for (const k of [...new Set(good.map(opClass))])
    datasets.push({
      role: 'layer',
      label: k,
      data: good.filter((p) => opClass(p) === k).map((p) => ({ x: p.intensity, y: p.gflops, name: p.name, of_roof: p.of_roof })),
      pointRadius: 3.5,
      backgroundColor: `${OP_COLORS[k] ?? '#555555'}bf`,
      borderColor: OP_COLORS[k] ?? '#555',
    });
  const { div, canvas } = box('chart-roofline', 400);
  const logAxis = (min: number, max: number, text: string) => ({
    type: 'logarithmic' as const,
    min,
    max,
    title: { display: true, text },
    ticks: { callback: (v: number | string) => (Number.isInteger(Math.log10(Number(v))) ? String(v) : '') },
  });
  new Chart(canvas, {
    type: 'scatter',
    data: { datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { x: logAxis(xa, xb, 'arithmetic intensity (FLOP / byte)'), y: logAxis(ya, yb, 'GFLOP/s') },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: {
          callbacks: {
            label: (item) => {
              const p = item.raw as RoofPoint;
              return p.name
                ? `${p.name}: ${p.x.toFixed(2)} FLOP/B, ${p.y.toFixed(3)} GFLOP/s (${((p.of_roof ?? 0) * 100).toFixed(0)}% of roof)`
                : `${item.dataset.label}`;
            },
          },
        },
      },
    },
  });
  return div;
}
