/**
 * `npm run bench -- [--quick] [--only SCENARIO,...]`: runs the scenarios one after another (never
 * side by side: they would share the two cores), prints the tables, writes the JSON. A scenario
 * that fails is reported and the run goes on; the exit code is 1 if any failed.
 */
import { parseArgs, USAGE, type ScenarioName } from './args.ts';
import { describeMachine } from './machine.ts';
import { renderText, writeReport, type RunReport } from './report.ts';
import { dashboardScenario } from './scenarios/dashboard.ts';
import { historyScenario } from './scenarios/history.ts';
import { ingestScenario } from './scenarios/ingest.ts';
import { latencyScenario } from './scenarios/latency.ts';
import { soakScenario } from './scenarios/soak.ts';
import { sourcesScenario } from './scenarios/sources.ts';
import { sseScaleScenario } from './scenarios/sse-scale.ts';
import type { Scenario, ScenarioResult } from './scenarios/types.ts';

const RUNNERS: Record<ScenarioName, Scenario> = {
  ingest: ingestScenario,
  latency: latencyScenario,
  'sse-scale': sseScaleScenario,
  history: historyScenario,
  dashboard: dashboardScenario,
  sources: sourcesScenario,
  soak: soakScenario,
};

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`bench: ${parsed.error}\n`);
    return 2;
  }
  if (parsed.args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { quick, scenarios } = parsed.args;
  const startedAt = new Date();
  const started = performance.now();
  const machine = describeMachine();
  const log = (line: string) =>
    process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  const results: ScenarioResult[] = [];
  const failures: { name: string; error: string }[] = [];
  // A Ctrl-C must still stop every process the scenario started: the scopes unwind on the way out.
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    log('interrupted; stopping after cleaning up the current scenario (Ctrl-C again to leave now)');
    process.once('SIGINT', () => process.exit(130));
  });
  for (const name of scenarios) {
    if (interrupted) break;
    log(`${name}: starting`);
    const t = performance.now();
    try {
      results.push(await RUNNERS[name]({ quick, log }));
      log(`${name}: done in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    } catch (err) {
      const error = (err as Error).stack ?? String(err);
      failures.push({ name, error: (err as Error).message });
      log(`${name}: FAILED: ${error}`);
    }
  }
  const report: RunReport = {
    startedAt: startedAt.toISOString(),
    seconds: (performance.now() - started) / 1000,
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    quick,
    machine,
    results,
    failures,
  };
  process.stdout.write(`\n${renderText(report)}\n`);
  process.stdout.write(`wrote ${writeReport(report)}\n`);
  return failures.length > 0 || interrupted ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
