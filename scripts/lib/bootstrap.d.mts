// Types for bootstrap.mjs, which must stay plain JavaScript (it runs before node_modules exists).
import type { SpawnSyncOptions } from 'node:child_process';

export interface DebianPackage {
  readonly pkg: string;
  readonly bin: string;
}

export type RunFn = (command: string, args: readonly string[], options?: SpawnSyncOptions) => number;

export interface InstallPlan {
  readonly command: 'ci' | 'install' | null;
  readonly reason: string;
}

export interface BuildPlan {
  readonly build: boolean;
  readonly reason: string;
}

export interface StepDeps {
  run: RunFn;
  log: (line: string) => void;
}

export interface AptDeps extends StepDeps {
  isRoot: () => boolean;
  exists: (bin: string) => boolean;
  exit: (code: number) => void;
  guardServices: <T>(body: () => T) => T;
}

export const TEST_DEBIAN_PACKAGES: readonly DebianPackage[];
export function isStale(targetMtime: number | null, sourceMtimes: readonly (number | null)[]): boolean;
export function newestMtime(path: string): number | null;
export function installPlan(root: string): InstallPlan;
export function ensureNodeModules(root: string, deps?: StepDeps): InstallPlan;
export function hasBinary(bin: string): boolean;
export function missingPackages(list: readonly DebianPackage[], exists?: (bin: string) => boolean): string[];
export function aptInstallCommand(pkgs: readonly string[]): string;
export function ensureDebianPackages(list: readonly DebianPackage[], overrides?: Partial<AptDeps>): string[];
export function dashboardSources(root: string): string[];
export function dashboardBuildPlan(root: string): BuildPlan;
export function ensureDashboardBuild(root: string, deps?: StepDeps): BuildPlan;
