/**
 * The machine the figures come from: they mean little without it. Versions of the peers are
 * asked from the binaries themselves.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memoryGB: number;
  readonly node: string;
  readonly kernel: string;
  readonly debian: string;
  readonly loadAverage: readonly number[];
  readonly versions: Readonly<Record<string, string>>;
}

function run(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5_000 }).trim();
  } catch (err) {
    // nginx -v and mosquitto -h print to stderr and may exit non-zero.
    const e = err as { stderr?: string; stdout?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}`.trim();
  }
}

function firstMatch(text: string, pattern: RegExp): string {
  return pattern.exec(text)?.[1] ?? 'not installed';
}

export function describeMachine(): Machine {
  const model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  let debian = 'unknown';
  try {
    debian = readFileSync('/etc/debian_version', 'utf8').trim();
  } catch {
    // Not Debian.
  }
  return {
    nproc: Number(run('nproc', [])) || cpus().length,
    cpuModel: model.trim(),
    memoryGB: Math.round(totalmem() / 1_073_741_824),
    node: process.version,
    kernel: run('uname', ['-r']),
    debian,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    versions: {
      mosquitto: firstMatch(run('/usr/sbin/mosquitto', ['-h']), /mosquitto version (\S+)/),
      influxd: firstMatch(run('influxd', ['version']), /InfluxDB v?(\S+)/),
      nginx: firstMatch(run('/usr/sbin/nginx', ['-v']), /nginx\/(\S+)/),
      chromium: firstMatch(run('/usr/bin/chromium', ['--version']), /Chromium (\S+)/),
    },
  };
}

export function machineLine(m: Machine): string {
  return `${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGB} GB, Node ${m.node}, Debian ${m.debian}, load average ${m.loadAverage.join(' ')} at start`;
}
