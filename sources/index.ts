/**
 * The device sources Vigil runs (SPEC "Device sources"), in precedence order: the router asks
 * each in turn and the first that claims a topic decodes it.
 *
 * 1. `vigil` (the native contract and the simulator's format: on under `all` or when listed)
 * 2. the presets whose topics start with their own first level: tasmota (`tele/`), zigbee2mqtt
 *    (`zigbee2mqtt/`), telegraf (`telegraf/`), senml (`senml/`), ttn (`v3/`)
 * 3. homeassistant: `homeassistant/` and exactly the state topics discovery named, so a discovered
 *    ESPHome or Shelly entity is decoded with its unit before the generic presets see it
 * 4. the presets whose topics start with the device: shelly (`{device}/status/…`, `…/events/rpc`,
 *    `…/online`, and `shellies/`), esphome (`{device}/sensor/…`, `{device}/status`)
 * 5. custom sources from SOURCES_FILE, in file order
 */
import { type CustomSourceSpec, customSource } from './custom.ts';
import { isPresetName, PRESET_NAMES, type PresetName, SOURCE_NAMES } from './names.ts';
import { esphomeSource } from './presets/esphome.ts';
import { homeAssistantSource } from './presets/homeassistant.ts';
import { senmlSource } from './presets/senml.ts';
import { shellySource } from './presets/shelly.ts';
import { tasmotaSource } from './presets/tasmota.ts';
import { telegrafSource } from './presets/telegraf.ts';
import { ttnSource } from './presets/ttn.ts';
import { zigbee2mqttSource } from './presets/zigbee2mqtt.ts';
import type { Decoded, Source } from './types.ts';
import { vigilSource } from './vigil.ts';

export type { CustomSourceSpec } from './custom.ts';
export { parseSourcesFile } from './custom.ts';

export interface PresetOptions {
  /** IANA zone for devices' zone-less local times (Tasmota `Time`); default UTC. */
  readonly zone?: string;
}

const PRESETS = {
  tasmota: (o: PresetOptions) => tasmotaSource(o.zone),
  zigbee2mqtt: () => zigbee2mqttSource(),
  telegraf: () => telegrafSource(),
  senml: () => senmlSource(),
  ttn: () => ttnSource(),
  homeassistant: () => homeAssistantSource(),
  shelly: () => shellySource(),
  esphome: () => esphomeSource(),
} as const satisfies Record<PresetName, (o: PresetOptions) => Source>;

export { isPresetName, PRESET_NAMES, type PresetName, SOURCE_NAMES } from './names.ts';

export interface BuildOptions extends PresetOptions {
  /** TOPIC_PREFIX, for the vigil source. */
  readonly prefix: string;
  /** SOURCES: `all`, or the names to enable (`vigil` among them for the native format). */
  readonly enabled: 'all' | readonly string[];
  readonly custom: readonly CustomSourceSpec[];
}

export type BuildResult = { readonly ok: true; readonly sources: Source[] } | { readonly ok: false; readonly errors: string[] };

/** The sources for a configuration, or one error line per unknown name. */
export function tryBuildSources(options: BuildOptions): BuildResult {
  const wanted = options.enabled === 'all' ? PRESET_NAMES : options.enabled;
  const unknown = wanted.filter((n) => n !== 'vigil' && !isPresetName(n));
  if (unknown.length > 0) {
    return { ok: false, errors: unknown.map((n) => `SOURCES: unknown source ${JSON.stringify(n)} (known: ${SOURCE_NAMES.join(', ')})`) };
  }
  // As in ingest's sourcesFor: vigil runs under `all` or when listed, so `SOURCES=zigbee2mqtt`
  // reads that fleet alone.
  const sources: Source[] = wanted === PRESET_NAMES || wanted.includes('vigil') ? [vigilSource(options.prefix)] : [];
  for (const name of PRESET_NAMES) if ((wanted as readonly string[]).includes(name)) sources.push(PRESETS[name](options));
  for (const spec of options.custom) sources.push(customSource(spec));
  return { ok: true, sources };
}

/**
 * tryBuildSources where the names are known to be right (tests, benchmarks): throws on unknown ones.
 * SOURCES is read in one place: lib/config.ts checks its syntax, tryBuildSources the names.
 */
export function buildSources(options: BuildOptions): Source[] {
  const built = tryBuildSources(options);
  if (!built.ok) throw new Error(built.errors.join('; '));
  return built.sources;
}

/** A fresh instance of every preset, for suggestions: discovery state there is throwaway. */
let probes: ReadonlyArray<readonly [PresetName, Source]> | null = null;

/**
 * The preset that would take this unmatched topic if it were enabled, or null. Asked with the
 * presets' own decoders (so the answer is exactly what enabling it would do), then by a look at
 * the payload for layouts the presets do not subscribe to (a custom source is then the way).
 */
export function suggestPreset(topic: string, payload: Uint8Array): string | null {
  probes ??= PRESET_NAMES.map((n) => [n, PRESETS[n]({})] as const);
  for (const [name, source] of probes) {
    let decoded: Decoded | undefined;
    try {
      decoded = source.decode({ topic, payload, retain: false, receivedAt: Date.now() });
    } catch {
      decoded = undefined;
    }
    if (decoded !== undefined && decoded.kind !== 'ignored' && decoded.kind !== 'rejected') return name;
  }
  return suggestByPayload(topic, payload);
}

const sniff = new TextDecoder('utf-8', { fatal: false });

function suggestByPayload(topic: string, payload: Uint8Array): string | null {
  const text = sniff.decode(payload.subarray(0, 2048));
  const levels = topic.split('/');
  const last = levels[levels.length - 1];
  if (last === 'SENSOR' || last === 'STATE' || last === 'LWT' || text.includes('"TempUnit"')) return 'tasmota';
  if (text.includes('"end_device_ids"') && text.includes('"uplink_message"')) return 'ttn';
  if (text.startsWith('[') && /"(bn|n)"\s*:/.test(text) && /"(v|vb|vs)"\s*:/.test(text)) return 'senml';
  if (text.includes('"fields"') && text.includes('"name"') && text.includes('"tags"')) return 'telegraf';
  if (/^[A-Za-z_][^ ,]*(,[^ ]+)? [^ =]+=\S+( \d{9,19})?\s*$/m.test(text.slice(0, 512))) return 'telegraf';
  if (text.includes('"NotifyStatus"') || text.includes('"NotifyFullStatus"')) return 'shelly';
  return null;
}

/**
 * Decodes one message with a given source, for benchmarks and tools: the same call the router
 * makes, without counters.
 */
export function decodeWith(
  source: Source,
  topic: string,
  payload: Uint8Array | string,
  options: { retain?: boolean; receivedAt?: number } = {},
): Decoded | undefined {
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  return source.decode({ topic, payload: bytes, retain: options.retain ?? false, receivedAt: options.receivedAt ?? Date.now() });
}
