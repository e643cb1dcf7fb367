/**
 * The subset of Home Assistant's Jinja value templates that discovery messages use for plain
 * readings: `{{ value }}`, `{{ value_json.KEY }}`, `{{ value_json.a.b }}`, `{{ value_json['k'] }}`,
 * `{{ value_json.list[0] }}`, optionally followed by `| float`, `| int`, `| float(0)`, `| round(N)`.
 * Parsed once per discovery message by a hand-written scanner (no regex built from the template);
 * anything else is reported as unsupported, and the entity's state is then rejected, visibly.
 */
import { isObject } from '../payload.ts';

export interface Template {
  /** null: the raw payload (`{{ value }}`); otherwise a path into the JSON payload. */
  readonly path: readonly (string | number)[] | null;
  readonly cast: 'float' | 'int' | null;
  readonly round: number | null;
}

export const RAW_VALUE: Template = { path: null, cast: null, round: null };

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parseAccessors(text: string): (string | number)[] | null {
  const path: (string | number)[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      let j = i + 1;
      while (j < text.length && text[j] !== '.' && text[j] !== '[') j++;
      const ident = text.slice(i + 1, j);
      if (!IDENT.test(ident)) return null;
      path.push(ident);
      i = j;
    } else if (c === '[') {
      const close = text.indexOf(']', i);
      if (close < 0) return null;
      const inner = text.slice(i + 1, close).trim();
      const q = inner[0];
      if ((q === "'" || q === '"') && inner.length >= 2 && inner[inner.length - 1] === q) path.push(inner.slice(1, -1));
      else if (/^\d{1,4}$/.test(inner)) path.push(Number(inner));
      else return null;
      i = close + 1;
    } else {
      return null;
    }
  }
  return path;
}

/** The template, or a string saying why it is not in the supported subset. */
export function parseTemplate(source: string): Template | string {
  const text = source.trim();
  if (text.length > 256) return 'template longer than 256 characters';
  if (!text.startsWith('{{') || !text.endsWith('}}')) return 'only {{ … }} expressions are supported';
  const parts = text
    .slice(2, -2)
    .split('|')
    .map((p) => p.trim());
  const head = parts[0]!.replace(/\s+/g, '');
  let path: (string | number)[] | null;
  if (head === 'value') path = null;
  else if (head.startsWith('value_json')) {
    path = parseAccessors(head.slice('value_json'.length));
    if (path === null || path.length === 0) return `unsupported expression ${head.slice(0, 60)}`;
  } else return `unsupported expression ${head.slice(0, 60)}`;
  let cast: Template['cast'] = null;
  let round: number | null = null;
  for (const filter of parts.slice(1)) {
    const name = filter.split('(')[0]!.trim();
    if (name === 'float' || name === 'int') cast = name;
    else if (name === 'round') {
      const arg = filter
        .slice(filter.indexOf('(') + 1, filter.lastIndexOf(')'))
        .split(',')[0]!
        .trim();
      round = filter.includes('(') ? Number(arg) : 0;
      if (!Number.isInteger(round) || round < 0 || round > 10) return `unsupported round(${arg.slice(0, 10)})`;
    } else if (name !== 'is_defined') return `unsupported filter ${name.slice(0, 40)}`;
  }
  return { path, cast, round };
}

/** What the template yields for a payload: the raw text or a JSON node; undefined when missing. */
export function evaluate(template: Template, text: string, doc: unknown): unknown {
  if (template.path === null) return text.trim();
  let node = doc;
  for (const step of template.path) {
    if (typeof step === 'number') {
      if (!Array.isArray(node) || step >= node.length) return undefined;
      node = node[step];
    } else {
      if (!isObject(node) || !Object.hasOwn(node, step)) return undefined;
      node = node[step];
    }
  }
  return node;
}

/** Applies the cast and round filters to a number. */
export function finish(template: Template, n: number): number {
  let v = template.cast === 'int' ? Math.trunc(n) : n;
  if (template.round !== null) {
    const f = 10 ** template.round;
    v = Math.round(v * f) / f;
  }
  return v;
}
