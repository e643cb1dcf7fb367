/**
 * Log lines as a log collector reads them: one `component` key per line however deep the
 * nesting (ingest's alerter, the API's store), and errors through pino's `err` serializer.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { componentLogger, createLogger } from '../../../lib/logger.ts';

/** A destination that keeps every line pino writes. */
function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination, name: 'vigil-test' }) };
}

/** The keys of a JSON object's top level, duplicates kept (JSON.parse would keep only the last). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      let j = i + 1;
      while (line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (depth === 1 && line[j + 1] === ':') keys.push(JSON.parse(line.slice(i, j + 1)) as string);
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return keys;
}

const duplicates = (keys: string[]) => keys.filter((k, i) => keys.indexOf(k) !== i);

describe('componentLogger', () => {
  it('writes one component key per line, the innermost, however deep the nesting', () => {
    const { lines, logger } = capture();
    const ingest = componentLogger(logger, 'ingest');
    const alerter = componentLogger(ingest, 'alerter');
    const store = componentLogger(componentLogger(logger, 'api'), 'store');
    ingest.info('one');
    alerter.info({ rule: 'r1' }, 'two');
    store.info('three');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(duplicates(topLevelKeys(line))).toEqual([]);
    expect(lines.map((l) => (JSON.parse(l) as { component: string }).component)).toEqual(['ingest', 'alerter', 'store']);
  });

  it("checks for duplicates the way the bug showed: pino's own nested child writes component twice", () => {
    const { lines, logger } = capture();
    logger.child({ component: 'api' }).child({ component: 'store' }).info('x');
    expect(duplicates(topLevelKeys(lines[0]!))).toEqual(['component']);
  });

  it('serializes an Error under err with its type, message and stack', () => {
    const { lines, logger } = capture();
    componentLogger(logger, 'api').warn({ err: new TypeError('boom') }, 'failed');
    const line = JSON.parse(lines[0]!) as { err: { type: string; message: string; stack: string } };
    expect(line.err).toMatchObject({ type: 'TypeError', message: 'boom' });
    expect(line.err.stack).toContain('TypeError: boom');
  });
});
