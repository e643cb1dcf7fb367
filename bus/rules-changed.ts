/** vigil/rules/changed: the API changed a rule; alerters compare the rules' fingerprint and reload. */
import { z } from 'zod';
import { VIGIL_TOPICS } from './topics.ts';
import { defineKind, tsSchema } from './wire.ts';

export interface RulesChanged {
  readonly at: number;
}

export const rulesChanged = defineKind({
  topic: VIGIL_TOPICS.rulesChanged,
  qos: 1,
  maxBytes: 1024,
  schema: z.object({ at: tsSchema }),
  latestTs: (m) => m.at,
  build: (m): RulesChanged => m,
});
