/**
 * Who may publish and subscribe to what on the embedded broker (docs/security.md, "MQTT").
 * Three kinds of client: Vigil's own processes (per-boot service credentials: everything), a
 * device signed in with its id (only its own topics), and an anonymous client (only while
 * MQTT_ANONYMOUS is on: any device topic, never `vigil/…`).
 */

export type Identity =
  | { readonly kind: 'service' }
  | { readonly kind: 'device'; readonly id: string; readonly topicPrefix: string }
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
 * The one place that says which topics a device client may publish. A signed-in device publishes
 * the native topics under its own id. The device sources (sources/) will add their device topics
 * here: e.g. `tele/{id}/…` for tasmota, `zigbee2mqtt/{id}`, each matched against the same id.
 * An anonymous client (MQTT_ANONYMOUS on) may publish any device topic, as before credentials.
 */
export function deviceMayPublish(identity: DeviceIdentity, topic: string): boolean {
  if (isVigilTopic(topic) || topic.startsWith('$')) return false;
  if (identity.kind === 'anonymous') return true;
  return ownsTopic(identity, topic);
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
