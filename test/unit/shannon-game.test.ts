/**
 * The guessing game's bookkeeping: positions, guesses until right, skips, players' turns, the figures
 * they give (hand-computed) and the CSV export.
 */
import { describe, expect, it } from 'vitest';
import {
  addRound,
  canSkip,
  currentPosition,
  currentRound,
  defaultShown,
  guess,
  isGame,
  MAX_HIDDEN_CHARS,
  newGame,
  passageProblem,
  revealedUpTo,
  roundFinished,
  segmentPositions,
  skip,
  type Game,
} from '../../src/lib/shannon/game';
import { perChar, playerName, pooledFigures, roundFigures } from '../../src/lib/shannon/stats';
import { csvField, positionsCsv, safeName, summaryCsv } from '../../src/lib/shannon/csv';
import type { ModelOutcome } from '../../src/lib/shannon/model';
import { PASSAGES } from '../../src/lib/shannon/passages';

const passage = (text: string, shown: number) => ({ id: 'custom', title: 'Test', text, shown });

/** Play a list of guesses in order. */
function play(game: Game, guesses: string[]): Game {
  for (const g of guesses) game = guess(game, g).game;
  return game;
}

describe('positions', () => {
  it('characters: every character after the shown start, spaces and punctuation included', () => {
    expect(segmentPositions('Hi there, you.', 9, 'char').map((p) => p.text)).toEqual([' ', 'y', 'o', 'u', '.']);
    expect(segmentPositions('a\nb', 0, 'char').map((p) => [p.text, p.keyboard])).toEqual([
      ['a', true],
      ['\n', true],
      ['b', true],
    ]);
  });

  it('characters: one position per user-perceived character, accents and emoji off the keyboard', () => {
    const text = 'x café 👍🏽 e\u0301!';
    const ps = segmentPositions(text, 1, 'char');
    expect(ps.map((p) => p.text)).toEqual([' ', 'c', 'a', 'f', 'é', ' ', '👍🏽', ' ', 'e\u0301', '!']);
    expect(ps.filter((p) => !p.keyboard).map((p) => p.text)).toEqual(['é', '👍🏽', 'e\u0301']);
    for (const p of ps) expect(text.slice(p.start, p.end)).toBe(p.text);
    expect(segmentPositions('a\tb', 0, 'char')[1].keyboard).toBe(false); // Tab moves the focus
  });

  it("words: letters and digits with inner apostrophes and hyphens; punctuation isn't guessed", () => {
    const text = "Start. Don't stop, parti-coloured 104th café!";
    expect(segmentPositions(text, 7, 'word').map((p) => p.text)).toEqual([
      "Don't",
      'stop',
      'parti-coloured',
      '104th',
      'café',
    ]);
  });
});

describe('a passage that cannot be played is refused', () => {
  it('empty, only spaces, nothing hidden', () => {
    expect(passageProblem('', 0, 'char')).toMatch(/empty/);
    expect(passageProblem('  \n ', 0, 'char')).toMatch(/empty/);
    expect(passageProblem('abc', 3, 'char')).toMatch(/Nothing is left/);
    expect(passageProblem('abc ...', 3, 'word')).toMatch(/no words/);
    expect(passageProblem('abc', 1, 'char')).toBeNull();
    expect(() => newGame(passage('', 0), 'char')).toThrow(/empty/);
  });

  it('the bundled passages are all playable, their hidden parts on the keyboard', () => {
    for (const p of PASSAGES) {
      const game = newGame(p, 'char');
      expect(game.positions.length, p.id).toBeGreaterThan(50);
      expect(
        game.positions.every((x) => x.keyboard),
        p.id,
      ).toBe(true);
      expect(newGame(p, 'word').positions.length, p.id).toBeGreaterThan(8);
    }
  });

  it('a long text plays at most MAX_HIDDEN_CHARS characters after the start', () => {
    const game = newGame(passage('Start. ' + 'word '.repeat(1000), 7), 'char');
    expect(game.positions).toHaveLength(MAX_HIDDEN_CHARS);
    expect(game.passage.text).toHaveLength(7 + MAX_HIDDEN_CHARS);
  });
});

describe('default start', () => {
  it('shows the first sentence when it leaves most of the text hidden', () => {
    expect(defaultShown('The cat sat. Then it slept on the mat all day long.')).toBe(13);
    expect(defaultShown('no sentence end here at all, just words and more words')).toBeGreaterThan(0);
    expect(defaultShown('x')).toBe(0);
  });
});

