// Chart.js (the demo pages' chart library) with every controller registered once. window.__Chart lets the layout
// test (test/layout.ts) walk Chart.instances and check that every label lies inside its canvas.
import { Chart, registerables } from 'chart.js';

Chart.register(...registerables);
(window as any).__Chart = Chart;

export { Chart };
