// Layout checks for the demo pages (issue 14: pages work at laptop widths, 1280–1920 px, and on a narrow window):
// the page is resized in place to each width and measured, so a page's main action runs once for all widths.
//
// At each width: the document does not scroll sideways (scrollWidth ≤ clientWidth); no visible element reaches past
// the left or right edge of the window unless it sits in a box that scrolls sideways by design (.scroll, .chart-wrap:
// wide tables), and charts (canvas, svg) fit the window wherever they sit; no box that clips its text (overflow
// hidden, e.g. an ellipsis) hides part of it; every label of every Chart.js chart (tick labels, axis titles, legend,
// and value labels a page draws and records in chart.$valueLabels) lies inside its canvas. Findings come back as
// sentences, so a failing test says what is cut and where. A full-page screenshot per width goes to
// test-results/<shot>-<width>.png.

import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';

export const LAYOUT_WIDTHS = [400, 1280, 1920];

/** Problems of the page as laid out now (empty: none). Runs in the page. */
function measure(): string[] {
  const out: string[] = [];
  const doc = document.documentElement;
  const vw = doc.clientWidth;
  if (doc.scrollWidth > vw + 1) out.push(`the document is ${doc.scrollWidth} px wide in a ${vw} px window (sideways scroll)`);
  const name = (e: Element) =>
    `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${typeof e.className === 'string' && e.className ? `.${e.className.trim().split(/\s+/).join('.')}` : ''}`;
  const scrolls = (e: Element) => /auto|scroll/.test(getComputedStyle(e).overflowX);
  for (const e of Array.from(document.body.querySelectorAll('*'))) {
    const cs = getComputedStyle(e);
    if (cs.display === 'none' || cs.visibility === 'hidden' || e.closest('[hidden]')) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    let inScroller = false;
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) if (scrolls(p)) inScroller = true;
    // a wide table may scroll in its own box; a chart must fit the window
    const chart = e instanceof HTMLCanvasElement || e instanceof SVGSVGElement;
    if ((!inScroller || chart) && (r.right > vw + 1 || r.left < -1))
      out.push(`${name(e)} spans x ${r.left.toFixed(0)}…${r.right.toFixed(0)} in a ${vw} px window`);
    if (/hidden|clip/.test(cs.overflowX) && e.scrollWidth > e.clientWidth + 1 && !(e instanceof HTMLCanvasElement))
      out.push(`${name(e)} clips its content (${e.scrollWidth} px in ${e.clientWidth} px): '${(e.textContent ?? '').slice(0, 40)}'`);
  }
  // Chart.js: every label's box inside the canvas (pages expose the Chart class as window.__Chart)
  const Chart = (window as any).__Chart;
  for (const chart of Object.values<any>(Chart?.instances ?? {})) {
    const id = chart.canvas.id || 'chart';
    const W = chart.width;
    const H = chart.height;
    const ctx = chart.ctx as CanvasRenderingContext2D;
    const inside = (what: string, x0: number, y0: number, x1: number, y1: number) => {
      if (x0 < -1 || y0 < -1 || x1 > W + 1 || y1 > H + 1)
        out.push(`canvas#${id} (${W}×${H}): ${what} at x ${x0.toFixed(0)}…${x1.toFixed(0)}, y ${y0.toFixed(0)}…${y1.toFixed(0)} is cut`);
    };
    for (const scale of Object.values<any>(chart.scales)) {
      if (!scale.options.display) continue;
      inside(`the ${scale.id} axis`, scale.left, scale.top, scale.right, scale.bottom);
      for (const item of scale.getLabelItems()) {
        const lines: string[] = Array.isArray(item.label) ? item.label : [String(item.label)];
        ctx.save();
        ctx.font = item.font.string;
        const w = Math.max(...lines.map((l) => ctx.measureText(l).width));
        ctx.restore();
        const h = item.font.lineHeight * lines.length;
        const o = item.options;
        const [tx, ty] = o.translation;
        const dx = o.textAlign === 'right' || o.textAlign === 'end' ? -w : o.textAlign === 'center' ? -w / 2 : 0;
        const dy = o.textBaseline === 'middle' ? -h / 2 : o.textBaseline === 'bottom' ? -h : 0;
        const corners = [
          [dx, dy + item.textOffset],
          [dx + w, dy + item.textOffset],
          [dx, dy + h + item.textOffset],
          [dx + w, dy + h + item.textOffset],
        ].map(([x, y]) => [
          tx + x * Math.cos(o.rotation) - y * Math.sin(o.rotation),
          ty + x * Math.sin(o.rotation) + y * Math.cos(o.rotation),
        ]);
        const xs = corners.map((c) => c[0]);
        const ys = corners.map((c) => c[1]);
        inside(`${scale.id} label '${lines.join(' ')}'`, Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys));
      }
    }
    for (const v of chart.$valueLabels ?? []) inside(`value label '${v.text}'`, v.x0, v.y0, v.x1, v.y1);
    const lg = chart.legend;
    if (lg?.options?.display && lg.legendHitBoxes)
      for (const [k, b] of lg.legendHitBoxes.entries())
        inside(`legend item '${lg.legendItems[k]?.text}'`, b.left, b.top, b.left + b.width, b.top + b.height);
  }
  return out;
}

/** Resize the page to each width, collect the problems ('width px: …'), screenshot each; restores 1280×900. */
export async function checkLayout(page: Page, shot: string, widths = LAYOUT_WIDTHS): Promise<string[]> {
  const problems: string[] = [];
  mkdirSync('test-results', { recursive: true });
  for (const width of widths) {
    await page.setViewportSize({ width, height: 900 });
    // Chart.js resizes on a ResizeObserver callback, then redraws on the next frame
    await page.evaluate(() => new Promise((r) => setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(r)), 300)));
    for (const p of await page.evaluate(measure)) problems.push(`${width} px: ${p}`);
    await page.screenshot({ path: `test-results/${shot}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  return problems;
}
