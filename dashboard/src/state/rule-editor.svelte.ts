import { ApiError, api, type Preview, type Rule } from '../lib/api.ts';
import { emptyDraft, ruleFromDraft, type RuleDraft } from '../lib/rules.ts';
import type { RangeKey } from '../lib/routes.ts';
import type { Rules } from './rules.svelte.ts';
import { SignInCancelled } from './session.svelte.ts';

export const PREVIEW_RANGES: readonly RangeKey[] = ['15m', '1h', '6h', '24h'];

/** Which form fields the API can name in a 400; anything else is shown above the buttons. */
const FIELDS = new Set([
  'name',
  'device',
  'type',
  'metric',
  'op',
  'value',
  'low',
  'high',
  'hysteresis',
  'for',
  'after',
  'severity',
  'enabled',
]);

/**
 * One rule being written: the form's draft, the API's verdict on it (field errors), and a
 * preview of what it would have done over recent history, drawn on a device's chart.
 */
export class RuleEditor {
  draft = $state<RuleDraft>(emptyDraft());
  errors = $state<Record<string, string>>({});
  formError = $state<string | null>(null);
  saving = $state(false);

  previewRange = $state<RangeKey>('1h');
  previewDevice = $state('');
  preview = $state.raw<Preview | null>(null);
  previewError = $state<string | null>(null);
  previewing = $state(false);

  /** What would be sent if saved now. */
  readonly body = $derived(ruleFromDraft(this.draft));

  readonly id: string | null;
  readonly #rules: Rules;
  /** Field errors are shown once the operator tried to save; until then the preview only hints. */
  #tried = false;

  constructor(rules: Rules, id: string | null, draft: RuleDraft) {
    this.#rules = rules;
    this.id = id;
    this.draft = draft;
  }

  /** Saves; resolves to the saved rule, or null when the API refused it (errors now say why). */
  async save(): Promise<Rule | null> {
    this.#tried = true;
    this.saving = true;
    this.formError = null;
    try {
      const rule = await this.#rules.save(this.id, this.body);
      this.errors = {};
      return rule;
    } catch (err) {
      if (!(err instanceof SignInCancelled)) this.#fail(err);
      return null;
    } finally {
      this.saving = false;
    }
  }

  /** Asks the API what this draft would have done over the chosen range. */
  async runPreview(signal: AbortSignal): Promise<void> {
    // An unnamed draft can be previewed already; the name only matters when saving.
    const rule = { ...this.body, name: this.body.name || 'preview' };
    this.previewing = true;
    try {
      const preview = await api.previewRule(rule, `-${this.previewRange}`, 'now', signal);
      this.preview = preview;
      this.previewError = null;
      if (this.#tried) this.errors = {};
    } catch (err) {
      if (signal.aborted) return;
      this.preview = null;
      this.previewError = err instanceof Error ? err.message : String(err);
      if (this.#tried) this.#fail(err);
    } finally {
      if (!signal.aborted) this.previewing = false;
    }
  }

  #fail(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof ApiError && err.field !== null && FIELDS.has(err.field)) {
      this.errors = { [err.field]: message };
      this.formError = null;
    } else {
      this.errors = {};
      this.formError = message;
    }
  }
}
