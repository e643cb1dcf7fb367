/**
 * CPU and memory of every process a scenario involves, over a measurement window. Child processes
 * are read from /proc (their own process tree when asked: nginx workers, chromium renderers);
 * the benchmark process itself from process.cpuUsage(). CPU is reported as % of one core, so
 * 200% is both cores of this machine.
 */
import { readFileSync } from 'node:fs';
import { allProcesses, CLOCK_TICKS, readStat, tree, type ProcStat } from './proc.ts';

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  // idle + iowait are the not-busy part.
  return { busy: total - fields[3]! - (fields[4] ?? 0), total };
}

export interface RoleSpec {
  readonly name: string;
  /** 'self' is this process; several PIDs add up (the SSE client processes). */
  readonly pid: number | 'self' | readonly number[];
  /** Count the whole process tree under pid. */
  readonly tree?: boolean;
  /**
   * A child of this process that may exit inside the window (the simulator after --count): once
   * reaped, its CPU is read from this process's cutime/cstime, which the kernel adds it to. Only
   * one such role per meter, and no other child may exit inside the window.
   */
  readonly mayExit?: boolean;
}

export interface RoleUsage {
  readonly name: string;
  /** % of one core over the window. */
  readonly cpuPct: number;
  readonly cpuSeconds: number;
  readonly rssStartBytes: number;
  readonly rssMaxBytes: number;
  readonly rssEndBytes: number;
  /** [seconds since start, RSS bytes], one per sample: the soak fits a line through them. */
  readonly rss: readonly (readonly [number, number])[];
}

interface RoleState {
  readonly spec: RoleSpec;
  /** Ticks at the window start (or 0 for a process born inside the window), and last seen. */
  readonly base: Map<number, number>;
  readonly last: Map<number, number>;
  selfBase: number;
  selfLast: number;
  rssStart: number;
  rssMax: number;
  rssEnd: number;
  readonly rss: [number, number][];
}

export class CpuMeter {
  private readonly roles: RoleState[] = [];
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private running = false;
  private machineStart = { busy: 0, total: 0 };
  private reapedStart = 0;

  constructor(
    roles: readonly RoleSpec[] = [],
    private readonly intervalMs = 500,
  ) {
    for (const role of roles) this.add(role);
  }

  /** A role added while running counts from now (its earlier CPU was not in the window). */
  add(spec: RoleSpec): void {
    const state: RoleState = {
      spec,
      base: new Map(),
      last: new Map(),
      selfBase: 0,
      selfLast: 0,
      rssStart: 0,
      rssMax: 0,
      rssEnd: 0,
      rss: [],
    };
    this.roles.push(state);
    if (this.running) this.baseline(state, this.snapshot());
  }

