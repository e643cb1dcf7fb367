/**
 * Which InfluxDB answers: read from /ping, which 1.x, 2.x and 3.x all serve. 1.x and 2.x name
 * themselves in the X-Influxdb-Version / X-Influxdb-Build headers; 3.x also answers a JSON body
 * with `version`. The major version decides what the store may do on start (docs/storage.md):
 * only 1.x databases are created through InfluxQL.
 */

export interface ServerInfo {
  /** 1, 2 or 3; null when the server did not say. */
  readonly major: number | null;
  readonly version: string;
  readonly build: string;
  /** For the start-up log line: "InfluxDB 1.x 1.6.7~rc0 (OSS)". */
  readonly label: string;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

function header(headers: Headers, name: string): string {
  const want = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === want && value !== undefined) return (Array.isArray(value) ? (value[0] ?? '') : value).trim();
  }
  return '';
}

export function describeServer(headers: Headers, body?: unknown): ServerInfo {
  let version = header(headers, 'x-influxdb-version');
  const build = header(headers, 'x-influxdb-build');
  if (!version && typeof body === 'object' && body !== null && typeof (body as { version?: unknown }).version === 'string') {
    version = (body as { version: string }).version;
  }
  const match = /^v?(\d+)\./.exec(version);
  const major = match ? Number(match[1]) : null;
  const known = major !== null && major >= 1 && major <= 3 ? major : null;
  const label = `InfluxDB ${known === null ? 'of unknown version' : `${known}.x`}${version ? ` ${version}` : ''}${build ? ` (${build})` : ''}`;
  return { major: known, version, build, label };
}
