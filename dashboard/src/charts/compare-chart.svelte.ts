import { Chart, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import type { Attachment } from 'svelte/attachments';
import { legendText, sharedUnit, tooltipText } from '../lib/compare.ts';
import { withUnit } from '../lib/devices.ts';
import { formatValue } from '../lib/format.ts';
import type { SeriesWindow, XY } from '../lib/series.ts';
import { axisLabel, fullTime, timeTicks } from '../lib/time.ts';
import { timeZone } from '../state/time-zone.svelte.ts';
import { zoomOptions } from './zoom.ts';

Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip, Legend, zoomPlugin);

export interface CompareLine {
  /** "Cold store · temperature" (the registry name, else the id): what the legend and tooltip call it. */
  readonly label: string;
  /** The metric's unit on that device: in the tooltip, and on the axis when every line shares it. */
  readonly unit?: string | undefined;
  readonly series: SeriesWindow | undefined;
}

export interface CompareChartInput {
  readonly lines: readonly CompareLine[];
  /** Read so the chart hears that some series changed. */
  readonly version: number;
  readonly rangeMs: number;
  readonly fixed: { readonly from: number; readonly to: number } | null;
  readonly theme: string;
}

/** Told apart by hue and by dash, so the lines differ without colour vision too. */
const DASHES: number[][] = [[], [6, 3], [2, 2], [10, 3, 2, 3]];

type Lines = Chart<'line', XY[]>;

/**
 * Several series' mean lines on one chart with a legend: one metric of several devices, or
 * several metrics of one device. Rebuilt datasets only when the set of lines changes; the time
 * axis zooms by dragging like the device page's charts.
 */
export function compareChart(input: () => CompareChartInput, onZoom: (from: number, to: number) => void): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    let tickStep = 60_000;
    // The lines as last drawn, for the tooltip (a dataset's label also carries its unit).
    let shown: readonly CompareLine[] = [];
    let axisUnit: string | undefined;
    const lineText = (index: number, value: number | undefined) => tooltipText(shown[index]?.label ?? '', value, shown[index]?.unit);
    const chart: Lines = new Chart(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        parsing: false,
        normalized: true,
        animation: false,
        spanGaps: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
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
          y: { ticks: { maxTicksLimit: 6, callback: (value) => withUnit(formatValue(Number(value)), axisUnit) } },
        },
        plugins: {
          legend: { display: true, position: 'bottom' },
          tooltip: {
            callbacks: {
              title: (items) => (items[0] ? fullTime(items[0].parsed.x ?? 0) : ''),
              label: (item) => lineText(item.datasetIndex, item.parsed.y ?? undefined),
              // For tests and devtools: the hovered lines' text, which the canvas does not expose.
              afterBody: (items) =>
                void (canvas.dataset['tooltip'] = items.map((i) => lineText(i.datasetIndex, i.parsed.y ?? undefined)).join('|')),
            },
          },
          zoom: zoomOptions(onZoom),
        },
      },
    });

    let frame = 0;
    let tick: ReturnType<typeof setTimeout> | undefined;
    let latest: CompareChartInput | null = null;
    let theme = '';
    const schedule = () => {
      if (frame === 0) frame = requestAnimationFrame(draw);
    };

    function draw(): void {
      frame = 0;
      clearTimeout(tick);
      if (!latest) return;
      const now = Date.now();
      const colours = palette(canvas);
      if (latest.theme !== theme) recolour(colours);
      theme = latest.theme;
      shown = latest.lines;
      axisUnit = sharedUnit(shown.map((l) => l.unit));
      chart.data.datasets = latest.lines.map((line, i) => {
        const mean = line.series?.meanLine();
        const colour = colours.lines[i % colours.lines.length]!;
        return {
          label: legendText(line.label, line.unit, axisUnit),
          data: mean?.points ?? [],
          stepped: mean?.irregular ?? false,
          borderColor: colour,
          backgroundColor: colour,
          borderDash: DASHES[Math.floor(i / colours.lines.length) % DASHES.length]!,
          borderWidth: 1.5,
          pointRadius: 0,
        };
      });
      const x = chart.options.scales?.['x'];
      if (x) {
        x.min = latest.fixed ? latest.fixed.from : now - latest.rangeMs;
        x.max = latest.fixed ? latest.fixed.to : now;
        canvas.dataset['from'] = String(Math.round(x.min));
        canvas.dataset['to'] = String(Math.round(x.max));
      }
      chart.update('none');
      // For tests and devtools: how many lines, and how many points each has.
      canvas.dataset['datasets'] = String(chart.data.datasets.length);
      canvas.dataset['labels'] = chart.data.datasets.map((d) => d.label).join('|');
      canvas.dataset['axisUnit'] = axisUnit ?? '';
      canvas.dataset['units'] = latest.lines.map((l) => l.unit ?? '').join('|');
      canvas.dataset['points'] = chart.data.datasets.map((d) => d.data.filter((p) => p.y !== null).length).join(',');
      // A sliding range moves with time even when no reading arrives.
      if (!latest.fixed) tick = setTimeout(schedule, Math.max(1_000, latest.rangeMs / Math.max(1, chart.chartArea?.width ?? 600)));
    }

    function recolour(colours: ReturnType<typeof palette>): void {
      const { x, y } = chart.options.scales ?? {};
      if (!x || !y) return;
      x.ticks = { ...x.ticks, color: colours.text };
      y.ticks = { ...y.ticks, color: colours.text };
      x.grid = { color: colours.grid };
      y.grid = { color: colours.grid };
      const legend = chart.options.plugins?.legend;
      if (legend) legend.labels = { ...legend.labels, color: colours.text };
    }

    $effect(() => {
      latest = input();
      // The UTC toggle relabels the axis (every draw rebuilds the ticks).
      void timeZone.zone;
      schedule();
    });

    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(tick);
      chart.destroy();
    };
  };
}

function palette(element: Element) {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    // The theme's own line colour first, then hues apart from it and from each other.
    lines: [read('--chart-line', '#2563eb'), '#d97706', '#059669', '#db2777', '#7c3aed', '#0891b2'],
    grid: read('--chart-grid', 'rgba(128, 128, 128, 0.2)'),
    text: read('--muted', '#666'),
  };
}
