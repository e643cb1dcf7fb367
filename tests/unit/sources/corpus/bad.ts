/** Hostile and broken payloads every source must answer without throwing (and never store junk). */
export const BAD_PAYLOADS: ReadonlyArray<readonly [name: string, payload: string]> = [
  ['truncated JSON', '{"temperature": 21.5, "humidity": '],
  ['strings where numbers belong', '{"temperature":"21.5","humidity":"high"}'],
  ['huge number 1e400 (parses to Infinity)', '{"temperature":1e400}'],
  ['unknown keys only', '{"whatever":{"nested":"x"},"list":[1,2,3],"nothing":null}'],
  ['deep nesting 10k', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
  ['deep array nesting 10k', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
  ['empty', ''],
  ['whitespace', '   \n'],
  ['not UTF-8', '\uFFFD'],
  ['__proto__ key', '{"__proto__":{"polluted":1},"constructor":5}'],
  ['line protocol injection', 'm,host=a v=1 1\nm,host=b v=NaN\n'],
  ['senml with a hostile base', '[{"bn":"../../etc","bt":1e400,"n":"x","v":1e308,"bv":1e308}]'],
  ['64 KiB + 1', `{"a":"${'x'.repeat(64 * 1024)}"}`],
];
