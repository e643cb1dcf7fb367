import { Chart, Filler, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
import type { Attachment } from 'svelte/attachments';
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
}

type LineChart = Chart<'line', XY[]>;

/**
 * Chart.js as an attachment. The chart is built once per canvas; the input is a getter read in
 * a child effect, so new data or a new theme updates the chart instead of rebuilding it.
 */
export function lineChart(input: () => LineChartInput): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    let tickStep = 60_000;
    const chart: LineChart = new Chart(canvas, {
      type: 'line',
      data: {
        datasets: [
          { label: 'min', data: [], pointRadius: 0, borderWidth: 0, fill: false },
          { label: 'max', data: [], pointRadius: 0, borderWidth: 0, fill: '-1' },
          // A reading with gaps on both sides has no line to sit on, so it gets a dot.
          { label: 'mean', data: [], pointRadius: (ctx) => (isolated(ctx.dataset.data as XY[], ctx.dataIndex) ? 2 : 0), borderWidth: 1.5, fill: false },
        ],
      },
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
      const { series, from, to } = input();
      const colours = readColours(canvas);
      const [min, max, mean] = chart.data.datasets;
      if (!min || !max || !mean) return;
      min.data = series?.line((b) => b.min) ?? [];
      max.data = series?.line((b) => b.max) ?? [];
      mean.data = series?.line((b) => b.mean) ?? [];
      mean.borderColor = colours.line;
      mean.backgroundColor = colours.line;
      max.backgroundColor = colours.band;
      const { x, y } = chart.options.scales ?? {};
      if (x && y) {
        x.min = from;
        x.max = to;
        x.ticks = { ...x.ticks, color: colours.text };
        y.ticks = { ...y.ticks, color: colours.text };
        x.grid = { color: colours.grid };
        y.grid = { color: colours.grid };
      }
      chart.update('none');
    });

    return () => chart.destroy();
  };
}

function isolated(data: readonly XY[], i: number): boolean {
  return data[i]?.y != null && data[i - 1]?.y == null && data[i + 1]?.y == null;
}

function readColours(element: Element): { line: string; band: string; grid: string; text: string } {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    line: read('--chart-line', '#2563eb'),
    band: read('--chart-band', 'rgba(37, 99, 235, 0.15)'),
    grid: read('--chart-grid', 'rgba(128, 128, 128, 0.2)'),
    text: read('--muted', '#666'),
  };
}
