import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Evaluator, type Transition } from '../../../alerts/evaluator.ts';
import { parseRule, type Rule } from '../../../domain/rule.ts';

function rule(input: Record<string, unknown>, id = 'r1'): Rule {
  const parsed = parseRule({ name: 'test', ...input });
  if (!parsed.ok) throw new Error(`${parsed.field}: ${parsed.message}`);
  return { ...parsed.rule, id } as Rule;
}

const T0 = 1_700_000_000_000;
const at = (s: number) => T0 + s * 1000;

/** Feeds (second, value) pairs for device d1 / metric t; returns the transitions as [kind, second]. */
function run(r: Rule, points: readonly [number, number][], evaluator = new Evaluator([r])): [string, number][] {
  const out: Transition[] = [];
  for (const [s, v] of points) out.push(...evaluator.reading({ device: 'd1', ts: at(s), values: { t: v } }));
  return out.map((t) => [t.kind, (t.ts - T0) / 1000]);
}

describe('threshold rules', () => {
  it.each([
    [
      'above fires past the value',
      { op: 'above', value: 30 },
      [
        [0, 29],
        [1, 31],
        [2, 20],
      ],
      [
        ['fired', 1],
        ['resolved', 2],
      ],
    ],
    [
      'above: equal is not a breach',
      { op: 'above', value: 30 },
      [
        [0, 30],
        [1, 30],
      ],
      [],
    ],
    [
      'below fires under the value',
      { op: 'below', value: 10 },
      [
        [0, 11],
        [1, 9],
        [2, 12],
      ],
      [
        ['fired', 1],
        ['resolved', 2],
      ],
    ],
    [
      'outside fires beyond either end',
      { op: 'outside', low: 10, high: 20 },
      [
        [0, 15],
        [1, 25],
        [2, 15],
        [3, 5],
        [4, 15],
      ],
      [
        ['fired', 1],
        ['resolved', 2],
        ['fired', 3],
        ['resolved', 4],
      ],
    ],
  ] as const)('%s', (_name, spec, points, expected) => {
    expect(run(rule({ type: 'threshold', metric: 't', ...spec }), points as unknown as [number, number][])).toEqual(expected);
  });

  it.each([
    [
      'not yet at for - 1 s',
      [
        [0, 31],
        [9, 31],
      ],
      [],
    ],
    [
      'exactly at for',
      [
        [0, 31],
        [10, 31],
      ],
      [['fired', 10]],
    ],
    [
      'a dip restarts the wait',
      [
        [0, 31],
        [5, 29],
        [12, 31],
        [21, 31],
        [22, 31],
      ],
      [['fired', 22]],
    ],
  ] as const)('for = 10 s: %s', (_name, points, expected) => {
    expect(run(rule({ type: 'threshold', metric: 't', op: 'above', value: 30, for: 10 }), points as unknown as [number, number][])).toEqual(
      expected,
    );
  });

  it.each([
    [
      'above: stays firing within the band',
      { op: 'above', value: 30 },
      [
        [0, 31],
        [1, 28],
        [2, 28.01],
      ],
      [['fired', 0]],
    ],
    [
      'above: the band edge itself does not clear',
      { op: 'above', value: 30 },
      [
        [0, 31],
        [1, 28],
      ],
      [['fired', 0]],
    ],
    [
      'above: beyond the band clears',
      { op: 'above', value: 30 },
      [
        [0, 31],
        [1, 27.99],
      ],
      [
        ['fired', 0],
        ['resolved', 1],
      ],
    ],
    [
      'below: clears only above value + h',
      { op: 'below', value: 10 },
      [
        [0, 9],
        [1, 12],
        [2, 12.5],
      ],
      [
        ['fired', 0],
        ['resolved', 2],
      ],
    ],
    [
      'outside: clears only inside the shrunk band',
      { op: 'outside', low: 0, high: 10 },
      [
        [0, 11],
        [1, 9],
        [2, 7.9],
      ],
      [
        ['fired', 0],
        ['resolved', 2],
      ],
    ],
  ] as const)('hysteresis 2: %s', (_name, spec, points, expected) => {
    expect(run(rule({ type: 'threshold', metric: 't', hysteresis: 2, ...spec }), points as unknown as [number, number][])).toEqual(
      expected,
    );
  });

  it('ignores late and duplicate readings', () => {
    const r = rule({ type: 'threshold', metric: 't', op: 'above', value: 30 });
    expect(
      run(r, [
        [5, 31],
        [3, 10],
        [5, 10],
        [6, 10],
      ]),
    ).toEqual([
      ['fired', 5],
      ['resolved', 6],
    ]);
  });

  it('matches devices by glob and ignores other metrics', () => {
    const evaluator = new Evaluator([rule({ type: 'threshold', metric: 't', op: 'above', value: 1, device: 'sim-*' })]);
    expect(evaluator.reading({ device: 'other', ts: at(0), values: { t: 5 } })).toEqual([]);
    expect(evaluator.reading({ device: 'sim-1', ts: at(0), values: { u: 5 } })).toEqual([]);
    expect(evaluator.reading({ device: 'sim-1', ts: at(1), values: { t: 5 } })).toHaveLength(1);
  });

  it('carries on from a saved state after a restart', () => {
    const r = rule({ type: 'threshold', metric: 't', op: 'above', value: 30, for: 10 });
    const first = new Evaluator([r]);
    run(
      r,
      [
        [0, 31],
        [5, 31],
      ],
      first,
    );
    const restored = new Evaluator([r], JSON.parse(JSON.stringify(first.state())));
    expect(
      run(
        r,
        [
          [10, 31],
          [11, 31],
          [12, 10],
        ],
        restored,
      ),
    ).toEqual([
      ['fired', 10],
      ['resolved', 12],
    ]);
  });

  it('resolves firing alerts of a rule that is removed, and keeps state across renames', () => {
    const r = rule({ type: 'threshold', metric: 't', op: 'above', value: 30 });
    const evaluator = new Evaluator([r]);
    run(r, [[0, 31]], evaluator);
    expect(evaluator.setRules([{ ...r, name: 'renamed' }], at(1))).toEqual([]);
    const gone = evaluator.setRules([], at(2));
    expect(gone.map((t) => [t.kind, t.device])).toEqual([['resolved', 'd1']]);
  });

  it('never flaps on noise inside the hysteresis band after firing (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1000, max: 1000, noNaN: true }),
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (threshold, h, noise) => {
          const r = rule({ type: 'threshold', metric: 't', op: 'above', value: threshold, hysteresis: h });
          const points: [number, number][] = [
            [0, threshold + 1],
            ...noise.map((n, i): [number, number] => [i + 1, threshold - h + n * (h + 5)]),
          ];
          expect(run(r, points)).toEqual([['fired', 0]]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('nodata rules', () => {
  it('fires when a device goes silent for `after` and resolves when it reports again', () => {
    const r = rule({ type: 'nodata', after: 60 });
    const evaluator = new Evaluator([r]);
    evaluator.reading({ device: 'd1', ts: at(0), values: { t: 1 } });
    expect(evaluator.tick(at(59))).toEqual([]);
    const fired = evaluator.tick(at(61));
    expect(fired.map((t) => [t.kind, t.device, (t.ts - T0) / 1000])).toEqual([['fired', 'd1', 60]]);
    expect(evaluator.tick(at(120))).toEqual([]);
    const back = evaluator.reading({ device: 'd1', ts: at(130), values: { t: 1 } });
    expect(back.map((t) => [t.kind, (t.ts - T0) / 1000, (t.startedAt - T0) / 1000])).toEqual([['resolved', 130, 60]]);
  });

  it('watches devices known before the first reading (seen at start)', () => {
    const evaluator = new Evaluator([rule({ type: 'nodata', after: 10, device: 'a*' })]);
    evaluator.seen('a1', at(0));
    evaluator.seen('b1', at(0));
    expect(evaluator.tick(at(11)).map((t) => t.device)).toEqual(['a1']);
  });
});
