/**
 * What every scenario returns: tables for the terminal and the docs, target checks, notes, and
 * the raw figures for the JSON file.
 */
import type { ScenarioName } from '../args.ts';
import type { Table } from '../table.ts';

export type JsonValue = string | number | boolean | null | undefined | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface TargetCheck {
  readonly scenario: ScenarioName;
  readonly what: string;
  readonly target: string;
  readonly measured: string;
  /** undefined: not measured in this run (a peer or a case was skipped). */
  readonly met: boolean | undefined;
}

export interface ScenarioResult {
  readonly name: ScenarioName;
  readonly title: string;
  readonly tables: readonly Table[];
  readonly targets: readonly TargetCheck[];
  readonly notes: readonly string[];
  readonly data: JsonValue;
}

export interface ScenarioContext {
  readonly quick: boolean;
  /** A progress line on stderr, so stdout stays the tables. */
  log(line: string): void;
}

export type Scenario = (ctx: ScenarioContext) => Promise<ScenarioResult>;
