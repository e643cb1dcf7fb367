import { describe, expect, it } from 'vitest';
import { parseArgs, SCENARIOS } from '../../../bench/args.ts';

describe('bench arguments', () => {
  it('runs every scenario, soak included, by default', () => {
    expect(parseArgs([])).toEqual({ ok: true, args: { quick: false, help: false, scenarios: [...SCENARIOS] } });
  });

  it('--quick leaves out the soak', () => {
    const parsed = parseArgs(['--quick']);
    expect(parsed.ok && parsed.args.scenarios).toEqual(['ingest', 'latency', 'sse-scale', 'history', 'dashboard', 'sources']);
  });

  it('--only narrows, keeps the suite order, and takes a list, repeats or the = form', () => {
    const parsed = parseArgs(['--only', 'history,ingest', '--only=dashboard', '--only', 'ingest']);
    expect(parsed.ok && parsed.args.scenarios).toEqual(['ingest', 'history', 'dashboard']);
  });

  it('--only soak runs the soak even in a quick run', () => {
    const parsed = parseArgs(['--quick', '--only', 'soak']);
    expect(parsed.ok && parsed.args).toEqual({ quick: true, help: false, scenarios: ['soak'] });
  });

  it('names the flag in its errors', () => {
    expect(parseArgs(['--only'])).toEqual({ ok: false, error: expect.stringMatching(/^--only needs a scenario name/) });
    expect(parseArgs(['--only', 'nope'])).toEqual({ ok: false, error: expect.stringMatching(/^--only: unknown scenario "nope"/) });
    expect(parseArgs(['--fast'])).toEqual({ ok: false, error: expect.stringMatching(/unknown argument "--fast"/) });
  });

  it('understands --help and -h', () => {
    expect(parseArgs(['-h']).ok && parseArgs(['--help']).ok).toBe(true);
    const parsed = parseArgs(['-h']);
    expect(parsed.ok && parsed.args.help).toBe(true);
  });
});
