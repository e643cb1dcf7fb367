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

const NO_CLAIMS: TopicClaims = () => [];

/**
 * The one place that says which topics a device client may publish. A signed-in device publishes
 * the native topics under its own id, and any topic that every enabled source taking it maps to
 * its own id (`tele/{id}/SENSOR`: `claims`, sources/claims.ts, with the sources' id mapping). A
 * gateway may also publish where each of those sources is one it bridges, for any device (and
 * topics the payload names the device on, which are a gateway's only). A topic no source takes is
 * nobody's. An anonymous client (MQTT_ANONYMOUS on) may publish any device topic.
 */
export function deviceMayPublish(identity: DeviceIdentity, topic: string, claims: TopicClaims = NO_CLAIMS): boolean {
  if (isVigilTopic(topic) || topic.startsWith('$')) return false;
  if (identity.kind === 'anonymous') return true;
  if (ownsTopic(identity, topic)) return true;
  const found = claims(topic);
  return found.length > 0 && found.every((c) => c.device === identity.id || identity.gateway.includes(c.source));
}

/**
 * A signed-in device hears only its own subtree (no `#`, no `+/…`, no shared subscriptions); an
 * anonymous client anything but `vigil/…` (its `#` is filtered at delivery, authorizeForward).
 */
export function deviceMaySubscribe(identity: DeviceIdentity, filter: string): boolean {
  if (namesVigilTopic(filter)) return false;
  if (identity.kind === 'anonymous') return true;
  return ownsTopic(identity, filter);
}