  start(): void {
    this.running = true;
    this.startedAt = performance.now();
    this.machineStart = machineTicks();
    this.reapedStart = reapedTicks();
    const all = this.snapshot();
    for (const role of this.roles) this.baseline(role, all);
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  /**
   * Ends the window; the figures cover start() to now. The last entry, `others`, is what the rest
   * of the machine used meanwhile (other people's tests on a shared box): the noise to read the
   * figures against.
   */
  stop(): RoleUsage[] {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    this.running = false;
    const seconds = (performance.now() - this.startedAt) / 1000;
    const machine = machineTicks();
    const reaped = reapedTicks() - this.reapedStart;
    const usage = this.roles.map((role): RoleUsage => {
      let cpuSeconds = role.spec.pid === 'self' ? (role.selfLast - role.selfBase) / 1e6 : ticksUsed(role) / CLOCK_TICKS;
      if (role.spec.mayExit && typeof role.spec.pid === 'number' && reaped > 0 && readStat(role.spec.pid) === undefined) {
        // Its whole life was added to our cutime when it was reaped; what it used before the window is its baseline.
        cpuSeconds = Math.max(cpuSeconds, (reaped - (role.base.get(role.spec.pid) ?? 0)) / CLOCK_TICKS);
      }
      return {
        name: role.spec.name,
        cpuPct: seconds > 0 ? (cpuSeconds / seconds) * 100 : 0,
        cpuSeconds,
        rssStartBytes: role.rssStart,
        rssMaxBytes: role.rssMax,
        rssEndBytes: role.rssEnd,
        rss: role.rss,
      };
    });
    // /proc/stat counts jiffies of every core in USER_HZ, so busy/CLOCK_TICKS is core-seconds.
    const machinePct = seconds > 0 ? ((machine.busy - this.machineStart.busy) / CLOCK_TICKS / seconds) * 100 : 0;
    const ours = usage.reduce((sum, u) => sum + u.cpuPct, 0);
    usage.push({
      name: 'others',
      cpuPct: Math.max(0, machinePct - ours),
      cpuSeconds: 0,
      rssStartBytes: 0,
      rssMaxBytes: 0,
      rssEndBytes: 0,
      rss: [],
    });
    return usage;
  }

  private snapshot(): Map<number, ProcStat> | undefined {
    return this.roles.some((r) => r.spec.tree) ? allProcesses() : undefined;
  }

  private statsOf(spec: RoleSpec, all: Map<number, ProcStat> | undefined): ProcStat[] {
    if (spec.pid === 'self') return [];
    const pids = typeof spec.pid === 'number' ? [spec.pid] : spec.pid;
    if (spec.tree) return pids.flatMap((pid) => tree(pid, all ?? allProcesses()));
    return pids.map((pid) => readStat(pid)).filter((s): s is ProcStat => s !== undefined);
  }

  private baseline(role: RoleState, all: Map<number, ProcStat> | undefined): void {
    if (role.spec.pid === 'self') {
      const usage = process.cpuUsage();
      role.selfBase = role.selfLast = usage.user + usage.system;
      role.rssStart = role.rssMax = role.rssEnd = process.memoryUsage.rss();
      return;
    }
    let rss = 0;
    for (const stat of this.statsOf(role.spec, all)) {
      role.base.set(stat.pid, stat.ticks);
      role.last.set(stat.pid, stat.ticks);
      rss += stat.rssBytes;
    }
    role.rssStart = role.rssMax = role.rssEnd = rss;
  }

  private sample(): void {
    const all = this.snapshot();
    const t = (performance.now() - this.startedAt) / 1000;
    for (const role of this.roles) {
      let rss: number;
      if (role.spec.pid === 'self') {
        const usage = process.cpuUsage();
        role.selfLast = usage.user + usage.system;
        rss = process.memoryUsage.rss();
      } else {
        const stats = this.statsOf(role.spec, all);
        // A process that has exited keeps its last reading: at most one interval of it is lost.
        if (stats.length === 0) continue;
        rss = 0;
        for (const stat of stats) {
          if (!role.base.has(stat.pid)) role.base.set(stat.pid, 0);
          role.last.set(stat.pid, stat.ticks);
          rss += stat.rssBytes;
        }
      }
      role.rssEnd = rss;
      if (rss > role.rssMax) role.rssMax = rss;
      role.rss.push([Math.round(t * 10) / 10, rss]);
    }
  }
}

/** cutime + cstime of this process: CPU of its children that have exited and been reaped. */
function reapedTicks(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(rest[13]) + Number(rest[14]);
}

function ticksUsed(role: RoleState): number {
  let ticks = 0;
  for (const [pid, last] of role.last) ticks += last - (role.base.get(pid) ?? 0);
  return ticks;
}

/** "sim 85%, broker 40%, ingest 95%": the CPU column of the result tables. */
export function cpuLine(usage: readonly RoleUsage[]): string {
  return usage.map((u) => `${u.name} ${Math.round(u.cpuPct)}%`).join(', ');
}

/** Sum of CPU over every role: with 2 cores, a figure near 200% means the machine was the bound. */
export function totalCpu(usage: readonly RoleUsage[]): number {
  return usage.filter((u) => u.name !== 'others').reduce((sum, u) => sum + u.cpuPct, 0);
}
