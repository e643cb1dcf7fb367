/**
 * Who may publish and subscribe to what on the embedded broker (docs/security.md, "MQTT").
 * Three kinds of client: Vigil's own processes (per-boot service credentials: everything), a
 * device signed in with its id (its own topics, and a gateway's its sources' topics), and an
 * anonymous client (only while MQTT_ANONYMOUS is on: any device topic, never `vigil/…`).
 */
import type { TopicClaims } from '../sources/claims.ts';

export type Identity =
  | { readonly kind: 'service' }
  | {
      readonly kind: 'device';
      readonly id: string;
      readonly topicPrefix: string;
      /** Sources this credential bridges (`gateway=` in devices.passwd): it may publish their topics for any device. */
      readonly gateway: readonly string[];
    }
  | { readonly kind: 'anonymous' };

export type DeviceIdentity = Exclude<Identity, { kind: 'service' }>;

/** Vigil's own topics: nobody but Vigil publishes, subscribes to or receives them. */
export function isVigilTopic(topic: string): boolean {
  return topic === 'vigil' || topic.startsWith('vigil/');
}

/** A subscription filter that could match a Vigil topic explicitly (`#` and `+/…` are filtered at delivery). */
export function namesVigilTopic(filter: string): boolean {
  return isVigilTopic(filter) || filter === 'vigil/#';
}

/** `{TOPIC_PREFIX}/{id}` and everything under it; ids hold no `/`, `+` or `#`, so this is one subtree. */
function ownsTopic(identity: { readonly id: string; readonly topicPrefix: string }, topicOrFilter: string): boolean {
  const own = `${identity.topicPrefix}/${identity.id}`;
  return topicOrFilter === own || topicOrFilter.startsWith(`${own}/`);
}

/**
 * What becomes of a device client's publish: `publish` (decoded and stored as any), `list-only`
 * (accepted, but only listed among the topics no source takes: never decoded, so it can name no
 * device) or `refused` (the connection is cut).
 */
export type PublishRight = 'publish' | 'list-only' | 'refused';

/**
 * The one place that says which topics a device client may publish. A signed-in device publishes
 * the native topics under its own id, and any topic that every enabled source taking it maps to
 * its own id (`tele/{id}/SENSOR`: `claims`, sources/claims.ts, with the sources' id mapping). A
 * gateway may also publish where each of those sources is one it bridges, for any device (and
 * topics the payload names the device on, which are a gateway's only). Another device's topic is
 * refused. A topic no source takes (Tasmota's `tele/{id}/INFO1`, `tasmota/discovery/…`, which it
 * sends at every boot) is list-only, so firmware chatter does not cut a device off in a loop;
 * without `claims` (the sources unknown) it is refused. An anonymous client (MQTT_ANONYMOUS on)
 * may publish any device topic.
 */
export function publishRight(identity: DeviceIdentity, topic: string, claims?: TopicClaims): PublishRight {
  if (isVigilTopic(topic) || topic.startsWith('$')) return 'refused';
  if (identity.kind === 'anonymous' || ownsTopic(identity, topic)) return 'publish';
  const found = claims?.(topic) ?? [];
  if (found.length === 0) return claims ? 'list-only' : 'refused';
  return found.every((c) => c.device === identity.id || identity.gateway.includes(c.source)) ? 'publish' : 'refused';
}

/** publishRight's `publish`: the message is decoded and stored like any other. */
export function deviceMayPublish(identity: DeviceIdentity, topic: string, claims?: TopicClaims): boolean {
  return publishRight(identity, topic, claims) === 'publish';
}

/** The MQTT filters of each enabled source, by name (sources/claims.ts sourceFilters). */
export type SourceFilters = ReadonlyMap<string, readonly string[]>;

/**
 * True when every topic `inner` (a filter or a topic) matches, `outer` matches too: `zigbee2mqtt/+/set`
 * is within `zigbee2mqtt/#`, `#` is not. `$`-topics and shared subscriptions are within nothing.
 */
export function filterWithin(inner: string, outer: string): boolean {
  if (inner.startsWith('$')) return false;
  const a = inner.split('/');
  const b = outer.split('/');
  for (let i = 0; i < b.length; i++) {
    if (b[i] === '#') return true;
    const level = a[i];
    if (level === undefined || level === '#') return false;
    if (b[i] !== '+' && (level === '+' || level !== b[i])) return false;
  }
  return a.length === b.length;
}

/**
 * A signed-in device hears only its own subtree (no `#`, no `+/…`, no shared subscriptions), a
 * gateway also what lies within its sources' filters (zigbee2mqtt subscribes to `zigbee2mqtt/#`
 * for its commands at start); an anonymous client anything but `vigil/…` (its `#` is
 * filtered at delivery, authorizeForward).
 */
export function deviceMaySubscribe(identity: DeviceIdentity, filter: string, sourceFilters?: SourceFilters): boolean {
  if (namesVigilTopic(filter)) return false;
  if (identity.kind === 'anonymous' || ownsTopic(identity, filter)) return true;
  return identity.gateway.some((source) => (sourceFilters?.get(source) ?? []).some((outer) => filterWithin(filter, outer)));
}
