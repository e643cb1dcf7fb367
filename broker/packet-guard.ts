/**
 * A packet size cap in front of Aedes. Aedes 1.2 has no maxPacketSize: its parser buffers a
 * packet whole before authorizePublish sees it, so one 10 MB PUBLISH costs 10 MB (more while it
 * is copied) per connection. The guard sits between the socket and Aedes, reads each MQTT fixed
 * header's remaining length as the bytes pass and destroys the connection as soon as a header
 * announces more than the limit, before the body arrives. Chunks pass through uncopied.
 */
import { Duplex } from 'node:stream';

export type ScanResult = 'ok' | 'oversized' | 'malformed';

/**
 * Follows packet boundaries through a byte stream: header byte, remaining length (1-4 bytes,
 * 7 bits each, MQTT 3.1.1 §2.2.3 / 5.0 §1.5.5), then that many body bytes skipped unread.
 */
export class RemainingLengthScanner {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private bodyLeft = 0;
  constructor(public limit: number) {}

  feed(chunk: Uint8Array): ScanResult {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const skip = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= skip;
        i += skip;
        if (this.bodyLeft === 0) this.state = 'type';
        continue;
      }
      const byte = chunk[i++] ?? 0;
      if (this.state === 'type') {
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (byte & 0x80) {
        if (this.lengthBytes >= 4) return 'malformed';
        // Another length byte follows, so the length is at least this much: no need to wait for it.
        if (this.length + this.multiplier > this.limit) return 'oversized';
        continue;
      }
      if (this.length > this.limit) return 'oversized';
      this.bodyLeft = this.length;
      this.state = this.length === 0 ? 'type' : 'body';
    }
    return 'ok';
  }
}

export class PacketTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`MQTT packet larger than ${limit} bytes; connection closed before reading it`);
  }
}

/**
 * The socket as Aedes sees it: reads pass through the scanner, writes go straight to the socket.
 * `limit` may be raised once a client signs in (Vigil's own clients send bigger batches).
 */
export class PacketGuardStream extends Duplex {
  private readonly scanner: RemainingLengthScanner;

  constructor(
    /** A net.Socket in the broker; any duplex byte stream will do. */
    private readonly socket: Duplex,
    limit: number,
    private readonly onOversized: (result: Exclude<ScanResult, 'ok'>) => void,
  ) {
    super({ allowHalfOpen: false });
    this.scanner = new RemainingLengthScanner(limit);
    socket.on('data', (chunk: Buffer) => this.inbound(chunk));
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  set limit(bytes: number) {
    this.scanner.limit = bytes;
  }

  get limit(): number {
    return this.scanner.limit;
  }

  private inbound(chunk: Buffer): void {
    const result = this.scanner.feed(chunk);
    if (result !== 'ok') {
      this.onOversized(result);
      // Nothing of this chunk reaches the parser: the announced packet is never buffered.
      this.socket.destroy();
      this.destroy(new PacketTooLargeError(this.scanner.limit));
      return;
    }
    if (!this.push(chunk)) this.socket.pause();
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.afterWrite(this.socket.write(chunk), callback);
  }

  /**
   * mqtt-packet corks the stream and writes a packet in several small pieces: they must reach the
   * socket as one write too, or each becomes its own TCP segment and Nagle's algorithm with
   * delayed ACKs stalls the connection (40,000 QoS 1 publishes took 7x as long without this).
   */
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (err?: Error | null) => void): void {
    this.socket.cork();
    let ok = true;
    for (const { chunk } of chunks) ok = this.socket.write(chunk);
    this.socket.uncork();
    this.afterWrite(ok, callback);
  }

  private afterWrite(ok: boolean, callback: (err?: Error | null) => void): void {
    if (ok) callback();
    else this.socket.once('drain', () => callback());
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.socket.end(() => callback());
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.socket.destroy();
    callback(err);
  }
}
