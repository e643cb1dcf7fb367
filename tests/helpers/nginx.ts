import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.ts';
import { findBinary, spawnServer } from './process.ts';

export const NGINX_PATH = findBinary('nginx', ['/usr/sbin/nginx', '/usr/bin/nginx'], process.env['NGINX_PATH']);

export interface NginxServer {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * A real Debian nginx on a free loopback port, reverse-proxying to `upstream` the way the usual
 * configuration does (X-Forwarded-For gets the client's address appended to what it sent).
 */
export async function startNginx(upstream: string): Promise<NginxServer> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-nginx-'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  await writeFile(
    conf,
    [
      ...(process.getuid?.() === 0 ? ['user root;'] : []),
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'events { worker_connections 64; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`,
      `  server { listen 127.0.0.1:${port}; location / {`,
      `    proxy_pass ${upstream};`,
      '    proxy_set_header Host $host;',
      '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      '    proxy_set_header X-Forwarded-Proto $scheme;',
      '  } }',
      '}',
      '',
    ].join('\n'),
  );
  const server = spawnServer(NGINX_PATH, ['-p', dir, '-c', conf, '-g', 'daemon off;']);
  try {
    await waitForPort(port, 10_000);
  } catch (err) {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
    throw new Error(`nginx did not start: ${(err as Error).message}\n${server.output()}`);
  }
  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      (stopped ??= (async () => {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}
