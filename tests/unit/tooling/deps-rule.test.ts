/**
 * The dependency direction (domain <- lib <- bus <- sources, store <- alerts <- processes <- app; the
 * dashboard reaches only domain/) is enforced by Biome's noRestrictedImports in biome.json's
 * per-folder overrides. These tests run the real Biome with the real biome.json over probe files
 * in a temp tree, so a config edit that silently stops enforcing a direction fails here.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const biome = join(root, 'node_modules', '.bin', 'biome');
const RULE = 'lint/style/noRestrictedImports';

/** [probe file, its source, whether the rule must reject it] */
const CASES: readonly (readonly [string, string, boolean])[] = [
  ['domain/probe-lib.ts', "import { x } from '../lib/config.ts';", true],
  ['domain/probe-own.ts', "import { x } from './reading.ts';", false],
  ['lib/probe-domain.ts', "import { x } from '../domain/reading.ts';", false],
  ['lib/probe-bus.ts', "import { x } from '../bus/topics.ts';", true],
  ['bus/probe-lib.ts', "import { x } from '../lib/mqtt.ts';", false],
  ['bus/probe-store.ts', "import { x } from '../store/port.ts';", true],
  ['store/influx/probe-bus.ts', "import { x } from '../../bus/topics.ts';", false],
  ['store/probe-alerts.ts', "import { x } from '../alerts/evaluator.ts';", true],
  ['bus/probe-sources.ts', "import { x } from '../sources/types.ts';", true],
  ['sources/probe-domain.ts', "import { x } from '../domain/reading.ts';", false],
  ['sources/probe-bus.ts', "import { x } from '../bus/topics.ts';", false],
  ['sources/probe-store.ts', "import { x } from '../store/port.ts';", true],
  ['sources/presets/probe-ingest.ts', "import { x } from '../../ingest/index.ts';", true],
  ['ingest/probe-sources.ts', "import { x } from '../sources/types.ts';", false],
  ['alerts/probe-store.ts', "import { x } from '../store/port.ts';", false],
  ['alerts/probe-api.ts', "import { x } from '../api/index.ts';", true],
  ['ingest/probe-api.ts', "import { x } from '../api/index.ts';", true],
  ['ingest/probe-api-type.ts', "import type { x } from '../api';", true],
  ['ingest/probe-reexport.ts', "export { x } from '../simulator/index.ts';", true],
  ['ingest/probe-dynamic.ts', "export const load = () => import('../broker/index.ts');", true],
  ['ingest/probe-alerts.ts', "import { x } from '../alerts/alerter.ts';", false],
  ['api/routes/probe-ingest.ts', "import { x } from '../../ingest/index.ts';", true],
  ['api/routes/probe-app.ts', "import { x } from '../../app/main.ts';", true],
  ['simulator/probe-tests.ts', "import { x } from '../tests/helpers/index.ts';", true],
  ['broker/probe-lib.ts', "import { x } from '../lib/net.ts';", false],
  ['app/probe-ingest.ts', "import { x } from '../ingest/index.ts';", false],
  ['app/probe-bench.ts', "import { x } from '../bench/cli.ts';", true],
  ['dashboard/src/probe-domain.ts', "import type { x } from '../../domain/alert.ts';", false],
  ['dashboard/src/probe-lib.ts', "import { x } from '../../lib/config.ts';", true],
  ['dashboard/src/lib/probe-own.ts', "import { x } from '../state/devices.svelte.ts';", false],
  ['dashboard/src/lib/probe-domain.ts', "import type { x } from '../../../domain/devices.ts';", false],
  ['dashboard/src/lib/probe-store.ts', "import type { x } from '../../../store/port.ts';", true],
  [
    'dashboard/src/components/Probe.svelte',
    '<script lang="ts">\n  import { x } from \'../../../api/index.ts\';\n  console.log(x);\n</script>',
    true,
  ],
  ['tests/unit/probe-anything.ts', "import { x } from '../../api/index.ts';", false],
];

function runBiome(cwd: string, args: readonly string[]): { status: number | null; output: string } {
  const ran = spawnSync(biome, ['lint', '--colors=off', '--max-diagnostics=1000', `--only=style/noRestrictedImports`, ...args], {
    cwd,
    encoding: 'utf8',
  });
  return { status: ran.status, output: `${ran.stdout}${ran.stderr}` };
}

/** The files Biome reported under the rule, as `path:line`. */
function flagged(output: string): string[] {
  return [...output.matchAll(new RegExp(`^(\\S+):(\\d+):\\d+ ${RULE}`, 'gm'))].map((m) => `${m[1]}:${m[2]}`);
}

describe('dependency rule (biome.json noRestrictedImports)', () => {
  let dir: string;
  let result: { status: number | null; output: string };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-deps-rule-'));
    // The real config, minus what only makes sense inside the repository (git ignore file, schema path).
    const config = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8')) as Record<string, unknown>;
    delete config['$schema'];
    config['vcs'] = { enabled: false };
    writeFileSync(join(dir, 'biome.json'), JSON.stringify(config));
    for (const [file, source] of CASES) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), `${source}\n`);
    }
    result = runBiome(dir, ['.']);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(CASES.filter(([, , rejected]) => rejected).map(([file]) => file))('rejects %s, naming file:line and the rule', (file) => {
    const line = file.endsWith('.svelte') ? 2 : 1;
    expect(flagged(result.output)).toContain(`${file}:${line}`);
    expect(result.output).toMatch(/dependency rule: /);
  });

  it.each(CASES.filter(([, , rejected]) => !rejected).map(([file]) => file))('allows %s', (file) => {
    expect(flagged(result.output).filter((hit) => hit.startsWith(`${file}:`))).toEqual([]);
  });

  it('fails the lint run when anything is rejected', () => {
    expect(result.status).not.toBe(0);
  });

  it('passes on the repository as it is', () => {
    const clean = runBiome(root, ['.']);
    expect(flagged(clean.output)).toEqual([]);
    expect(clean.status).toBe(0);
  });

  it('covers every top-level folder that holds code', () => {
    // A new folder (a process, a layer) must get its own override, or the rule would not see it.
    const config = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8')) as { overrides: { includes: string[] }[] };
    const ruled = new Set(config.overrides.flatMap((o) => o.includes).map((glob) => glob.split('/')[0]));
    const outside = new Set(['scripts', 'bench', 'tests', 'deploy', 'docs', 'node_modules', 'data', 'coverage']);
    const folders = readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !outside.has(e.name))
      .map((e) => e.name);
    expect(folders.filter((name) => !ruled.has(name))).toEqual([]);
  });
});
