/**
 * Which sources can take a topic, by its first level: each source names the first levels it can
 * ever claim (Source.firstLevels), so most are never asked about most topics. Shared by the router
 * (decode) and the claims the embedded broker asks (claim), so both ask the same sources in order.
 */
import type { Source } from './types.ts';

export class FirstLevelIndex {
  /** Sources to ask, in order, by a topic's first level; `anyLevel` for levels no source names. */
  private readonly byFirstLevel = new Map<string, readonly Source[]>();
  private readonly anyLevel: readonly Source[];

  constructor(sources: readonly Source[]) {
    // Each list keeps the configured order, so the first source that claims a topic still wins.
    this.anyLevel = sources.filter((s) => s.firstLevels === undefined);
    const levels = new Set(sources.flatMap((s) => s.firstLevels ?? []));
    for (const level of levels)
      this.byFirstLevel.set(
        level,
        sources.filter((s) => s.firstLevels === undefined || s.firstLevels.includes(level)),
      );
  }

  /** The sources that can take `topic`, in configured order. */
  candidates(topic: string): readonly Source[] {
    const slash = topic.indexOf('/');
    return this.byFirstLevel.get(slash < 0 ? topic : topic.slice(0, slash)) ?? this.anyLevel;
  }
}
