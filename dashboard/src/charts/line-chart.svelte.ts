import { Chart, Decimation, Filler, LineController, LineElement, LinearScale, PointElement, Tooltip, type Plugin } from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import type { Attachment } from 'svelte/attachments';
import type { Severity } from '../lib/api.ts';
import type { FiringSpan, ThresholdLine } from '../lib/rules.ts';
import type { SeriesWindow, XY } from '../lib/series.ts';
import { formatValue } from '../lib/format.ts';
import { withUnit } from '../lib/devices.ts';
import { placeLabel, type Pt, type Side } from '../lib/label-place.ts';
import { frames } from './frame-scheduler.ts';
import { zoomOptions } from './zoom.ts';
import { axisLabel, fullTime, timeTicks } from '../lib/time.ts';
import { timeZone } from '../state/time-zone.svelte.ts';

// Only what a line chart with a min/max band needs; the rest of Chart.js stays out of the bundle.
Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Tooltip, Decimation, zoomPlugin);

/** A window the operator picked on the time axis (drag to zoom, shift-drag to pan). */
export type ZoomHandler = (from: number, to: number) => void;

export interface LineChartInput {
  readonly series: SeriesWindow | undefined;
  /** Read so the chart hears that some series of the device changed; its own `revision` says whether this one did. */
  readonly version: number;
  /** The chart shows the last `rangeMs` up to now. */
  readonly rangeMs: number;
  /** Read so the chart picks up the new CSS colours. */
  readonly theme: string;
  /** Rule limits, drawn as dashed horizontal lines. */
  readonly thresholds?: readonly ThresholdLine[];
  /** When a rule fired (a preview), drawn as shaded spans. */
  readonly spans?: readonly FiringSpan[];
  /** The metric's unit, on the axis numbers and in the tooltip. */
  readonly unit?: string | undefined;
  /** A fixed window shown instead of the last `rangeMs` up to now. */
  readonly fixed?: { readonly from: number; readonly to: number } | null;
}

type LineChart = Chart<'line', XY[]>;

/** One empty list for missing thresholds and spans, so a missing one never reads as changed. */
const NONE: readonly never[] = [];

interface Overlay {
  thresholds: readonly ThresholdLine[];
  spans: readonly FiringSpan[];
  colours: Record<Severity, string>;
  /** Behind a limit's label, so the grid and the band do not show through its letters. */
  backdrop: string;
  unit: string | undefined;
}

/**
 * Chart.js as an attachment. The chart is built once per canvas; the input is a getter read in
 * a child effect, so new data or a new theme updates the chart instead of rebuilding it.
 */
