import { ApiError, api } from '../lib/api.ts';

/** SPEC: STALE_AFTER defaults to 60 s. */
export const DEFAULT_STALE_AFTER_MS = 60_000;

/** The operator declined to sign in, so the action that needed it did not happen. */
export class SignInCancelled extends Error {
  constructor() {
    super('sign-in cancelled');
  }
}

/**
 * Whether this browser may act as the operator. The token is posted once to /api/session and
 * comes back as an HttpOnly cookie: the page never stores it, and scripts cannot read it.
 * Actions that need it go through `asOperator`, which asks for sign-in first when needed.
 */
export class Session {
  operator = $state(false);
  readsOpen = $state(true);
  /** STALE_AFTER as the server has it; the SPEC's default until /api/session answers. */
  staleAfterMs = $state(DEFAULT_STALE_AFTER_MS);
  /** TOPIC_PREFIX as the server has it. */
  topicPrefix = $state('devices');
  /** Set once /api/session has answered. */
  known = $state(false);
  /** The sign-in dialog: open with a reason, or closed (null). */
  prompt = $state<string | null>(null);

  readonly #onSignedIn: () => void;
  #waiters: ((ok: boolean) => void)[] = [];

  /** `onSignedIn` runs after signing in to a server whose reads were closed until then. */
  constructor(onSignedIn: () => void = () => {}) {
    this.#onSignedIn = onSignedIn;
  }

  async load(): Promise<void> {
    try {
      const s = await api.session();
      this.operator = s.operator;
      this.readsOpen = s.readsOpen;
      if (typeof s.staleAfterMs === 'number' && s.staleAfterMs > 0) this.staleAfterMs = s.staleAfterMs;
      if (typeof s.topicPrefix === 'string' && s.topicPrefix !== '') this.topicPrefix = s.topicPrefix;
      this.known = true;
    } catch {
      // Unreachable server: the connection indicator says so; operator actions will ask again.
    }
  }

  /** Resolves to an error message, or null once signed in. */
  async signIn(token: string): Promise<string | null> {
    try {
      await api.signIn(token.trim());
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return 'That is not the operator token.';
      return err instanceof Error ? err.message : String(err);
    }
    this.operator = true;
    this.known = true;
    this.#settle(true);
    if (!this.readsOpen) this.#onSignedIn();
    return null;
  }

  async signOut(): Promise<void> {
    await api.signOut().catch(() => undefined);
    this.operator = false;
    // Where reads need the token, what this page already shows must not outlive the session.
    if (!this.readsOpen) location.reload();
  }

  /** Opens the sign-in dialog; resolves true once signed in, false if dismissed. */
  requestSignIn(reason = 'Sign in to make changes.'): Promise<boolean> {
    if (this.operator) return Promise.resolve(true);
    this.prompt = reason;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  dismiss(): void {
    this.#settle(false);
  }

  /**
   * Runs an operator action: signs in first if this browser is not signed in, and once more if
   * the server no longer takes the session (token changed, cookie expired).
   */
  async asOperator<T>(reason: string, action: () => Promise<T>): Promise<T> {
    if (!this.operator && !(await this.requestSignIn(reason))) throw new SignInCancelled();
    try {
      return await action();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) throw err;
      this.operator = false;
      if (!(await this.requestSignIn('Your session ended. Sign in again to continue.'))) throw new SignInCancelled();
      return action();
    }
  }

  #settle(ok: boolean): void {
    this.prompt = null;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve(ok);
  }
}