describe('guessing', () => {
  it('counts guesses until right; a repeated miss is not counted again', () => {
    let game = newGame(passage('The cat.', 4), 'char', '  Ada ');
    expect(currentRound(game).player).toBe('Ada');
    expect(currentPosition(game)?.text).toBe('c');
    let r = guess(game, 'b');
    expect(r.result).toBe('wrong');
    r = guess(r.game, 'b');
    expect(r.result).toBe('repeat');
    r = guess(r.game, 'h');
    expect(currentRound(r.game).misses).toEqual(['b', 'h']);
    r = guess(r.game, 'c');
    expect(r.result).toBe('right');
    game = r.game;
    expect(currentRound(game).outcomes[0]).toEqual({ guesses: 3, skipped: false, misses: ['b', 'h'] });
    expect(revealedUpTo(game)).toBe(5);
    // capitals are different characters (as for the model); an empty guess is ignored
    expect(guess(game, 'A').result).toBe('wrong');
    expect(guess(game, '').result).toBe('ignored');
    game = play(game, ['a', 't', '.']);
    expect(roundFinished(game)).toBe(true);
    expect(currentPosition(game)).toBeNull();
    expect(revealedUpTo(game)).toBe(8);
    expect(guess(game, 'x').result).toBe('ignored');
  });

  it('a composed and a decomposed accent are the same character', () => {
    const game = newGame(passage('x é', 2), 'char');
    expect(guess(game, 'e\u0301').result).toBe('right');
  });

  it('words ignore case and the curly apostrophe', () => {
    let game = newGame(passage("Go. Don't Stop", 4), 'word');
    game = play(game, ['do', 'don’t', 'STOP']);
    expect(currentRound(game).outcomes.map((o) => o.guesses)).toEqual([2, 1]);
    expect(roundFinished(game)).toBe(true);
  });

  it('only characters off the keyboard can be skipped, and they count for nobody', () => {
    let game = newGame(passage('x é!', 1), 'char');
    expect(canSkip(game)).toBe(false);
    expect(() => skip(game)).toThrow(/on the keyboard/);
    game = play(game, [' ', 'e']);
    expect(canSkip(game)).toBe(true);
    game = skip(game);
    expect(currentRound(game).outcomes[1]).toEqual({ guesses: 0, skipped: true, misses: ['e'] });
    game = play(game, ['!']);
    const f = roundFigures(game, currentRound(game), null);
    expect(f.positions).toBe(2);
    expect(f.skipped).toBe(1);
    expect(f.guesses).toEqual([1, 1]);
  });

  it('a game survives JSON (localStorage) and is recognised when read back', () => {
    const game = play(newGame(passage('The cat.', 4), 'char'), ['x', 'c']);
    const back = JSON.parse(JSON.stringify(game));
    expect(isGame(back)).toBe(true);
    expect(back).toEqual(game);
    expect(isGame({ version: 2 })).toBe(false);
    expect(isGame(null)).toBe(false);
  });
});

/** A model that needs `rank` guesses and pays `bits` at each position (as from the engine). */
const fakeModel = (ranks: number[], bits: number[]): ModelOutcome[] =>
  ranks.map((rank, i) => ({ rank, bits: bits[i], top: [] }));

