/**
 * The production install (`npm ci --omit=dev`, as the Dockerfile's runtime stage has it) must be
 * enough to run Vigil: every package the runtime code imports must be in package.json's
 * `dependencies` (or be a Node built-in). A static scan of the imports of every file in the
 * runtime folders and of every file reachable from the entry scripts: a dependency moved to
 * devDependencies (vite, svelte, chart.js, pino-pretty: build and development only) while
 * runtime code still imports it fails here, not in production.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const root = join(import.meta.dirname, '..', '..', '..');
const RUNTIME_DIRS = ['app', 'ingest', 'api', 'broker', 'simulator', 'lib', 'store', 'alerts', 'bus', 'domain', 'sources'];
/** Entry scripts (Dockerfile ENTRYPOINT and HEALTHCHECK) and what run.mjs loads by computed path. */
const ENTRY_FILES = ['scripts/run.mjs', 'scripts/healthcheck.mjs', 'scripts/simulate.ts', 'app/cli.ts'];
/** Dev-only packages the runtime may load only behind a guard that survives their absence. */
const OPTIONAL = new Map([['pino-pretty', ['lib/logger.ts']]]);

const manifest = z
  .object({ dependencies: z.record(z.string(), z.string()), devDependencies: z.record(z.string(), z.string()) })
  .parse(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|mjs|js)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Comments out, strings kept: a `// import x from 'y'` in prose must not count. */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

interface Use {
  readonly specifier: string;
  readonly how: 'import' | 'require';
}

/** Module specifiers a file loads at run time (type-only imports and re-exports left out). */
export function runtimeSpecifiers(source: string): Use[] {
  const text = stripComments(source);
  const uses: Use[] = [];
  const statement = /(?:^|;|\n)\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(statement)) {
    if (m[2]) continue;
    const clause = m[3] ?? '';
    const named = /^\{([^}]*)\}$/.exec(clause.trim());
    // import { type A, type B } from 'x' is erased too.
    if (named && named[1]!.split(',').every((part) => part.trim() === '' || part.trim().startsWith('type '))) continue;
    uses.push({ specifier: m[4]!, how: 'import' });
  }
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)) uses.push({ specifier: m[1]!, how: 'import' });
  for (const m of text.matchAll(/(?<![\w.])import\(\s*['"]([^'"]+)['"]\s*\)/g)) uses.push({ specifier: m[1]!, how: 'import' });
  for (const m of text.matchAll(/(?<![\w.])require\(\s*['"]([^'"]+)['"]\s*\)/g)) uses.push({ specifier: m[1]!, how: 'require' });
  return uses;
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

const isBuiltin = (specifier: string) => specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]!);

/** Every runtime file: the runtime folders plus whatever the entry scripts reach by relative import. */
function runtimeFiles(): string[] {
  const seen = new Set<string>();
  const queue = [...RUNTIME_DIRS.flatMap(sourceFiles), ...ENTRY_FILES];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { specifier } of runtimeSpecifiers(readFileSync(join(root, file), 'utf8'))) {
      if (specifier.startsWith('.')) queue.push(relative(root, resolve(root, dirname(file), specifier)));
    }
  }
  return [...seen].sort();
}

describe('runtime dependencies (npm ci --omit=dev)', () => {
  const files = runtimeFiles();
  const packages = new Map<string, Set<string>>();
  for (const file of files) {
    for (const { specifier } of runtimeSpecifiers(readFileSync(join(root, file), 'utf8'))) {
      if (specifier.startsWith('.') || isBuiltin(specifier)) continue;
      const name = packageOf(specifier);
      packages.set(name, (packages.get(name) ?? new Set()).add(file));
    }
  }

  it('scans the runtime: the entry scripts and what they reach', () => {
    expect(files).toEqual(
      expect.arrayContaining(['scripts/run.mjs', 'scripts/lib/bootstrap.mjs', 'app/main.ts', 'api/static.ts', 'lib/logger.ts']),
    );
    expect(files.some((f) => f.startsWith('dashboard/') || f.startsWith('tests/') || f.startsWith('bench/'))).toBe(false);
  });

  it('imports only packages in `dependencies` (or Node built-ins)', () => {
    const missing = [...packages]
      .filter(([name]) => !(name in manifest.dependencies))
      .filter(([name, where]) => !(OPTIONAL.get(name) && [...where].every((f) => OPTIONAL.get(name)!.includes(f))))
      .map(([name, where]) => `${name} (${[...where].join(', ')})`);
    expect(missing).toEqual([]);
  });

  it('loads the dev-only pretty printer only through require, so its absence can be caught', () => {
    for (const [name, allowed] of OPTIONAL) {
      expect(name in manifest.devDependencies, `${name} is a devDependency`).toBe(true);
      for (const file of packages.get(name) ?? []) {
        expect(allowed).toContain(file);
        const uses = runtimeSpecifiers(readFileSync(join(root, file), 'utf8')).filter((u) => packageOf(u.specifier) === name);
        expect(uses.map((u) => u.how)).toEqual(uses.map(() => 'require'));
      }
    }
  });

  it('keeps build and development tools out of `dependencies`', () => {
    for (const name of ['vite', 'svelte', '@sveltejs/vite-plugin-svelte', 'chart.js', 'pino-pretty', 'vitest', 'typescript']) {
      expect(name in manifest.dependencies, name).toBe(false);
    }
  });

  it('uses every package in `dependencies` at run time', () => {
    expect(Object.keys(manifest.dependencies).filter((name) => !packages.has(name))).toEqual([]);
  });
});

describe('runtimeSpecifiers', () => {
  it('reads value imports, re-exports, side-effect, dynamic imports and require', () => {
    const source = [
      "import { a } from 'pkg-a';",
      "import b, { c } from '@scope/pkg-b/sub';",
      "export { d } from './local.ts';",
      "import 'side-effect';",
      "const e = await import('dyn');",
      "const f = require('req');",
      "import type { T } from 'types-only';",
      "import { type U, type V } from 'types-too';",
      "export type { W } from 'types-three';",
      "// import x from 'commented';",
      "/* import y from 'block'; */",
    ].join('\n');
    expect(runtimeSpecifiers(source).map((u) => u.specifier)).toEqual([
      'pkg-a',
      '@scope/pkg-b/sub',
      './local.ts',
      'side-effect',
      'dyn',
      'req',
    ]);
  });
});
