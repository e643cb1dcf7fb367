export type StreamEventType = 'reading' | 'alert' | 'device' | 'reset';

export function formatFrame(id: string, type: StreamEventType, data: unknown): string {
  // JSON.stringify never emits a raw newline, so one data: line always holds the whole payload.
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}