describe('figures', () => {
  // 'abcd' hidden after 'Go: ' (4 positions); the player needs 1, 2, 1, 4 guesses
  const start = () => newGame(passage('Go: abcd', 4), 'char', 'Ada');
  const ada = play(start(), ['a', 'x', 'b', 'c', 'x', 'y', 'z', 'd']);
  const model = fakeModel([1, 1, 3, 2], [0.5, 1, 2, 1.5]);

  it("a player's bounds and the model's on the same positions", () => {
    const f = roundFigures(ada, currentRound(ada), model);
    // player counts 1, 2, 1, 4: q = (1/2, 1/4, 0, 1/4)
    //   F_upper = 1/2·1 + 1/4·2 + 1/4·2 = 1.5
    //   F_lower = 2·(1/4 − 0)·1 + 3·(0 − 1/4)·log2 3 + 4·(1/4 − 0)·2 = 0.5 − 1.1887218755 + 2 = 1.3112781245
    expect(f.guesses).toEqual([1, 2, 1, 4]);
    expect(f.firstTry).toBe(0.5);
    expect(f.player!.upper).toBeCloseTo(1.5, 12);
    expect(f.player!.lower).toBeCloseTo(1.3112781245, 9);
    // model ranks 1, 1, 3, 2: q = (1/2, 1/4, 1/4)
    //   F_upper = 1.5;  F_lower = 2·(1/4 − 1/4)·1 + 3·(1/4)·log2 3 = 1.1887218755
    // model bits (0.5 + 1 + 2 + 1.5) / 4 = 1.25
    expect(f.model!.ranks).toEqual([1, 1, 3, 2]);
    expect(f.model!.bits).toBe(1.25);
    expect(f.model!.bounds!.upper).toBeCloseTo(1.5, 12);
    expect(f.model!.bounds!.lower).toBeCloseTo(1.1887218755, 9);
  });

  it('live: a round in progress counts what it has played', () => {
    const partial = play(start(), ['a', 'x']);
    const f = roundFigures(partial, currentRound(partial), model);
    expect(f.guesses).toEqual([1]);
    expect(f.player!.upper).toBe(0);
    expect(f.model!.bits).toBe(0.5); // only the first position so far
  });

  it('the class pooled: every turn counted together, the model once per turn', () => {
    let game = addRound(ada, '');
    game = play(game, ['a', 'b', 'c', 'd']); // all first time
    expect(game.rounds).toHaveLength(2);
    expect(playerName(game, 0)).toBe('Ada');
    expect(playerName(game, 1)).toBe('Player 2');
    const pooled = pooledFigures(game, model);
    // counts 1, 2, 1, 4, 1, 1, 1, 1: q = (6/8, 1/8, 0, 1/8)
    //   F_upper = 3/4·log2(4/3) + 2·1/8·3 = 0.3112781245 + 0.75 = 1.0612781245
    expect(pooled.positions).toBe(8);
    expect(pooled.player!.upper).toBeCloseTo(1.0612781245, 9);
    expect(pooled.model!.bits).toBe(1.25);
    expect(pooled.model!.ranks).toEqual([1, 1, 3, 2, 1, 1, 3, 2]);
  });

  it('the word variant: bits per word, and per letter over the letters of the words', () => {
    let game = newGame(passage('Go: the big cat', 4), 'word');
    game = play(game, ['the', 'a', 'big', 'cat']); // 1, 2, 1 guesses
    const words = fakeModel([0, 0, 0], [3, 6, 9]).map((m) => ({ ...m, rank: null }));
    const f = roundFigures(game, currentRound(game), words);
    expect(f.chars).toBe(9);
    expect(f.model!.ranks).toEqual([]);
    expect(f.model!.bounds).toBeNull();
    expect(f.model!.bits).toBe(6); // (3 + 6 + 9) / 3 bits per word
    expect(perChar(f.model!.bits, f)).toBe(2); // 18 bits over 9 letters
  });
});

describe('CSV export', () => {
  it('quotes what needs quoting and keeps names from running as formulas', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(' ')).toBe('" "');
    expect(csvField('\n')).toBe('"\n"');
    expect(csvField(null)).toBe('');
    expect(csvField(NaN)).toBe('');
    expect(csvField(0.5)).toBe('0.5');
    expect(safeName('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(safeName('Ada')).toBe('Ada');
  });

  it('one row per player and position, then a summary per player and the class', () => {
    let game = newGame(passage('Go: a,b', 4), 'char', 'Ada');
    game = play(game, ['a', 'x', ',', 'b']);
    const model = fakeModel([1, 2, 1], [0.5, 1.5, 1]);
    const lines = positionsCsv(game, model).split('\r\n');
    expect(lines[0]).toBe('player,unit,position,start,target,guesses,skipped,misses,model_rank,model_bits');
    expect(lines[1]).toBe('Ada,char,1,4,a,1,false,,1,0.5');
    expect(lines[2]).toBe('Ada,char,2,5,",",2,false,x,2,1.5');
    expect(lines[3]).toBe('Ada,char,3,6,b,1,false,,1,1');
    expect(lines[4]).toBe('');

    const summary = summaryCsv(game, model).split('\r\n');
    expect(summary[0]).toBe(
      'player,unit,positions,skipped,first_try_share,upper_bits,lower_bits,upper_bits_per_char,lower_bits_per_char,model_bits,model_bits_per_char,model_upper_bits,model_lower_bits',
    );
    const [name, unit, positions, skipped, firstTry] = summary[1].split(',');
    expect([name, unit, positions, skipped]).toEqual(['Ada', 'char', '3', '0']);
    expect(Number(firstTry)).toBeCloseTo(2 / 3, 12);
    expect(summary[2].startsWith('class (pooled),char,3,0,')).toBe(true);
  });
});
