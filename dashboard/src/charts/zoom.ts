import type { ZoomPluginOptions } from 'chartjs-plugin-zoom/types/options';
import type { Chart } from 'chart.js';

/** Narrower than this is below the history's resolution and a slip of the mouse, not a zoom. */
const MIN_ZOOM_MS = 10_000;

/**
 * chartjs-plugin-zoom on the time axis only: drag a span to zoom into it, shift-drag to pan.
 * The plugin moves the axis itself; the chosen window is handed on (to the URL) so the page
 * fetches that window again at the finer resolution and a reload keeps it.
 */
export function zoomOptions(onZoom: (from: number, to: number) => void): ZoomPluginOptions {
  const report = ({ chart }: { chart: Chart }) => {
    const x = chart.scales['x'];
    if (!x || !Number.isFinite(x.min) || !Number.isFinite(x.max) || x.max - x.min < MIN_ZOOM_MS) return;
    onZoom(Math.round(x.min), Math.round(x.max));
  };
  return {
    zoom: {
      drag: { enabled: true, threshold: 8, backgroundColor: 'rgba(37, 99, 235, 0.15)' },
      wheel: { enabled: false },
      pinch: { enabled: true },
      mode: 'x',
      onZoomComplete: report,
    },
    pan: { enabled: true, mode: 'x', modifierKey: 'shift', onPanComplete: report },
  };
}
