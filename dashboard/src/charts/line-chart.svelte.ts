import { Chart, Filler, LineController, LineElement, LinearScale, PointElement, Tooltip, type Plugin } from 'chart.js';
import type { Attachment } from 'svelte/attachments';
import type { Severity } from '../lib/api.ts';
import type { FiringSpan, ThresholdLine } from '../lib/rules.ts';
import type { SeriesWindow, XY } from '../lib/series.ts';
import { formatValue } from '../lib/format.ts';
import { axisLabel, fullTime, timeTicks } from '../lib/time.ts';

// Only what a line chart with a min/max band needs; the rest of Chart.js stays out of the bundle.
Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Tooltip);

export interface LineChartInput {
  readonly series: SeriesWindow | undefined;
  /** Read so the chart redraws when the series (plain mutable data) changes. */
  readonly version: number;
  readonly from: number;
  readonly to: number;
  /** Read so the chart picks up the new CSS colours. */
  readonly theme: string;
  /** Rule limits, drawn as dashed horizontal lines. */
  readonly thresholds?: readonly ThresholdLine[];
  /** When a rule fired (a preview), drawn as shaded spans. */
  readonly spans?: readonly FiringSpan[];
}

type LineChart = Chart<'line', XY[]>;

interface Overlay {
  thresholds: readonly ThresholdLine[];
  spans: readonly FiringSpan[];
  colours: Record<Severity, string>;
}

/**
 * Chart.js as an attachment. The chart is built once per canvas; the input is a getter read in
 * a child effect, so new data or a new theme updates the chart instead of rebuilding it.
 */
export function lineChart(input: () => LineChartInput): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    let tickStep = 60_000;
    const overlay: Overlay = { thresholds: [], spans: [], colours: { info: '#888', warning: '#c80', critical: '#c00' } };
    const chart: LineChart = new Chart(canvas, {
      type: 'line',
      data: {
        datasets: [
          { label: 'min', data: [], pointRadius: 0, borderWidth: 0, fill: false },
          { label: 'max', data: [], pointRadius: 0, borderWidth: 0, fill: '-1' },
          // A reading with gaps on both sides has no line to sit on, so it gets a dot.
          {
            label: 'mean',
            data: [],
            pointRadius: (ctx) => (isolated(ctx.dataset.data as XY[], ctx.dataIndex) ? 2 : 0),
            borderWidth: 1.5,
            fill: false,
          },
        ],
      },
      plugins: [overlayPlugin(overlay)],
      options: {
        parsing: false,
        normalized: true,
        animation: false,
        spanGaps: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: {
            type: 'linear',
            ticks: { maxRotation: 0, callback: (value) => axisLabel(Number(value), tickStep) },
            afterBuildTicks: (scale) => {
              const { step, ticks } = timeTicks(scale.min, scale.max, Math.floor(scale.width / 80));
              tickStep = step;
              scale.ticks = ticks.map((value) => ({ value }));
            },
          },
          // A fixed minimum width keeps the time axes of stacked charts lined up.
          y: { ticks: { maxTicksLimit: 5 }, afterFit: (scale) => void (scale.width = Math.max(scale.width, 48)) },
        },
        plugins: {
          tooltip: {
            callbacks: {
              title: (items) => (items[0] ? fullTime(items[0].parsed.x ?? 0) : ''),
              label: (item) => `${item.dataset.label}: ${formatValue(item.parsed.y ?? undefined)}`,
            },
          },
        },
      },
    });

    $effect(() => {
      const { series, from, to, thresholds = [], spans = [] } = input();
      const colours = readColours(canvas);
      const [min, max, mean] = chart.data.datasets;
      if (!min || !max || !mean) return;
      min.data = series?.line((b) => b.min) ?? [];
      max.data = series?.line((b) => b.max) ?? [];
      mean.data = series?.line((b) => b.mean) ?? [];
      mean.borderColor = colours.line;
      mean.backgroundColor = colours.line;
      max.backgroundColor = colours.band;
      overlay.thresholds = thresholds;
      overlay.spans = spans;
      overlay.colours = colours.severity;
      const { x, y } = chart.options.scales ?? {};
      if (x && y) {
        x.min = from;
        x.max = to;
        x.ticks = { ...x.ticks, color: colours.text };
        y.ticks = { ...y.ticks, color: colours.text };
        x.grid = { color: colours.grid };
        y.grid = { color: colours.grid };
        // A limit far from the data still shows, so the operator sees how close the data comes.
        const limits = thresholds.map((t) => t.value);
        y.suggestedMin = limits.length ? Math.min(...limits) : undefined;
        y.suggestedMax = limits.length ? Math.max(...limits) : undefined;
      }
      chart.update('none');
      describe(canvas, mean.data);
    });

    return () => chart.destroy();
  };
}

