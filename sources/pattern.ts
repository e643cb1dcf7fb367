/**
 * Topic patterns with named segments: `tele/{device}/SENSOR`, `site/{device}/env/{metric}`,
 * `zigbee2mqtt/{device+}` (one or more levels, for names that contain `/`). `+` and a final `#`
 * are anonymous MQTT wildcards. A segment is either all literal or all placeholder.
 *
 * A pattern is compiled once into a list of segments and matched by walking the topic's levels:
 * no regular expression is ever built from configuration, and matching is linear in the topic.
 */

export type Captures = Readonly<Record<string, string>>;

type Segment =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'one'; readonly name: string | null }
  | { readonly kind: 'many'; readonly name: string | null };

export interface TopicPattern {
  readonly source: string;
  /** Placeholder names in order. */
  readonly names: readonly string[];
  /** The MQTT subscription filter that delivers every topic the pattern can match. */
  readonly filter: string;
  match(topic: string): Captures | null;
}

export type PatternResult = { readonly ok: true; readonly pattern: TopicPattern } | { readonly ok: false; readonly error: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

function parseSegment(text: string, index: number, last: boolean): Segment | string {
  if (text === '+') return { kind: 'one', name: null };
  if (text === '#') return last ? { kind: 'many', name: null } : '`#` may only be the last level';
  if (text.startsWith('{') && text.endsWith('}')) {
    const many = text.endsWith('+}');
    const name = text.slice(1, many ? -2 : -1);
    if (!NAME.test(name)) return `level ${index + 1}: placeholder ${JSON.stringify(text)} needs a name like {device}`;
    return { kind: many ? 'many' : 'one', name };
  }
  if (text.includes('{') || text.includes('}') || text.includes('+') || text.includes('#')) {
    return `level ${index + 1} (${JSON.stringify(text)}) mixes text and a placeholder or wildcard; a level is either literal or one placeholder`;
  }
  return { kind: 'literal', text };
}

export function compilePattern(source: string): PatternResult {
  if (source.length === 0) return { ok: false, error: 'topic pattern is empty' };
  if (source.length > 512) return { ok: false, error: 'topic pattern is longer than 512 characters' };
  if (source.startsWith('$')) return { ok: false, error: 'topic pattern may not start with `$` (broker topics)' };
  const parts = source.split('/');
  const segments: Segment[] = [];
  const names: string[] = [];
  let many = 0;
  for (let i = 0; i < parts.length; i++) {
    const seg = parseSegment(parts[i]!, i, i === parts.length - 1);
    if (typeof seg === 'string') return { ok: false, error: seg };
    if (seg.kind === 'many') many++;
    if (seg.kind !== 'literal' && seg.name !== null) {
      if (names.includes(seg.name)) return { ok: false, error: `placeholder {${seg.name}} appears twice` };
      names.push(seg.name);
    }
    segments.push(seg);
  }
  if (many > 1) return { ok: false, error: 'at most one multi-level placeholder ({name+} or #) per pattern' };
  return { ok: true, pattern: build(source, segments, names) };
}

function filterOf(segments: readonly Segment[]): string {
  const levels: string[] = [];
  for (const seg of segments) {
    if (seg.kind === 'literal') levels.push(seg.text);
    else if (seg.kind === 'one') levels.push('+');
    else {
      // MQTT's `#` may only end a filter: anything after a multi-level placeholder is checked
      // by match(), and the broker delivers the whole subtree.
      levels.push('#');
      break;
    }
  }
  return levels.join('/');
}

function build(source: string, segments: readonly Segment[], names: readonly string[]): TopicPattern {
  const manyAt = segments.findIndex((s) => s.kind === 'many');
  const head = manyAt < 0 ? segments : segments.slice(0, manyAt);
  const tail = manyAt < 0 ? [] : segments.slice(manyAt + 1);
  const many = manyAt < 0 ? null : (segments[manyAt] as Extract<Segment, { kind: 'many' }>);
  const matchLevel = (seg: Segment, level: string, out: Record<string, string>): boolean => {
    if (seg.kind === 'literal') return seg.text === level;
    // MQTT: a `+` level may be empty, but a device or metric named "" is never meant.
    if (level === '') return false;
    if (seg.name !== null) out[seg.name] = level;
    return true;
  };
  /** A pattern without a multi-level part, matched by walking the topic in place (no split). */
  const matchFixed = (topic: string): Captures | null => {
    let out: Record<string, string> | null = null;
    let start = 0;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      const last = i === segments.length - 1;
      const slash = topic.indexOf('/', start);
      // The last segment takes the rest, which must have no further level; others end at a `/`.
      if (last ? slash >= 0 : slash < 0) return null;
      const end = last ? topic.length : slash;
      if (seg.kind === 'literal') {
        if (end - start !== seg.text.length || !topic.startsWith(seg.text, start)) return null;
      } else {
        if (end === start) return null;
        if (seg.name !== null) {
          out ??= Object.create(null) as Record<string, string>;
          out[seg.name] = topic.slice(start, end);
        }
      }
      start = end + 1;
    }
    return out ?? (Object.create(null) as Record<string, string>);
  };
  return {
    source,
    names,
    filter: filterOf(segments),
    match(topic: string): Captures | null {
      if (many === null) return matchFixed(topic);
      const levels = topic.split('/');
      // `{name+}` takes one level or more; MQTT's `#` also matches its parent (`a/#` matches `a`).
      const fewest = many !== null && many.name === null ? segments.length - 1 : segments.length;
      if (many === null ? levels.length !== segments.length : levels.length < fewest) return null;
      const out: Record<string, string> = Object.create(null) as Record<string, string>;
      for (let i = 0; i < head.length; i++) if (!matchLevel(head[i]!, levels[i]!, out)) return null;
      if (many === null) return out;
      const tailStart = levels.length - tail.length;
      for (let i = 0; i < tail.length; i++) if (!matchLevel(tail[i]!, levels[tailStart + i]!, out)) return null;
      const middle = levels.slice(head.length, tailStart);
      if (middle.some((l) => l === '')) return null;
      if (many.name !== null) out[many.name] = middle.join('/');
      return out;
    },
  };
}

/** For built-in presets, whose patterns are constants: a bad one is a programming error. */
export function pattern(source: string): TopicPattern {
  const compiled = compilePattern(source);
  if (!compiled.ok) throw new Error(`bad built-in topic pattern ${source}: ${compiled.error}`);
  return compiled.pattern;
}
