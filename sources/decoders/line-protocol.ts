/**
 * InfluxDB line protocol, per the InfluxDB docs ("Line protocol" reference):
 *   measurement[,tag_key=tag_value...] field_key=field_value[,...] [timestamp]
 * Escapes: a backslash before `,` or space in measurements, before `,` `=` or space in tag keys,
 * tag values and field keys, before `"` or `\` in string field values; any other backslash is
 * literal. Field values: floats (`1`, `-1.5e3`), integers `1i`, unsigned `1u`, booleans (t, T,
 * true, True, TRUE, f, F, false, False, FALSE), double-quoted strings (which may hold newlines).
 * Lines starting with `#` are comments. A scanner over character codes: linear, no regex per line.
 */

export interface Line {
  readonly measurement: string;
  readonly tags: ReadonlyArray<readonly [string, string]>;
  /** null: a string field (Vigil stores numbers only). */
  readonly fields: ReadonlyArray<readonly [string, number | null]>;
  /** The timestamp's digits (precision decided by the caller), or null. */
  readonly ts: string | null;
}

export interface Parsed {
  readonly lines: Line[];
  /** One message per bad line (line number and why), at most 10 kept. */
  readonly errors: string[];
  badLines: number;
}

const BACKSLASH = 92;
const COMMA = 44;
const SPACE = 32;
const EQUALS = 61;
const QUOTE = 34;
const NEWLINE = 10;
const CR = 13;
const HASH = 35;

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INT = /^[+-]?\d+$/;
const TS = /^-?\d{1,19}$/;
const TRUE = new Set(['t', 'T', 'true', 'True', 'TRUE']);
const FALSE = new Set(['f', 'F', 'false', 'False', 'FALSE']);

class Scanner {
  pos = 0;
  line = 1;
  constructor(readonly text: string) {}

  /** Reads up to an unescaped stop character; `escapable` are the codes a backslash escapes. */
  token(stops: readonly number[], escapable: readonly number[]): string {
    const { text } = this;
    let out = '';
    let start = this.pos;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === BACKSLASH && this.pos + 1 < text.length && escapable.includes(text.charCodeAt(this.pos + 1))) {
        out += text.slice(start, this.pos);
        start = this.pos + 1;
        this.pos += 2;
        continue;
      }
      if (c === NEWLINE || stops.includes(c)) break;
      this.pos++;
    }
    out += text.slice(start, this.pos);
    return out;
  }

  peek(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1;
  }

  skipToNextLine(): void {
    const nl = this.text.indexOf('\n', this.pos);
    this.pos = nl < 0 ? this.text.length : nl + 1;
    this.line++;
  }

  /** A quoted string field; the opening quote is at pos. Returns false if it never closes. */
  quoted(): boolean {
    const { text } = this;
    this.pos++;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === BACKSLASH && this.pos + 1 < text.length) {
        this.pos += 2;
        continue;
      }
      if (c === NEWLINE) this.line++;
      this.pos++;
      if (c === QUOTE) return true;
    }
    return false;
  }
}

const MEASUREMENT_STOPS = [COMMA, SPACE];
const MEASUREMENT_ESC = [COMMA, SPACE, BACKSLASH];
const KEY_STOPS = [EQUALS, COMMA, SPACE];
const KEY_ESC = [COMMA, EQUALS, SPACE, BACKSLASH];
const TAG_VALUE_STOPS = [COMMA, SPACE];
const FIELD_VALUE_STOPS = [COMMA, SPACE];

function fieldValue(raw: string): number | null | undefined {
  if (TRUE.has(raw)) return 1;
  if (FALSE.has(raw)) return 0;
  const last = raw.charCodeAt(raw.length - 1);
  if (last === 105 /* i */ || last === 117 /* u */) {
    const digits = raw.slice(0, -1);
    if (!INT.test(digits) || (last === 117 && digits.startsWith('-'))) return undefined;
    return Number(digits);
  }
  if (!FLOAT.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/** Parses one line at the scanner's position; returns the line or why it is bad. */
function parseLine(s: Scanner): Line | string {
  const measurement = s.token(MEASUREMENT_STOPS, MEASUREMENT_ESC);
  if (measurement === '') return 'missing measurement';
  const tags: Array<readonly [string, string]> = [];
  while (s.peek() === COMMA) {
    s.pos++;
    const key = s.token(KEY_STOPS, KEY_ESC);
    if (s.peek() !== EQUALS || key === '') return 'bad tag (expected key=value)';
    s.pos++;
    const value = s.token(TAG_VALUE_STOPS, KEY_ESC);
    if (value === '') return `tag ${key} has no value`;
    tags.push([key, value]);
  }
  if (s.peek() !== SPACE) return 'missing fields';
  while (s.peek() === SPACE) s.pos++;
  const fields: Array<readonly [string, number | null]> = [];
  for (;;) {
    const key = s.token(KEY_STOPS, KEY_ESC);
    if (s.peek() !== EQUALS || key === '') return 'bad field (expected key=value)';
    s.pos++;
    if (s.peek() === QUOTE) {
      if (!s.quoted()) return `string field ${key} is not closed`;
      fields.push([key, null]);
    } else {
      const raw = s.token(FIELD_VALUE_STOPS, []);
      const value = fieldValue(raw);
      if (value === undefined) return `field ${key} has a bad value ${JSON.stringify(raw.slice(0, 40))}`;
      fields.push([key, value]);
    }
    if (s.peek() !== COMMA) break;
    s.pos++;
  }
  let ts: string | null = null;
  if (s.peek() === SPACE) {
    while (s.peek() === SPACE) s.pos++;
    const raw = s.token([SPACE, CR], []);
    if (raw !== '') {
      if (!TS.test(raw)) return `bad timestamp ${JSON.stringify(raw.slice(0, 40))}`;
      ts = raw;
    }
  }
  while (s.peek() === SPACE || s.peek() === CR) s.pos++;
  if (s.peek() !== NEWLINE && s.peek() !== -1) return 'unexpected text after the timestamp';
  return { measurement, tags, fields, ts };
}

export function parseLineProtocol(text: string): Parsed {
  const s = new Scanner(text);
  const parsed: Parsed = { lines: [], errors: [], badLines: 0 };
  while (s.pos < text.length) {
    const c = s.peek();
    if (c === NEWLINE || c === CR || c === SPACE || c === 9) {
      if (c === NEWLINE) s.line++;
      s.pos++;
      continue;
    }
    if (c === HASH) {
      s.skipToNextLine();
      continue;
    }
    const at = s.line;
    const line = parseLine(s);
    if (typeof line === 'string') {
      parsed.badLines++;
      if (parsed.errors.length < 10) parsed.errors.push(`line ${at}: ${line}`);
      s.skipToNextLine();
    } else {
      parsed.lines.push(line);
      if (s.peek() === NEWLINE) s.skipToNextLine();
    }
  }
  return parsed;
}
