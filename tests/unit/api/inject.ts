/**
 * Drives a Node request handler (Koa's app.callback()) in process, with no port: a real
 * IncomingMessage and ServerResponse over a socket stand-in that only records what Node's HTTP
 * code writes, which is then parsed back (status line, headers, chunked body).
 */
import { IncomingMessage, ServerResponse, type IncomingHttpHeaders, type RequestListener } from 'node:http';
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

export interface InjectRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** An object is sent as JSON with its content type; a string as is. */
  readonly body?: unknown;
}

export interface InjectResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
  /** The body parsed as JSON; undefined when it is empty or not JSON. */
  readonly json: unknown;
}

/** Records the bytes written to it; nothing is ever read from it. */
class RecordingSocket extends Duplex {
  readonly chunks: Buffer[] = [];
  readonly remoteAddress = '127.0.0.1';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    done();
  }
  override _read(): void {}
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
}

export async function inject(handler: RequestListener, request: InjectRequest): Promise<InjectResponse> {
  const socket = new RecordingSocket();
  // Node's HTTP classes take a net.Socket; they use only stream methods of it here.
  const asSocket = socket as unknown as Socket;
  const req = new IncomingMessage(asSocket);
  req.method = request.method ?? 'GET';
  req.url = request.path;
  req.httpVersion = '1.1';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  const headers: IncomingHttpHeaders = { host: '127.0.0.1' };
  let body: Buffer | undefined;
  if (request.body !== undefined) {
    body = Buffer.from(typeof request.body === 'string' ? request.body : JSON.stringify(request.body));
    if (typeof request.body !== 'string') headers['content-type'] = 'application/json';
    headers['content-length'] = String(body.length);
  }
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  req.headers = headers;
  if (body && body.length > 0) req.push(body);
  req.push(null);
  // As the HTTP parser would: otherwise destroying a fully read request destroys the socket too.
  req.complete = true;

  const res = new ServerResponse(req);
  res.assignSocket(asSocket);
  const finished = new Promise<void>((resolve, reject) => {
    res.on('finish', () => resolve());
    res.on('error', reject);
  });
  handler(req, res);
  await finished;
  return parse(Buffer.concat(socket.chunks));
}

function parse(raw: Buffer): InjectResponse {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, split).toString('latin1').split('\r\n');
  const status = Number(head[0]!.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const at = line.indexOf(':');
    headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
  }
  let rest = raw.subarray(split + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const eol = rest.indexOf('\r\n');
      const size = Number.parseInt(rest.subarray(0, eol).toString('latin1'), 16);
      if (!(size > 0)) break;
      parts.push(rest.subarray(eol + 2, eol + 2 + size));
      rest = rest.subarray(eol + 2 + size + 2);
    }
    rest = Buffer.concat(parts);
  }
  const text = rest.toString('utf8');
  let json: unknown;
  try {
    json = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    json = undefined;
  }
  return { status, headers, text, json };
}
