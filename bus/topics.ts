/**
 * The names of Vigil's own topics (everything under vigil/). Each has one module in bus/ with its
 * QoS, bounds, encode and decode; this file only names them, so every kind (and the stats
 * snapshot, which counts rejections per topic) can refer to the set without an import cycle.
 * Acknowledgements have no topic of their own: an acknowledged alert goes out on `alert`.
 */
export const VIGIL_TOPICS = {
  /** Accepted readings, batched by each ingest process (bus/readings.ts). */
  readings: 'vigil/events/readings',
  /** A device's reported status changed (bus/device.ts). */
  device: 'vigil/events/device',
  /** An alert fired, resolved or was acknowledged (bus/alert.ts). */
  alert: 'vigil/events/alert',
  /** A device message ingest rejected (bus/rejected.ts). */
  rejected: 'vigil/rejected',
  /** Each ingest process's counters, once a second (bus/ingest-stats.ts). */
  stats: 'vigil/stats/ingest',
  /** Each ingest process's device sources, their counters and unmatched topics (bus/sources.ts). */
  sources: 'vigil/stats/sources',
  /** The API says so after changing a rule; alerters reload within a step (bus/rules-changed.ts). */
  rulesChanged: 'vigil/rules/changed',
} as const;

export type VigilTopicKey = keyof typeof VIGIL_TOPICS;
export type VigilTopic = (typeof VIGIL_TOPICS)[VigilTopicKey];

export const VIGIL_TOPIC_NAMES = Object.values(VIGIL_TOPICS) as readonly VigilTopic[];

export function isVigilTopic(topic: string): topic is VigilTopic {
  return (VIGIL_TOPIC_NAMES as readonly string[]).includes(topic);
}
