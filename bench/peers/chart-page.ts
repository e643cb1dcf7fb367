/**
 * Peer of the dashboard's device page: one HTML page with the whole of Chart.js (its UMD build)
 * that fetches the same history from the same API and draws the same min/max band and mean.
 * Served to Chromium by request interception, from the API's origin, so it pays the same
 * network path; it is the ceiling of "navigation to a drawn chart" with no framework at all.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../harness/spawn.ts';

export const CHART_UMD = join(ROOT, 'node_modules', 'chart.js', 'dist', 'chart.umd.min.js');
export const PEER_PATH = '/__bench/chart-peer.html';
export const PEER_SCRIPT = '/__bench/chart.umd.min.js';

export function chartPeerHtml(device: string, metric: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Chart.js peer</title></head>
<body>
<div data-testid="chart" style="position:relative;height:300px;width:900px"><canvas></canvas></div>
<script src="${PEER_SCRIPT}"></script>
<script>
fetch('/api/devices/${encodeURIComponent(device)}/readings?from=-1h&points=900&metrics=${metric}')
  .then((r) => r.json())
  .then((doc) => {
    const rows = doc.series[${JSON.stringify(metric)}] || [];
    const xy = (i) => rows.map((b) => ({ x: b[0], y: b[i] }));
    new Chart(document.querySelector('canvas'), {
      type: 'line',
      data: { datasets: [
        { label: 'min', data: xy(2), pointRadius: 0, borderWidth: 0, fill: false },
        { label: 'max', data: xy(3), pointRadius: 0, borderWidth: 0, fill: '-1' },
        { label: 'mean', data: xy(1), pointRadius: 0, borderWidth: 1.5, fill: false },
      ] },
      options: { animation: false, parsing: false, normalized: true, responsive: true, maintainAspectRatio: false, scales: { x: { type: 'linear' } } },
    });
  });
</script>
</body></html>`;
}

export function chartUmd(): Buffer {
  return readFileSync(CHART_UMD);
}