export function lineChart(input: () => LineChartInput, onZoom?: ZoomHandler): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    let tickStep = 60_000;
    let unit: string | undefined;
    const valueText = (v: number | undefined) => withUnit(formatValue(v), unit);
    const overlay: Overlay = {
      thresholds: [],
      spans: [],
      colours: { info: '#888', warning: '#c80', critical: '#c00' },
      backdrop: '#fff',
      unit: undefined,
    };
    const chart: LineChart = new Chart(canvas, {
      type: 'line',
      data: {
        datasets: [
          { label: 'min', data: [], pointRadius: 0, borderWidth: 0, fill: false },
          { label: 'max', data: [], pointRadius: 0, borderWidth: 0, fill: '-1' },
          { label: 'mean', data: [], pointRadius: 0, borderWidth: 1.5, fill: false },
          // A reading with gaps on both sides has no line to sit on, so it gets a dot. Its own
          // dataset keeps every option static: Chart.js then shares one options object between
          // all points instead of resolving a scriptable radius per point on every redraw.
          { label: 'mean', data: [], pointRadius: 2, borderWidth: 0, showLine: false, fill: false },
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
          // Axis numbers in the same format as the values beside the chart.
          y: {
            ticks: { maxTicksLimit: 5, callback: (value) => valueText(Number(value)) },
            afterFit: (scale) => void (scale.width = Math.max(scale.width, 48)),
          },
        },
        plugins: {
          // Only matters past ~4 points per pixel (history asks for about one per pixel).
          decimation: { enabled: true, algorithm: 'min-max' },
          ...(onZoom ? { zoom: zoomOptions(onZoom) } : {}),
          tooltip: {
            // The isolated dots are the mean again, at other indices: the index mode would pair them wrongly.
            filter: (item) => item.datasetIndex < 3,
            callbacks: {
              title: (items) => (items[0] ? fullTime(items[0].parsed.x ?? 0) : ''),
              label: (item) => `${item.dataset.label}: ${valueText(item.parsed.y ?? undefined)}`,
            },
          },
        },
      },
    });

    // Redrawn only when something shown changed: this series' data (its revision), the theme,
    // the overlays, or the time axis having moved by at least a pixel. Through the page's one
    // frame scheduler, so the charts of a page share each frame's budget (new data first, axis
    // slides after), updating the datasets in place (update('none'): no animation, no rebuild).
    let latest: LineChartInput | null = null;
    let drawn: {
      series?: SeriesWindow | undefined;
      revision: number;
      theme: string;
      thresholds?: unknown;
      spans?: unknown;
      fixed?: unknown;
      zone?: string;
      to: number;
    } = {
      revision: -1,
      theme: '',
      to: 0,
    };
    let tick: ReturnType<typeof setTimeout> | undefined;
    // A chart scrolled out of view does not slide; it catches up when it is seen again.
    let visible = true;
    const observer =
      typeof IntersectionObserver === 'function'
        ? new IntersectionObserver((entries) => {
            const was = visible;
            visible = entries.at(-1)?.isIntersecting ?? true;
            if (visible && !was) frames.schedule(draw, true);
          })
        : null;
    observer?.observe(canvas);
    const slide = () => {
      if (visible) frames.schedule(draw, false);
    };
    const pixelMs = (rangeMs: number) => rangeMs / Math.max(1, chart.chartArea?.width ?? canvas.clientWidth);

    /** What changed since the last redraw, besides time passing. */
    function changes(input: LineChartInput) {
      const { series, theme, thresholds = NONE, spans = NONE, fixed = null } = input;
      const dataChanged = series !== drawn.series || (series?.revision ?? -1) !== drawn.revision;
      // A new zone (the UTC toggle) relabels the axis: the ticks are rebuilt on update.
      const styleChanged =
        theme !== drawn.theme ||
        thresholds !== drawn.thresholds ||
        spans !== drawn.spans ||
        timeZone.zone !== drawn.zone ||
        input.unit !== unit ||
        fixed !== drawn.fixed;
      return { dataChanged, styleChanged };
    }

    function draw(): void {
      if (!latest) return;
      const { series, rangeMs, theme, thresholds = NONE, spans = NONE, fixed = null } = latest;
      const now = Date.now();
      const revision = series?.revision ?? -1;
      const { dataChanged, styleChanged } = changes(latest);
      const zone = timeZone.zone;
      unit = latest.unit;
      const step = pixelMs(rangeMs);
      // The axis slides with time; once per pixel of movement is as often as anyone can see.
      const slideDue = fixed === null && now - drawn.to >= step;
      if (dataChanged || styleChanged || slideDue) redraw();
      clearTimeout(tick);
      if (fixed === null) tick = setTimeout(slide, Math.max(1_000, step) - (now - drawn.to));

      function redraw(): void {
        const [min, max, mean, dots] = chart.data.datasets;
        if (!min || !max || !mean || !dots) return;
        if (dataChanged) {
          min.data = series?.line((b) => b.min) ?? [];
          max.data = series?.line((b) => b.max) ?? [];
          const line = series?.meanLine();
          mean.data = line?.points ?? [];
          dots.data = mean.data.filter((_, i) => isolated(mean.data, i));
          // A report-on-change value holds until the next report.
          mean.stepped = line?.irregular ?? false;
          min.stepped = max.stepped = mean.stepped;
          describe(canvas, mean.data, mean.stepped);
        }
        if (styleChanged || dataChanged) style(theme !== drawn.theme || drawn.theme === '', thresholds, spans);
        const x = chart.options.scales?.['x'];
        if (x) {
          x.min = fixed ? fixed.from : now - rangeMs;
          x.max = fixed ? fixed.to : now;
          canvas.dataset['from'] = String(Math.round(x.min));
          canvas.dataset['to'] = String(Math.round(x.max));
        }
        chart.update('none');
        drawn = { series, revision, theme, thresholds, spans, fixed, zone, to: now };
      }
    }

    function style(recolour: boolean, thresholds: readonly ThresholdLine[], spans: readonly FiringSpan[]): void {
      const [, max, mean, dots] = chart.data.datasets;
      const { x, y } = chart.options.scales ?? {};
      if (!max || !mean || !dots || !x || !y) return;
      if (recolour) {
        const colours = readColours(canvas);
        mean.borderColor = colours.line;
        mean.backgroundColor = colours.line;
        dots.backgroundColor = colours.line;
        dots.borderColor = colours.line;
        max.backgroundColor = colours.band;
        overlay.colours = colours.severity;
        overlay.backdrop = colours.surface;
        x.ticks = { ...x.ticks, color: colours.text };
        y.ticks = { ...y.ticks, color: colours.text };
        x.grid = { color: colours.grid };
        y.grid = { color: colours.grid };
      }
      overlay.thresholds = thresholds;
      overlay.spans = spans;
      overlay.unit = unit;
      // Limits near the data stretch the axis so the operator sees how close the data comes; one
      // far away would flatten the data to a line, so it is only named in the corner.
      const shown = limitsNearData(chart.data.datasets[0]!.data, max.data, thresholds);
      y.suggestedMin = shown.length ? Math.min(...shown) : undefined;
      y.suggestedMax = shown.length ? Math.max(...shown) : undefined;
    }

    $effect(() => {
      latest = input();
      void timeZone.zone;
      // New data or looks are drawn in the next frame; an effect run for another chart's data
      // only lets a due slide happen, with the slides.
      const { dataChanged, styleChanged } = changes(latest);
      frames.schedule(draw, dataChanged || styleChanged);
    });

    return () => {
      frames.cancel(draw);
      observer?.disconnect();
      clearTimeout(tick);
      chart.destroy();
    };
  };
}

