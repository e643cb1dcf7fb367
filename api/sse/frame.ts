import { z } from 'zod';

export type StreamEventType = 'reading' | 'alert' | 'device' | 'reset';

const DATA_PREFIX = '\ndata: ';

/**
 * One SSE frame as one flat string. Array join, not a template literal: a template builds a tree
 * of V8 cons strings (~300 bytes for a 115-byte reading frame), and the hub's ring keeps 20,000
 * of these for seconds, long enough to be promoted, so the tree was most of what the API's old
 * space churned through under load (issue 18, soak).
 */
export function formatFrame(id: string, type: StreamEventType, data: unknown): string {
  // JSON.stringify never emits a raw newline, so one data: line always holds the whole payload.
  return ['id: ', id, '\nevent: ', type, DATA_PREFIX, JSON.stringify(data), '\n\n'].join('');
}

/** A reading as the hub formatted it: what a client's metrics filter needs back from the frame. */
export interface FrameReading {
  readonly device: string;
  readonly ts: number;
  readonly values: Readonly<Record<string, number>>;
}

// The frame was formatted here from an entry bus/ had already decoded, so this only restores its shape.
const frameReading = z.object({ device: z.string(), ts: z.number(), values: z.record(z.string(), z.number()) });

/**
 * The reading in a reading frame, decoded again on demand: the ring keeps only the frame, not the
 * entry object as well (a null-prototype dictionary per reading, ~290 bytes), and only clients
 * with a metrics filter, rare (the dashboard takes whole readings), pay for the parse.
 */
export function readingOfFrame(frame: string): FrameReading | undefined {
  const at = frame.indexOf(DATA_PREFIX);
  if (at < 0) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(frame.slice(at + DATA_PREFIX.length, frame.length - 2));
  } catch {
    return undefined;
  }
  const parsed = frameReading.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
