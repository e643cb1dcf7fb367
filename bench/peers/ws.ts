/**
 * The least WebSocket client that can publish to Nchan: the RFC 6455 handshake and masked text
 * frames out; whatever the server sends back (Nchan answers each publish) is read and dropped.
 * Node 20 has no WebSocket client without a flag, and this is all the bridge needs.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface WsPublisher {
  send(text: string): void;
  /** Bytes queued in the socket, for backpressure. */
  readonly buffered: number;
  close(): void;
}

/** A client frame: FIN + text opcode, masked (clients must mask), length in 7, 16 or 64 bits. */
export function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const n = payload.length;
  const header = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + 4 + n);
  frame[0] = 0x81;
  if (n < 126) frame[1] = 0x80 | n;
  else if (n < 65_536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, header);
  for (let i = 0; i < n; i++) frame[header + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

export function openPublisher(host: string, port: number, path: string, timeoutMs = 5_000): Promise<WsPublisher> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, host);
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`WebSocket handshake with ${host}:${port}${path} timed out`));
    }, timeoutMs);
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.off('data', onData);
      if (!/^HTTP\/1\.1 101/.test(head)) {
        socket.destroy();
        reject(new Error(`WebSocket upgrade refused: ${head.split('\r\n')[0]}`));
        return;
      }
      // Nchan's per-publish answers: read so the socket never stalls, and dropped.
      socket.on('data', () => undefined);
      resolve({
        send: (text) => void socket.write(textFrame(text)),
        get buffered() {
          return socket.writableLength;
        },
        close: () => socket.destroy(),
      });
    };
    socket.on('data', onData);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once('connect', () => {
      socket.write(
        [
          `GET ${path} HTTP/1.1`,
          `Host: ${host}:${port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
          'Sec-WebSocket-Version: 13',
          '',
          '',
        ].join('\r\n'),
      );
    });
  });
}
