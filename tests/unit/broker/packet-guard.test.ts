/** The remaining-length scanner in front of Aedes: packet boundaries across chunks, and the cap. */
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PacketGuardStream, RemainingLengthScanner } from '../../../broker/packet-guard.ts';

/** An MQTT fixed header (type byte, remaining length varint) followed by `length` body bytes. */
function packet(length: number, type = 0x30): Buffer {
  const varint: number[] = [];
  let x = length;
  do {
    let byte = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) byte |= 0x80;
    varint.push(byte);
  } while (x > 0);
  return Buffer.concat([Buffer.from([type, ...varint]), Buffer.alloc(length, 0x61)]);
}

describe('RemainingLengthScanner', () => {
  it('passes packets up to the limit, however they are chunked', () => {
    const stream = Buffer.concat([packet(0, 0xc0), packet(127), packet(128), packet(16_383), packet(16_384), packet(1000)]);
    for (const size of [1, 2, 3, 7, 100, 4096, stream.length]) {
      const scanner = new RemainingLengthScanner(16_384);
      for (let i = 0; i < stream.length; i += size) expect(scanner.feed(stream.subarray(i, i + size))).toBe('ok');
    }
  });

  it('stops at the header of a packet over the limit, before its body', () => {
    const scanner = new RemainingLengthScanner(70_000);
    expect(scanner.feed(packet(10))).toBe('ok');
    const big = packet(10 * 1024 * 1024);
    // Only the 5 header bytes are needed to know.
    expect(scanner.feed(big.subarray(0, 5))).toBe('oversized');
  });

  it('stops as soon as the length bytes read so far prove it is over, across chunks', () => {
    // 10 MiB is 0x80 0x80 0x80 0x05: after one byte with the continuation bit it is at least 128.
    const scanner = new RemainingLengthScanner(100);
    const header = packet(10 * 1024 * 1024).subarray(0, 5);
    expect(scanner.feed(header.subarray(0, 1))).toBe('ok');
    expect(scanner.feed(header.subarray(1, 2))).toBe('oversized');
    const exact = new RemainingLengthScanner(16_383);
    // 16,384 is 0x80 0x80 0x01: over 16,383 once the second continuation byte is read.
    expect(exact.feed(packet(16_384).subarray(0, 2))).toBe('ok');
    expect(exact.feed(packet(16_384).subarray(2, 3))).toBe('oversized');
  });

  it('finds a big packet hidden after small ones in one chunk', () => {
    const scanner = new RemainingLengthScanner(1000);
    expect(scanner.feed(Buffer.concat([packet(5), packet(999), packet(1001).subarray(0, 4)]))).toBe('oversized');
  });

  it('refuses a length with a fifth continuation byte', () => {
    const scanner = new RemainingLengthScanner(Number.MAX_SAFE_INTEGER);
    expect(scanner.feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe('malformed');
  });

  it('a raised limit applies to the next packet', () => {
    const scanner = new RemainingLengthScanner(100);
    expect(scanner.feed(packet(50))).toBe('ok');
    scanner.limit = 10_000;
    expect(scanner.feed(packet(5_000))).toBe('ok');
  });
});

/** Stands in for the socket: records how writes arrive and lets the test feed inbound bytes. */
class FakeSocket extends Duplex {
  readonly writes: number[][] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.writes.push([chunk.length]);
    cb();
  }
  override _writev(chunks: Array<{ chunk: Buffer }>, cb: () => void): void {
    this.writes.push(chunks.map((c) => c.chunk.length));
    cb();
  }
}

describe('PacketGuardStream', () => {
  it('passes bytes both ways and closes on an oversized header without passing it on', async () => {
    const socket = new FakeSocket();
    const tooLarge: string[] = [];
    const guard = new PacketGuardStream(socket, 1000, (result) => tooLarge.push(result));
    const seen: Buffer[] = [];
    guard.on('data', (chunk: Buffer) => seen.push(chunk));
    const errored = new Promise<Error>((resolve) => guard.once('error', resolve));
    socket.push(packet(10));
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(seen)).toEqual(packet(10));
    socket.push(packet(10 * 1024 * 1024).subarray(0, 5));
    expect((await errored).message).toMatch(/larger than 1000 bytes/);
    expect(tooLarge).toEqual(['oversized']);
    expect(socket.destroyed).toBe(true);
    expect(Buffer.concat(seen).length).toBe(12);
  });

  it('hands a corked packet (how mqtt-packet writes) to the socket as one write', async () => {
    const socket = new FakeSocket();
    const guard = new PacketGuardStream(socket, 1000, () => undefined);
    guard.cork();
    guard.write(Buffer.from([0x40, 0x02]));
    guard.write(Buffer.from([0x00, 0x01]));
    process.nextTick(() => guard.uncork());
    await new Promise((r) => setImmediate(r));
    // Two writes would be two TCP segments: Nagle plus delayed ACK stalled each PUBACK ~40 ms.
    expect(socket.writes).toEqual([[2, 2]]);
  });
});
