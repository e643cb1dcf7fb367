/**
 * What Linux says about a process in /proc: CPU ticks, RSS, parent. The benchmark reads other
 * processes' CPU from here rather than trusting them to report it, so a busy process cannot
 * under-report itself, and processes we did not write (mosquitto, influxd, nginx) count too.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  /** utime + stime, in clock ticks (all threads). */
  readonly ticks: number;
  readonly rssBytes: number;
}

function sysconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

export const CLOCK_TICKS = sysconf('CLK_TCK', 100);
const PAGE_SIZE = sysconf('PAGESIZE', 4096);

/**
 * Parses /proc/<pid>/stat. The command name sits in parentheses and may itself hold spaces or
 * ")", so the fields are counted from the last ")".
 */
export function parseStat(pid: number, text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state): field N is rest[N - 3].
  return {
    pid,
    comm: text.slice(open + 1, close),
    ppid: Number(rest[1]),
    ticks: Number(rest[11]) + Number(rest[12]),
    rssBytes: Number(rest[21]) * PAGE_SIZE,
  };
}

export function readStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(pid, readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every process now, by pid: one pass over /proc (this kernel has no task/<tid>/children). */
export function allProcesses(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) out.set(stat.pid, stat);
  }
  return out;
}

/** `root` and everything below it (nginx workers, chromium's renderers, esbuild under tsx). */
export function tree(root: number, all: Map<number, ProcStat> = allProcesses()): ProcStat[] {
  const children = new Map<number, number[]>();
  for (const stat of all.values()) {
    const list = children.get(stat.ppid);
    if (list) list.push(stat.pid);
    else children.set(stat.ppid, [stat.pid]);
  }
  const out: ProcStat[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    const stat = all.get(pid);
    if (stat) out.push(stat);
    for (const child of children.get(pid) ?? []) stack.push(child);
  }
  return out;
}

/** The pid whose command line contains `needle` (e.g. a config path only our process was given). */
export function findByCmdline(needle: string): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(needle)) return Number(name);
    } catch {
      // Gone between readdir and read.
    }
  }
  return undefined;
}

/**
 * Proportional set size: shared pages divided among the processes sharing them. nginx's master
 * and worker both map Nchan's shared memory; adding their RSS would count it twice.
 */
export function readPss(pid: number): number | undefined {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