/**
 * What the chart holds, on the canvas as data attributes: a cheap way for tests (and anyone in
 * devtools) to check the line without reading pixels.
 */
function describe(canvas: HTMLCanvasElement, data: readonly XY[]): void {
  let points = 0;
  let gaps = 0;
  for (const p of data) {
    if (p.y === null) gaps++;
    else points++;
  }
  canvas.dataset['points'] = String(points);
  canvas.dataset['gaps'] = String(gaps);
  canvas.dataset['first'] = String(data[0]?.x ?? '');
  canvas.dataset['last'] = String(data.at(-1)?.x ?? '');
}

function overlayPlugin(overlay: Overlay): Plugin<'line'> {
  return {
    id: 'vigil-overlay',
    beforeDatasetsDraw(chart) {
      const { ctx, chartArea: area, scales } = chart;
      const x = scales['x'];
      if (!x || overlay.spans.length === 0) return;
      ctx.save();
      for (const span of overlay.spans) {
        const left = Math.max(area.left, x.getPixelForValue(span.from));
        const right = Math.min(area.right, span.to === null ? area.right : x.getPixelForValue(span.to));
        if (right < area.left || left > area.right) continue;
        ctx.fillStyle = overlay.colours[span.severity];
        ctx.globalAlpha = 0.16;
        ctx.fillRect(left, area.top, Math.max(1, right - left), area.bottom - area.top);
        ctx.globalAlpha = 0.9;
        ctx.fillRect(left, area.top, 1.5, area.bottom - area.top);
      }
      ctx.restore();
    },
    afterDatasetsDraw(chart) {
      const { ctx, chartArea: area, scales } = chart;
      const y = scales['y'];
      if (!y || overlay.thresholds.length === 0) return;
      ctx.save();
      ctx.lineWidth = 1.5;
      ctx.setLineDash([6, 4]);
      ctx.font = '11px system-ui, sans-serif';
      ctx.textAlign = 'right';
      ctx.textBaseline = 'bottom';
      for (const t of overlay.thresholds) {
        const py = Math.round(y.getPixelForValue(t.value)) + 0.5;
        if (py < area.top - 1 || py > area.bottom + 1) continue;
        ctx.strokeStyle = overlay.colours[t.severity];
        ctx.beginPath();
        ctx.moveTo(area.left, py);
        ctx.lineTo(area.right, py);
        ctx.stroke();
        ctx.fillStyle = overlay.colours[t.severity];
        ctx.fillText(`${t.label} ${formatValue(t.value)}`, area.right - 4, py - 2);
      }
      ctx.restore();
    },
  };
}

function isolated(data: readonly XY[], i: number): boolean {
  return data[i]?.y != null && data[i - 1]?.y == null && data[i + 1]?.y == null;
}

function readColours(element: Element) {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    line: read('--chart-line', '#2563eb'),
    band: read('--chart-band', 'rgba(37, 99, 235, 0.15)'),
    grid: read('--chart-grid', 'rgba(128, 128, 128, 0.2)'),
    text: read('--muted', '#666'),
    severity: {
      info: read('--sev-info', '#2563eb'),
      warning: read('--sev-warning', '#b7791f'),
      critical: read('--sev-critical', '#c53030'),
    } satisfies Record<Severity, string>,
  };
}
