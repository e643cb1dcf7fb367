/**
 * Peer: Nginx with the Nchan module (Debian's `nginx` + `libnginx-mod-nchan`), a C pub/sub server
 * that fans messages out over EventSource. Installed through apt-get when missing and we are
 * root (service starts refused, as scripts/lib/bootstrap.mjs does for mosquitto); otherwise the
 * peer is skipped with the command that would install it.
 *
 * Channels: POST or WebSocket to /pub/<channel>, EventSource from /sub/<channel>.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { aptInstallCommand, ensureDebianPackages, hasBinary } from '../../scripts/lib/bootstrap.mjs';
import { freePort, waitForPort } from '../../tests/helpers/ports.ts';
import type { Scope } from '../harness/scope.ts';
import { spawnChild, spawnTs, type Child } from '../harness/spawn.ts';
import { startBroker, type Broker } from '../harness/vigil.ts';

export const NGINX = '/usr/sbin/nginx';
export const NCHAN_MODULE = '/usr/lib/nginx/modules/ngx_nchan_module.so';
const PACKAGES = [
  { pkg: 'nginx', bin: NGINX },
  { pkg: 'libnginx-mod-nchan', bin: NCHAN_MODULE },
];

export interface Nchan {
  readonly url: string;
  readonly port: number;
  /** The master; its workers are its children (measure it as a tree). */
  readonly pid: number;
}

/** Installs the packages if it can; returns why the peer cannot run, or undefined when it can. */
export function ensureNchan(log: (line: string) => void): string | undefined {
  const exists = (bin: string) => (bin.startsWith('/') ? existsSync(bin) : hasBinary(bin));
  if (PACKAGES.every((p) => exists(p.bin))) return undefined;
  let refused: string | undefined;
  try {
    ensureDebianPackages(PACKAGES, {
      exists,
      log,
      // Not root: the bootstrap would exit the process; for a benchmark peer, skipping is enough.
      exit: () => {
        refused = `not root, so nginx and libnginx-mod-nchan were not installed (run: ${aptInstallCommand(PACKAGES.map((p) => p.pkg))})`;
      },
    });
  } catch (err) {
    return `could not install nginx with Nchan: ${(err as Error).message}`;
  }
  return refused ?? (PACKAGES.every((p) => exists(p.bin)) ? undefined : 'nginx or the Nchan module is still missing after apt-get install');
}

/**
 * One worker process, like the one Node process of Vigil's API it is compared with. Everything
 * nginx writes (pid, logs, temp files) stays in `dir`; it listens on loopback only.
 */
export function nchanConfig(dir: string, port: number, workers = 1): string {
  return `load_module ${NCHAN_MODULE};
daemon off;
master_process on;
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes ${workers};
worker_rlimit_nofile 65536;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 32768; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  nchan_shared_memory_size 256M;
  server {
    listen 127.0.0.1:${port};
    location ~ ^/pub/([A-Za-z0-9_.:-]+)$ {
      nchan_publisher;
      nchan_channel_id $1;
      nchan_message_buffer_length 100;
      nchan_message_timeout 60s;
    }
    location ~ ^/sub/([A-Za-z0-9_.:-]+)$ {
      nchan_subscriber eventsource;
      nchan_channel_id $1;
    }
  }
}
`;
}

export async function startNchan(scope: Scope, dir: string, workers = 1): Promise<Nchan> {
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  await writeFile(conf, nchanConfig(dir, port, workers));
  const child = spawnChild('nginx', NGINX, ['-c', conf, '-p', dir, '-e', join(dir, 'error.log')], { nofile: 65_536 });
  scope.defer(() => child.stop());
  try {
    await waitForPort(port, 10_000);
  } catch (err) {
    throw new Error(`nginx did not start: ${(err as Error).message}\n${child.output()}`);
  }
  return { url: `http://127.0.0.1:${port}`, port, pid: child.pid };
}

export interface NchanStack {
  readonly broker: Broker;
  readonly nchan: Nchan;
  readonly bridge: Child;
}

/** Mosquitto, nginx with Nchan, and the MQTT-to-Nchan bridge: the peer's whole path. */
export async function startNchanStack(scope: Scope, mode: 'all' | 'per-device', qos: 0 | 1): Promise<NchanStack> {
  const broker = await startBroker(scope);
  const nchan = await startNchan(scope, await scope.tempDir('nchan'));
  const bridge = spawnTs('nchan-bridge', 'bench/peers/nchan-bridge.ts', [
    JSON.stringify({ broker: broker.url, qos, host: '127.0.0.1', port: nchan.port, mode }),
  ]);
  scope.defer(() => bridge.stop());
  await bridge.waitFor(/"type":"ready"/, 30_000);
  return { broker, nchan, bridge };
}