/**
 * The rule limits that may stretch the y axis: those within about twice the data's own range of
 * it (all of them while there is no data).
 */
export function limitsNearData(mins: readonly XY[], maxs: readonly XY[], thresholds: readonly ThresholdLine[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of mins) if (p.y !== null) lo = Math.min(lo, p.y);
  for (const p of maxs) if (p.y !== null) hi = Math.max(hi, p.y);
  const limits = thresholds.map((t) => t.value);
  if (lo > hi) return limits;
  const range = hi - lo || Math.max(Math.abs(hi) * 0.1, 1);
  return limits.filter((v) => v >= hi - 2 * range && v <= lo + 2 * range);
}

/**
 * What the chart holds, on the canvas as data attributes: a cheap way for tests (and anyone in
 * devtools) to check the line without reading pixels.
 */
function describe(canvas: HTMLCanvasElement, data: readonly XY[], stepped: boolean): void {
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
  canvas.dataset['stepped'] = String(stepped);
  // Counts redraws of the data, so a test (or a profiler) can see an idle chart stays idle.
  canvas.dataset['draws'] = String(Number(canvas.dataset['draws'] ?? 0) + 1);
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
      ctx.font = '11px system-ui, sans-serif';
      const lines = drawnLines(chart);
      const placed: string[] = [];
      for (const t of overlay.thresholds) {
        const py = Math.round(y.getPixelForValue(t.value)) + 0.5;
        const value = withUnit(formatValue(t.value), overlay.unit);
        const off = py < area.top - 1 ? 'above' : py > area.bottom + 1 ? 'below' : null;
        if (off === null) {
          ctx.strokeStyle = overlay.colours[t.severity];
          ctx.setLineDash([6, 4]);
          ctx.beginPath();
          ctx.moveTo(area.left, py);
          ctx.lineTo(area.right, py);
          ctx.stroke();
        }
        // Off the axis (far from the data): named inside the edge it lies beyond, not drawn.
        const arrow = off === 'above' ? '↑ ' : off === 'below' ? '↓ ' : '';
        const sides: Side[] = off === 'above' ? ['below'] : off === 'below' ? ['above'] : ['above', 'below'];
        const spot = placeLabel({
          area,
          anchorY: off === 'above' ? area.top : off === 'below' ? area.bottom : py,
          sides,
          texts: [`${arrow}${t.label} ${value}`, `${arrow}${value}`],
          measure: (text) => ctx.measureText(text).width,
          height: 12,
          lines,
        });
        ctx.fillStyle = overlay.backdrop;
        ctx.globalAlpha = 0.8;
        ctx.fillRect(spot.box.left, spot.box.top, spot.box.right - spot.box.left, spot.box.bottom - spot.box.top);
        ctx.globalAlpha = 1;
        ctx.fillStyle = overlay.colours[t.severity];
        ctx.textAlign = spot.align;
        ctx.textBaseline = spot.baseline;
        ctx.fillText(spot.text, spot.x, spot.y);
        placed.push(`${spot.text}@${spot.align}-${spot.baseline === 'bottom' ? 'above' : 'below'}:${spot.crossings}`);
      }
      ctx.restore();
      // For tests and devtools: where the limits' labels went.
      chart.canvas.dataset['thresholdLabels'] = placed.join('|');
    },
  };
}

/** The band's edges and the mean line as drawn, in pixels, null at a gap. */
function drawnLines(chart: Chart<'line'>): (Pt | null)[][] {
  return chart
    .getSortedVisibleDatasetMetas()
    .map((meta) => meta.data.map((el) => (('skip' in el && el.skip === true) || !Number.isFinite(el.y) ? null : { x: el.x, y: el.y })));
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
    surface: read('--surface', '#fff'),
    severity: {
      info: read('--sev-info', '#2563eb'),
      warning: read('--sev-warning', '#b7791f'),
      critical: read('--sev-critical', '#c53030'),
    } satisfies Record<Severity, string>,
  };
}
