import { api, type Rule, type RuleBody } from '../lib/api.ts';
import type { LiveStream } from './live.svelte.ts';
import type { Session } from './session.svelte.ts';

/** Alert rules: fetched when a page first needs them (device charts, the editor), changed as the operator. */
export class Rules {
  list = $state.raw<Rule[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);

  readonly #stream: LiveStream;
  readonly #session: Session;
  #started = false;
  #loading: Promise<void> | null = null;

  constructor(stream: LiveStream, session: Session) {
    this.#stream = stream;
    this.#session = session;
  }

  get(id: string): Rule | undefined {
    return this.list.find((r) => r.id === id);
  }

  /** Loads the rules the first time something shows them; later calls refresh them. */
  ensure(): Promise<void> {
    if (!this.#started) {
      this.#started = true;
      this.#stream.onResync(() => void this.load());
    }
    return this.load();
  }

  load(): Promise<void> {
    this.#loading ??= (async () => {
      try {
        this.list = sortRules(await api.rules());
        this.loaded = true;
        this.error = null;
      } catch (err) {
        this.error = err instanceof Error ? err.message : String(err);
      }
    })().finally(() => (this.#loading = null));
    return this.#loading;
  }

  /** Creates (id null) or replaces a rule; an ApiError with `field` says what to fix. */
  async save(id: string | null, body: RuleBody): Promise<Rule> {
    const rule = await this.#session.asOperator('Sign in to save rules.', () =>
      id === null ? api.createRule(body) : api.updateRule(id, body),
    );
    this.list = sortRules([...this.list.filter((r) => r.id !== rule.id), rule]);
    return rule;
  }

  async setEnabled(rule: Rule, enabled: boolean): Promise<void> {
    const { id, ...body } = rule;
    await this.save(id, { ...body, enabled } as RuleBody);
  }

  async remove(id: string): Promise<void> {
    await this.#session.asOperator('Sign in to delete rules.', () => api.deleteRule(id));
    this.list = this.list.filter((r) => r.id !== id);
  }
}

function sortRules(rules: readonly Rule[]): Rule[] {
  return rules.slice().sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
