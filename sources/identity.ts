/**
 * Device ids and metric names from foreign names (SPEC "Device sources"): a topic segment, a
 * Zigbee friendly name or a JSON path becomes something that passes domain/reading.ts's rules.
 *
 * Device ids (`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$`): a valid name is used as it is. Any other is
 * folded (accents dropped, every run of other characters becomes `_`, leading non-alphanumerics
 * dropped, cut to 55 characters) and always gets `-` and the FNV-1a 32-bit hash of the original's
 * UTF-8 bytes as 8 lowercase hex digits: `Living Room/Lamp` → `Living_Room_Lamp-6c1c3b34`. The
 * suffix is a pure function of the original, so it is the same in every process and after every
 * restart, and two originals that fold alike ("a b", "a/b") stay apart without shared state.
 *
 * Metric names (`^[A-Za-z_][A-Za-z0-9_.]{0,63}$`): folded the same way (runs of other characters
 * become `_`, a leading digit gets a `_` in front), without a suffix, because metric names appear
 * in rules and charts: `DS18B20-1.Temperature` → `DS18B20_1.Temperature`. Only when two paths of
 * one message fold to the same name does the later one (payload order) get `_` + the hash of its
 * original path; names too long or reserved (`__proto__`, `constructor`, `prototype`) always do.
 */
import { isDeviceId, isMetricName } from '../domain/reading.ts';

const MAX_LEN = 64;
const HASH_LEN = 8;
/** Room for a separator and the hash within MAX_LEN. */
const BASE_LEN = MAX_LEN - HASH_LEN - 1;
const CACHE_LIMIT = 4096;

const encoder = new TextEncoder();

/** FNV-1a, 32 bits, over the UTF-8 bytes: tiny, fast, and easy to reproduce in any language. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (const byte of encoder.encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(HASH_LEN, '0');
}

/** Combining marks left over from NFKD (é → e + U+0301). */
const MARKS = /[\u0300-\u036f]/g;

function fold(original: string, allowed: (code: number) => boolean): string {
  const text = original.normalize('NFKD').replace(MARKS, '');
  let out = '';
  let inRun = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (allowed(code)) {
      out += text[i];
      inRun = false;
    } else if (!inRun) {
      out += '_';
      inRun = true;
    }
  }
  return out;
}

const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const idChar = (c: number): boolean => isAlnum(c) || c === 95 || c === 46 || c === 58 || c === 45; // _ . : -
const metricChar = (c: number): boolean => isAlnum(c) || c === 95 || c === 46; // _ .

class BoundedCache {
  private readonly map = new Map<string, string>();
  get(key: string, make: (key: string) => string): string {
    const hit = this.map.get(key);
    if (hit !== undefined) return hit;
    const value = make(key);
    // Clearing is cruder than LRU but O(1) and bounded; real fleets repeat a few hundred names.
    if (this.map.size >= CACHE_LIMIT) this.map.clear();
    this.map.set(key, value);
    return value;
  }
}

const deviceCache = new BoundedCache();
const metricCache = new BoundedCache();

function makeDeviceId(original: string): string {
  if (isDeviceId(original)) return original;
  let base = fold(original, idChar);
  let start = 0;
  while (start < base.length && !isAlnum(base.charCodeAt(start))) start++;
  base = base.slice(start, start + BASE_LEN);
  if (base.endsWith('_')) base = base.slice(0, -1);
  if (base === '') base = 'device';
  return `${base}-${shortHash(original)}`;
}

/** The Vigil device id for a foreign device name; pure and cached. */
export function deviceIdFor(original: string): string {
  return deviceCache.get(original, makeDeviceId);
}

function makeMetricName(original: string): string {
  if (isMetricName(original)) return original;
  let base = fold(original, metricChar);
  if (base === '' || (base.charCodeAt(0) >= 48 && base.charCodeAt(0) <= 57) || base.charCodeAt(0) === 46) base = `_${base}`;
  if (base.length <= MAX_LEN && isMetricName(base)) return base;
  return withHash(base, original);
}

/** The Vigil metric name for a JSON path, topic segment or field key; pure and cached. */
export function metricNameFor(original: string): string {
  return metricCache.get(original, makeMetricName);
}

/** `name` with `_` and the hash of `original`: the name given to the later of two colliding paths. */
export function withHash(name: string, original: string): string {
  return `${name.slice(0, BASE_LEN)}_${shortHash(original)}`;
}

/**
 * Puts `value` under the metric for `original` into `values`, giving it the hashed name when an
 * earlier path of the same message already took the folded one.
 */
export function putMetric(values: Record<string, number>, original: string, value: number): string {
  let name = metricNameFor(original);
  if (name in values) name = withHash(name, original);
  values[name] = value;
  return name;
}
