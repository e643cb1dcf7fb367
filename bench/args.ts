/**
 * `npm run bench -- [--quick] [--only a,b] [--help]`: a total parser that returns one clear
 * error naming the flag instead of throwing. Pure.
 */

export const SCENARIOS = ['ingest', 'latency', 'sse-scale', 'history', 'dashboard', 'sources', 'soak'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchArgs {
  readonly quick: boolean;
  /** In run order; every scenario unless --only narrowed it (soak only in a full run). */
  readonly scenarios: readonly ScenarioName[];
  readonly help: boolean;
}

export type ArgsResult = { readonly ok: true; readonly args: BenchArgs } | { readonly ok: false; readonly error: string };

export const USAGE = `usage: npm run bench -- [--quick] [--only SCENARIO[,SCENARIO...]]

  --quick          every scenario, short (about 5 minutes); the soak is left out
  --only LIST      run only these: ${SCENARIOS.join(', ')}
                   (may be given more than once; soak runs in a quick run only when named)
  --help, -h       this text

Prints a table per scenario and writes bench/results/bench-<time>.json.`;

const isScenario = (name: string): name is ScenarioName => (SCENARIOS as readonly string[]).includes(name);

export function parseArgs(argv: readonly string[]): ArgsResult {
  let quick = false;
  let help = false;
  const only: ScenarioName[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (value === undefined || value.trim() === '')
        return { ok: false, error: `--only needs a scenario name (one of ${SCENARIOS.join(', ')})` };
      for (const name of value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        if (!isScenario(name)) return { ok: false, error: `--only: unknown scenario "${name}" (expected ${SCENARIOS.join(', ')})` };
        if (!only.includes(name)) only.push(name);
      }
    } else return { ok: false, error: `unknown argument "${arg}" (see --help)` };
  }
  // The soak is 10 minutes by definition: a quick run leaves it out unless it is asked for.
  const scenarios = only.length > 0 ? SCENARIOS.filter((s) => only.includes(s)) : SCENARIOS.filter((s) => !(quick && s === 'soak'));
  return { ok: true, args: { quick, scenarios, help } };
}
