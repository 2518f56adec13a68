/**
 * The guessing game's state: the game in progress (kept in localStorage through storage.ts, so leaving the
 * view or reloading the page resumes it), the players' names, and the model's side, scored by the byte-level
 * bundled model on an inference worker of its own (the playground's worker keeps the playground's
 * model). The rules and the figures are pure functions in lib/shannon; this module only holds state,
 * talks to the worker and stores.
 */
import { CancelledError } from '../worker/client';
import { modelService } from './loaded-models.svelte';
import type { ModelLease } from './model-service';
import type { LoadedModelInfo } from '../worker/protocol';
import type { BundledManifest } from '../lib/models/bundled-manifest';
import { parseBackendPreference } from '../lib/runtime/backends';
import { BACKEND_SETTING, clearSetting, jsonSetting, readSetting, textSetting, writeSetting } from './storage';
import type { ScoreResult } from '../lib/scoring/types';
import {
  addRound,
  guess as playGuess,
  isGame,
  modelOutcomes,
  newGame,
  skip as skipPosition,
  type Game,
  type GameUnit,
  type GuessResult,
  type ModelOutcome,
  type Passage,
} from '../lib/shannon';

/** The model that plays: byte-level, so its guesses are characters (DESIGN.md, bundled models). */
export const SHANNON_MODEL = 'tiny-byte';

/** Names offered in the name field: the last few players on this machine. */
const MAX_NAMES = 40;

/** The game in progress (leaving the view or reloading the page resumes it). */
const GAME = jsonSetting<Game | null>('pp.shannon.game', null, (v) => (isGame(v) ? v : undefined));
/** Player names used on this machine, most recent first. */
const NAMES = jsonSetting<string[]>('pp.shannon.names', [], (v) =>
  Array.isArray(v) ? v.filter((n): n is string => typeof n === 'string').slice(0, MAX_NAMES) : undefined,
);
/** The passage a player typed or pasted in the setup form. */
const CUSTOM_TEXT = textSetting('pp.shannon.custom', '', true);

export type ModelPhase = 'idle' | 'loading' | 'scoring' | 'ready' | 'failed';

class ShannonState {
  /** The game in progress; null before the first one. */
  game = $state.raw<Game | null>(readSetting(GAME));
  /** Player names used on this machine, most recent first. */
  names = $state<string[]>(readSetting(NAMES));
  /** The passage typed in the setup form, kept for the next visit. */
  customText = $state(readSetting(CUSTOM_TEXT));

  modelPhase = $state<ModelPhase>('idle');
  modelInfo = $state.raw<LoadedModelInfo | null>(null);
  /** Why the model cannot play (the game goes on without it). */
  modelError = $state<string | null>(null);
  /** The model's scores of a passage text. */
  private scored = $state.raw<{ text: string; result: ScoreResult } | null>(null);

  /** The model at every position of the game, once it has scored the passage. */
  readonly model: ModelOutcome[] | null = $derived.by(() => {
    const game = this.game;
    const scored = this.scored;
    if (!game || !scored || scored.text !== game.passage.text) return null;
    try {
      return modelOutcomes(scored.result, game.positions, game.unit);
    } catch (e) {
      console.error(e);
      return null;
    }
  });

  private lease: ModelLease | null = null;
  private loading: Promise<boolean> | null = null;

  /** Start a game (replacing the one in progress). Throws with a readable message for a passage that cannot be played. */
  start(passage: Passage, unit: GameUnit, player: string): void {
    this.setGame(newGame(passage, unit, player));
    this.remember(player);
    void this.scorePassage();
  }

  /** One guess at the current position. */
  guess(value: string): GuessResult {
    if (!this.game) return 'ignored';
    const { game, result } = playGuess(this.game, value);
    if (game !== this.game) this.setGame(game);
    return result;
  }

  skip(): void {
    if (this.game) this.setGame(skipPosition(this.game));
  }

  /** The next player's turn on the same passage. */
  nextPlayer(name: string): void {
    if (!this.game) return;
    this.setGame(addRound(this.game, name));
    this.remember(name);
  }

  /** Close the game (back to choosing a passage). */
  end(): void {
    this.setGame(null);
  }

  /** Keep the passage typed in the setup form. */
  setCustomText(text: string): void {
    this.customText = text;
    writeSetting(CUSTOM_TEXT, text);
  }

  /** Called when the view opens: resume the model's side of a stored game. */
  resume(): void {
    if (this.game) void this.scorePassage();
  }

  private setGame(game: Game | null): void {
    this.game = game;
    if (game) writeSetting(GAME, game);
    else clearSetting(GAME);
  }

  private remember(name: string): void {
    const n = name.trim();
    if (!n) return;
    this.names = [n, ...this.names.filter((x) => x !== n)].slice(0, MAX_NAMES);
    writeSetting(NAMES, this.names);
  }

  /** Score the game's passage with the byte-level model (once per text). */
  private async scorePassage(): Promise<void> {
    const text = this.game?.passage.text;
    if (!text || this.scored?.text === text) return;
    if (!(await this.loadModel())) return;
    if (this.game?.passage.text !== text) return; // another game started meanwhile; it scores its own
    this.modelPhase = 'scoring';
    try {
      const { result } = await this.lease!.score(text, { k: 5 });
      this.scored = { text, result };
      this.modelPhase = 'ready';
    } catch (e) {
      if (e instanceof CancelledError) return; // a newer passage replaced it
      this.fail(e);
    }
  }

  private loadModel(): Promise<boolean> {
    this.loading ??= this.load();
    return this.loading;
  }

  private async load(): Promise<boolean> {
    this.modelPhase = 'loading';
    this.modelError = null;
    try {
      const assetsBase = new URL('./', document.baseURI).href;
      const res = await fetch(new URL('models/manifest.json', assetsBase));
      if (!res.ok) throw new Error(`could not read the bundled models (HTTP ${res.status} for models/manifest.json)`);
      const manifest = (await res.json()) as BundledManifest;
      const entry = manifest.models.find((m) => m.id === SHANNON_MODEL);
      if (!entry) throw new Error(`the byte-level model ${SHANNON_MODEL} is not bundled, so the model cannot play`);
      const query = new URL(location.href).searchParams;
      this.lease = modelService.open(
        {
          model: {
            kind: 'url',
            url: new URL(`models/${entry.path}`, assetsBase).href,
            name: entry.id,
            onnx: entry.onnx,
          },
          backend: parseBackendPreference(query.get('backend') ?? readSetting(BACKEND_SETTING)),
          threads: Number(query.get('threads') ?? 0) || 0,
          assetsBase,
        },
        'shannon',
      );
      this.modelInfo = await this.lease.info;
      return true;
    } catch (e) {
      this.fail(e);
      this.loading = null; // a later game tries again
      this.lease?.release();
      this.lease = null;
      return false;
    }
  }

  private fail(e: unknown): void {
    this.modelPhase = 'failed';
    this.modelError = e instanceof Error ? e.message : String(e);
    console.error(e);
  }
}

export const shannon = new ShannonState();
