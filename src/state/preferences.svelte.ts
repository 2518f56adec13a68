/**
 * Presentation preferences, kept in localStorage: light or dark theme, projector mode (large type),
 * and whether the heatmap marks spaces. They apply to the whole page through attributes on <html>
 * (app.css reads them), so every view follows them.
 */
import { enumSetting, flagSetting, readSetting, storedSetting, writeSetting } from './storage';

export type Theme = 'light' | 'dark';

const THEME = enumSetting<Theme>('pp.theme', ['light', 'dark'], 'light');
const PROJECTOR = flagSetting('pp.projector');
const SHOW_SPACES = flagSetting('pp.whitespace');

/** The stored theme, else the system's. */
function initialTheme(): Theme {
  return storedSetting(THEME) ?? (globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
}

class Preferences {
  theme = $state<Theme>(initialTheme());
  projector = $state(readSetting(PROJECTOR));
  /** Mark every space with a faint dot (newlines and tabs are always marked). */
  showSpaces = $state(readSetting(SHOW_SPACES));

  constructor() {
    this.apply();
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    writeSetting(THEME, theme);
    this.apply();
  }

  setProjector(on: boolean): void {
    this.projector = on;
    writeSetting(PROJECTOR, on);
    this.apply();
  }

  setShowSpaces(on: boolean): void {
    this.showSpaces = on;
    writeSetting(SHOW_SPACES, on);
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
