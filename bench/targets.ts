/**
 * Targets as ratios: a figure is judged against its peer measured in the same run on the same
 * machine, so a slower machine does not turn every line into a miss that says nothing about
 * Vigil. Absolute numbers stay in the measured column as information.
 */
import { ratio } from './stats.ts';
import { times } from './table.ts';
import type { ScenarioName } from './args.ts';
import type { TargetCheck } from './scenarios/types.ts';

export interface RatioGoal {
  readonly scenario: ScenarioName;
  readonly what: string;
  /** Vigil's figure and its peer's, in the same unit; undefined when not measured this run. */
  readonly value: number | undefined;
  readonly peer: number | undefined;
  readonly peerName: string;
  /** The ratio value / peer must be at least (`higher`: rates) or at most (`lower`: times, memory) this. */
  readonly goal: number;
  readonly better: 'higher' | 'lower';
  readonly format: (n: number) => string;
  /** A further condition the figure must meet (zero loss, everyone connected), with its text. */
  readonly also?: { readonly ok: boolean; readonly text: string };
}

export function ratioTarget(g: RatioGoal): TargetCheck {
  const r = g.value === undefined || g.peer === undefined ? undefined : ratio(g.value, g.peer);
  const figures = g.value === undefined ? 'not measured' : `${g.format(g.value)} vs ${g.peer === undefined ? '–' : g.format(g.peer)}`;
  const alsoText = g.also ? `, ${g.also.text}` : '';
  const within = r === undefined ? undefined : g.better === 'higher' ? r >= g.goal : r <= g.goal;
  return {
    scenario: g.scenario,
    what: g.what,
    target: `${g.better === 'higher' ? '>=' : '<='} ${times(g.goal)} ${g.peerName}`,
    measured: `${times(r)} (${figures}${alsoText})`,
    met: within === undefined ? undefined : within && (g.also?.ok ?? true),
  };
}
