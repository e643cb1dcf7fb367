/**
 * What a started process tells the person or the log collector that started it: where it is, and
 * the operator token when Vigil made it (generated now or earlier, kept beside the store; a token
 * given in VIGIL_TOKEN is the operator's own and is never printed). A person at a terminal gets
 * a few lines on stderr (stdout stays the logs'); anything else, one JSON log line.
 */
import type { Logger } from '../lib/logger.ts';

export interface BannerFacts {
  readonly role: 'all' | 'api';
  readonly url: string;
  readonly token: string;
  readonly tokenSource: 'env' | 'file' | 'generated';
  /** The all-in-one's extras. */
  readonly broker?: { readonly url: string; readonly embedded: boolean };
  readonly store?: string;
  readonly simulator?: number;
  /** How devices sign in to the embedded broker (app/device-access.ts), with a hint when none can. */
  readonly devices?: string;
}

export interface BannerOutput {
  readonly tty: boolean;
  readonly stderr: (text: string) => void;
  /** Writes the JSON line; at info whatever LOG_LEVEL says, since it is the start's one answer. */
  readonly logger: Logger;
}

const TOKEN_ORIGIN = { env: 'VIGIL_TOKEN', file: 'kept beside the store', generated: 'new, kept beside the store' } as const;

/** The token when Vigil made it; undefined for the operator's own VIGIL_TOKEN. */
export function shownToken(facts: BannerFacts): string | undefined {
  return facts.tokenSource === 'env' ? undefined : facts.token;
}

export function bannerLines(facts: BannerFacts): string[] {
  const token = shownToken(facts);
  const lines = [
    '',
    `Vigil is running at ${facts.url}`,
    `  Operator token (${TOKEN_ORIGIN[facts.tokenSource]})${token === undefined ? ': not shown' : `: ${token}`}`,
  ];
  if (facts.broker) lines.push(`  MQTT:      ${facts.broker.url}${facts.broker.embedded ? ' (embedded)' : ''}`);
  if (facts.devices !== undefined) lines.push(`  Devices:   ${facts.devices}`);
  if (facts.store !== undefined) lines.push(`  Store:     ${facts.store}`);
  if (facts.simulator !== undefined) lines.push(`  Simulator: ${facts.simulator > 0 ? `${facts.simulator} devices` : 'off'}`);
  return [...lines, ''];
}

export function announce(facts: BannerFacts, out: BannerOutput): void {
  if (out.tty) {
    out.stderr(`${bannerLines(facts).join('\n')}\n`);
    return;
  }
  const token = shownToken(facts);
  out.logger.info(
    {
      url: facts.url,
      tokenSource: facts.tokenSource,
      ...(token === undefined ? {} : { token }),
      ...(facts.broker ? { broker: facts.broker.url, embeddedBroker: facts.broker.embedded } : {}),
      ...(facts.devices !== undefined ? { devices: facts.devices } : {}),
      ...(facts.store !== undefined ? { store: facts.store } : {}),
      ...(facts.simulator !== undefined ? { simulatorDevices: facts.simulator } : {}),
    },
    'Vigil is running',
  );
}
