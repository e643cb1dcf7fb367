import { HttpError, RequestTimedOutError } from '@influxdata/influxdb-client';
import { describe, expect, it } from 'vitest';
import { classifyWriteError } from '../../../store/influx/errors.ts';

const http = (status: number, error: string, retryAfter?: string) =>
  new HttpError(status, 'status', JSON.stringify({ error }), retryAfter, 'application/json');

describe('classifyWriteError', () => {
  it('treats 400 and 422 as partial writes, never to retry, with the count InfluxDB gave', () => {
    expect(classifyWriteError(http(400, 'partial write: points beyond retention policy dropped=3'))).toEqual({
      kind: 'partial',
      dropped: 3,
      message: 'InfluxDB answered 400: partial write: points beyond retention policy dropped=3',
    });
    expect(
      classifyWriteError(
        http(
          400,
          'partial write: field type conflict: input field "v" on measurement "telemetry" is type float, already exists as type string dropped=1',
        ),
      ),
    ).toMatchObject({ kind: 'partial', dropped: 1 });
    expect(classifyWriteError(http(400, "unable to parse 'x y': missing field value"))).toMatchObject({ kind: 'partial' });
    expect(
      classifyWriteError(
        new HttpError(422, 'Unprocessable', JSON.stringify({ code: 'unprocessable entity', message: 'failure writing points: dropped=2' })),
      ),
    ).toMatchObject({ kind: 'partial', dropped: 2 });
  });

  it('holds the spool for refusals retrying cannot fix', () => {
    expect(classifyWriteError(http(500, 'retention policy not found: vigil'))).toMatchObject({
      kind: 'permanent',
      message: 'InfluxDB answered 500: retention policy not found: vigil',
    });
    expect(classifyWriteError(http(401, 'authorization failed'))).toMatchObject({ kind: 'permanent' });
    expect(classifyWriteError(http(403, 'user is not authorized to write to database'))).toMatchObject({ kind: 'permanent' });
    expect(classifyWriteError(http(404, 'page not found'))).toMatchObject({ kind: 'permanent' });
    expect(classifyWriteError(http(405, 'method not allowed'))).toMatchObject({ kind: 'permanent' });
  });

  it('knows a missing database and a batch that is too large', () => {
    expect(classifyWriteError(http(404, 'database not found: "vigil"'))).toMatchObject({ kind: 'no_database' });
    expect(
      classifyWriteError(new HttpError(404, 'Not Found', JSON.stringify({ code: 'not found', message: 'bucket "vigil" not found' }))),
    ).toMatchObject({ kind: 'no_database' });
    expect(classifyWriteError(http(413, 'Request Entity Too Large'))).toMatchObject({ kind: 'too_large' });
  });

  it('retries server trouble, honouring Retry-After', () => {
    expect(classifyWriteError(http(500, 'timeout'))).toMatchObject({ kind: 'transient' });
    expect(classifyWriteError(http(500, 'engine: cache-max-memory-size exceeded'))).toMatchObject({ kind: 'transient' });
    expect(classifyWriteError(http(503, 'unavailable', '7'))).toMatchObject({ kind: 'transient', retryAfterMs: 7_000 });
    expect(classifyWriteError(http(429, 'too many requests', '2'))).toMatchObject({ kind: 'transient', retryAfterMs: 2_000 });
  });

  it('retries timeouts and network errors', () => {
    expect(classifyWriteError(new RequestTimedOutError())).toMatchObject({ kind: 'timeout' });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8086'), { code: 'ECONNREFUSED' });
    expect(classifyWriteError(refused)).toEqual({
      kind: 'transient',
      message: 'InfluxDB unreachable: connect ECONNREFUSED 127.0.0.1:8086',
    });
    expect(classifyWriteError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toMatchObject({ kind: 'transient' });
    expect(classifyWriteError(new Error('something else'))).toMatchObject({ kind: 'transient' });
    expect(classifyWriteError('a string')).toMatchObject({ kind: 'transient' });
  });
});
