/**
 * Peer: line protocol POSTed straight to InfluxDB's /write in batches, one request at a time,
 * no spool and no client library: the ceiling of what any InfluxDB writer gets from this server.
 */

export interface RawWriteResult {
  readonly batch: number;
  readonly readings: number;
  readonly seconds: number;
  readonly rate: number;
}

export async function rawInfluxWrites(url: string, database: string, readings: number, batch: number): Promise<RawWriteResult> {
  const create = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE DATABASE "${database}"` }) });
  if (!create.ok) throw new Error(`CREATE DATABASE answered ${create.status}`);
  const base = Date.now() - 3_600_000;
  const started = performance.now();
  for (let i = 0; i < readings; i += batch) {
    const lines: string[] = [];
    for (let j = i; j < Math.min(readings, i + batch); j++) {
      lines.push(
        `telemetry,device=raw-${String((j % 100) + 1).padStart(3, '0')} temperature=${20 + (j % 50) / 10} ${base + Math.floor(j / 100)}`,
      );
    }
    const res = await fetch(`${url}/write?${new URLSearchParams({ db: database, precision: 'ms' })}`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    if (res.status !== 204) throw new Error(`raw /write answered ${res.status}: ${await res.text()}`);
  }
  const seconds = (performance.now() - started) / 1000;
  return { batch, readings, seconds, rate: readings / seconds };
}
