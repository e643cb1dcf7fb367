/** The live one-line status a person at a terminal sees while the simulator runs. */
import type { SimulatorStats } from './stats.ts';

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function formatProgress(stats: SimulatorStats): string {
  return [
    `simulate ${clock(stats.elapsedMs)}`,
    `sent ${number.format(stats.sent)}`,
    `${number.format(stats.rate)} msg/s`,
    `errors ${number.format(stats.errors)}`,
    `connected ${stats.connected}/${stats.devices}`,
  ].join('  ');
}

export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): boolean;
}

/** Redraws the line in place every `everyMs` on a TTY; does nothing elsewhere (logs and pipes stay clean). */
export function startProgress(stream: ProgressStream, stats: () => SimulatorStats, everyMs = 250): () => void {
  if (stream.isTTY !== true) return () => undefined;
  const draw = () => stream.write(`\r\x1b[2K${formatProgress(stats())}`);
  const timer = setInterval(draw, everyMs);
  timer.unref();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    draw();
    stream.write('\n');
  };
}
