/**
 * The start banner: a few lines on stderr for a person at a terminal, one JSON log line for
 * anything else, and the operator token only when Vigil made it (never a VIGIL_TOKEN).
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { announce, type BannerFacts } from '../../../app/banner.ts';
import { createLogger } from '../../../lib/logger.ts';

const facts = (tokenSource: BannerFacts['tokenSource']): BannerFacts => ({
  role: 'all',
  url: 'http://127.0.0.1:8080',
  token: 'the-token-0123456789abcdef',
  tokenSource,
  broker: { url: 'mqtt://127.0.0.1:1883', embedded: true },
  store: './data/vigil.db',
  simulator: 10,
});

function run(f: BannerFacts, tty: boolean) {
  let stderr = '';
  const json: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, done) {
      json.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  announce(f, { tty, stderr: (t) => (stderr += t), logger: createLogger({ level: 'info', destination }) });
  return { stderr, json };
}

describe('announce', () => {
  it('prints a generated or kept token on a terminal, to stderr only', () => {
    for (const source of ['generated', 'file'] as const) {
      const { stderr, json } = run(facts(source), true);
      expect(json).toEqual([]);
      expect(stderr).toContain('Vigil is running at http://127.0.0.1:8080');
      expect(stderr).toContain('the-token-0123456789abcdef');
      expect(stderr).toContain('MQTT:      mqtt://127.0.0.1:1883 (embedded)');
    }
  });

  it('never prints a token from VIGIL_TOKEN', () => {
    const tty = run(facts('env'), true);
    expect(tty.stderr).toContain('Operator token (VIGIL_TOKEN): not shown');
    const log = run(facts('env'), false);
    expect(`${tty.stderr}${log.json.join('')}`).not.toContain('the-token-0123456789abcdef');
  });

  it('writes one JSON line when stdout is not a terminal', () => {
    const { stderr, json } = run(facts('generated'), false);
    expect(stderr).toBe('');
    expect(json).toHaveLength(1);
    expect(JSON.parse(json[0]!)).toMatchObject({
      msg: 'Vigil is running',
      level: 30,
      url: 'http://127.0.0.1:8080',
      tokenSource: 'generated',
      token: 'the-token-0123456789abcdef',
      broker: 'mqtt://127.0.0.1:1883',
      simulatorDevices: 10,
    });
  });
});
