export type ThemeName = 'light' | 'dark';
type ThemeChoice = ThemeName | 'system';

const KEY = 'vigil.theme';

/** Light or dark: the system's preference until the operator picks one, which is then remembered. */
export class Theme {
  #systemDark = $state(false);
  choice = $state<ThemeChoice>(readChoice());
  readonly current: ThemeName = $derived(this.choice === 'system' ? (this.#systemDark ? 'dark' : 'light') : this.choice);

  /**
   * Keeps <html data-theme> in step. It is written from the event itself rather than from an
   * effect, so the CSS variables have already switched when components (charts reading their
   * colours) update in response.
   */
  start(): () => void {
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const sync = () => {
      this.#systemDark = media.matches;
      this.#apply();
    };
    sync();
    media.addEventListener('change', sync);
    return () => media.removeEventListener('change', sync);
  }

  toggle(): void {
    this.choice = this.current === 'dark' ? 'light' : 'dark';
    this.#apply();
    try {
      localStorage.setItem(KEY, this.choice);
    } catch {
      // Storage can be off (private mode, policy); the choice then lasts for this page only.
    }
  }

  #apply(): void {
    document.documentElement.dataset['theme'] = this.current;
  }
}

function readChoice(): ThemeChoice {
  try {
    const stored = localStorage.getItem(KEY);
    return stored === 'light' || stored === 'dark' ? stored : 'system';
  } catch {
    return 'system';
  }
}
