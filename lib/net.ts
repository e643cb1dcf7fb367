import type { Server } from 'node:net';

/** Listens, turning "address in use" into one line that names the setting to change. */
export function listen(server: Server, port: number, host: string, setting: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`${setting} ${port} is already in use on ${host}: stop what holds it or set ${setting}`)
          : err,
      );
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Returns a close() that stops listening and destroys open connections: long-lived ones (SSE
 * streams, MQTT clients) never end by themselves, and close() alone would wait for them.
 */
export function closer(server: Server): () => Promise<void> {
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
}

/** A HOST that only this machine can reach: reads are open there, and the embedded broker takes anonymous devices. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
