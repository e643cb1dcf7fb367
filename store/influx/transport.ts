/**
 * The HTTP side of the InfluxDB store: the v1-compatible /ping, /write and /query endpoints,
 * which 1.x, 2.x (bucket through a DBRP mapping) and 3.x all serve, through the client's
 * transport. One code path for the three; only what is created on start differs.
 */
import { InfluxDB, type Transport } from '@influxdata/influxdb-client';
import { describeServer, type ServerInfo } from './server.ts';

export interface InfluxConnection {
  readonly url: string;
  /** INFLUX_TOKEN: a 2.x/3.x token, or `user:password` for 1.x. */
  readonly token: string | undefined;
  readonly database: string;
  /**
   * Socket idle timeout of every request. Well below MQTT keep-alives, so a hung influxd (or
   * one stopped with SIGSTOP) turns into a retried timeout rather than a stuck forwarder.
   */
  readonly timeoutMs?: number;
}

export interface QuerySeries {
  readonly name?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly columns: readonly string[];
  readonly values: readonly (readonly unknown[])[];
}

export interface StatementResult {
  readonly statement_id?: number;
  readonly error?: string;
  readonly series?: readonly QuerySeries[];
}

export class InfluxQueryError extends Error {
  constructor(
    message: string,
    readonly statement: string,
  ) {
    super(message);
    this.name = 'InfluxQueryError';
  }
}

/**
 * `user:password` is 1.x credentials, sent as basic auth (1.6 does not read them from a Token
 * header, and u/p query parameters would land in InfluxDB's request log). Tokens never hold a colon.
 */
export function credentials(token: string | undefined): { token?: string; headers?: Record<string, string> } {
  if (token === undefined || token === '') return {};
  const colon = token.indexOf(':');
  if (colon < 0) return { token };
  return { headers: { Authorization: `Basic ${Buffer.from(token).toString('base64')}` } };
}

export class InfluxHttp {
  readonly transport: Transport;
  readonly database: string;
  /** 3.x's v1 query API is documented for one statement per request; 1.x and 2.x take several. */
  private multiStatement = true;

  constructor(connection: InfluxConnection) {
    this.database = connection.database;
    this.transport = new InfluxDB({
      url: connection.url,
      timeout: connection.timeoutMs ?? 10_000,
      ...credentials(connection.token),
    }).transport;
  }

  async ping(timeoutMs: number): Promise<ServerInfo> {
    let headers: Record<string, string | string[] | undefined> = {};
    const body: unknown = await this.transport.request('/ping', null, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) }, (h) => {
      headers = h;
    });
    const info = describeServer(headers, body);
    this.multiStatement = info.major !== 3;
    return info;
  }

  /** Line protocol, millisecond timestamps, into the database's default retention policy. */
  async write(lines: string, signal?: AbortSignal): Promise<void> {
    const params = new URLSearchParams({ db: this.database, precision: 'ms' });
    await this.transport.request(`/write?${params}`, lines, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      ...(signal ? { signal } : {}),
    });
  }

  /** Runs statements against the database; one result per statement, in order (errors left in). */
  async query(statements: readonly string[], options: { database?: boolean; signal?: AbortSignal } = {}): Promise<StatementResult[]> {
    if (statements.length === 0) return [];
    if (!this.multiStatement && statements.length > 1) {
      const each = await Promise.all(statements.map((s) => this.query([s], options)));
      return each.map((r) => r[0] ?? {});
    }
    const params = new URLSearchParams({ epoch: 'ms' });
    if (options.database !== false) params.set('db', this.database);
    const response = (await this.transport.request(`/query?${params}`, new URLSearchParams({ q: statements.join(';\n') }).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      ...(options.signal ? { signal: options.signal } : {}),
    })) as { results?: StatementResult[]; error?: string };
    if (typeof response.error === 'string') throw new InfluxQueryError(`InfluxDB query failed: ${response.error}`, statements.join('; '));
    const results = response.results ?? [];
    return statements.map((_, i) => results[i] ?? {});
  }

  /** One statement whose error, if any, is thrown. */
  async queryOne(statement: string, options: { database?: boolean } = {}): Promise<readonly QuerySeries[]> {
    const [result] = await this.query([statement], options);
    return seriesOf(result ?? {}, statement);
  }
}

export function isMissingDatabase(result: StatementResult): boolean {
  return typeof result.error === 'string' && /database not found/i.test(result.error);
}

/**
 * The series of a result; a missing database reads as no data (nothing was written yet), any
 * other error is thrown.
 */
export function seriesOf(result: StatementResult, statement: string): readonly QuerySeries[] {
  if (result.error !== undefined) {
    if (isMissingDatabase(result)) return [];
    throw new InfluxQueryError(`InfluxDB query failed: ${result.error}`, statement);
  }
  return result.series ?? [];
}
