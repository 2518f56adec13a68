/**
 * Presentation preferences, kept in localStorage: light or dark theme, projector mode (large type),
 * and whether the heatmap marks spaces. They apply to the whole page through attributes on <html>
 * (app.css reads them), so every view follows them.
 */
export type Theme = 'light' | 'dark';

const KEYS = { theme: 'pp.theme', projector: 'pp.projector', whitespace: 'pp.whitespace' } as const;

function read(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}
function write(key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(key, value);
  } catch {
    /* storage disabled: the preference lasts for this page only */
  }
}

function initialTheme(): Theme {
  const saved = read(KEYS.theme);
  if (saved === 'light' || saved === 'dark') return saved;
  return globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

class Preferences {
  theme = $state<Theme>(initialTheme());
  projector = $state(read(KEYS.projector) === '1');
  /** Mark every space with a faint dot (newlines and tabs are always marked). */
  showSpaces = $state(read(KEYS.whitespace) === '1');

  constructor() {
    this.apply();
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    write(KEYS.theme, theme);
    this.apply();
  }

  setProjector(on: boolean): void {
    this.projector = on;
    write(KEYS.projector, on ? '1' : '0');
    this.apply();
  }

  setShowSpaces(on: boolean): void {
    this.showSpaces = on;
    write(KEYS.whitespace, on ? '1' : '0');
  }

  private apply(): void {
    const root = globalThis.document?.documentElement;
    if (!root) return;
    root.dataset.theme = this.theme;
    root.style.colorScheme = this.theme;
    if (this.projector) root.dataset.projector = '';
    else delete root.dataset.projector;
  }
}

export const prefs = new Preferences();
