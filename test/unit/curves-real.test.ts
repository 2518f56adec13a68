/**
 * The curve reader on real training logs written by other people (../shared/real/logs/, read in place):
 * each parses as my reading says (format, points, x unit), and its findings agree with my reading of
 * the curves (curves-real-readings.ts): every expected finding is there, and nothing else is (no false
 * alarms). Every finding names the run's x unit.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildRun, diagnose, LogParseError, mergeRuns, parseLogs, type Finding, type Run } from '../../src/lib/curves';
import { realArtefact } from '../real-artefacts';
import { READINGS, type Reading } from './curves-real-readings';

const DIR = realArtefact('logs');

function load(r: Reading): Run[] {
  const files = r.files.map((f) => ({
    name: f.slice(f.indexOf('__') + 2),
    text: fs.readFileSync(`${DIR}/${f}`, 'utf8'),
  }));
  return mergeRuns(parseLogs(files).map((t) => buildRun(t)));
}

const show = (fs: Finding[]) => fs.map((f) => `${f.kind}/${f.severity}@${f.step}: ${f.title}`).join('\n') || '(none)';

describe('real logs: every file has a reading', () => {
  it('covers all 22 logs', () => {
    const files = fs.readdirSync(DIR).filter((f) => f !== 'SOURCES.md');
    expect(files.length).toBe(22);
    expect(files.filter((f) => !READINGS.some((r) => r.files.includes(f)))).toEqual([]);
  });
});

describe('real logs: the reader agrees with my reading', () => {
  for (const r of READINGS) {
    it(`${r.files.join(' + ')}: ${r.reading.slice(0, 70)}…`, () => {
      if (r.error) {
        let message = '';
        try {
          load(r);
        } catch (e) {
          expect(e).toBeInstanceOf(LogParseError);
          message = (e as Error).message;
        }
        for (const re of r.error) expect(message).toMatch(re);
        return;
      }
      const runs = load(r);
      expect(runs.length, runs.map((x) => x.name).join(', ')).toBe(1);
      const run = runs[0];
      expect(run.format).toBe(r.format);
      expect(run.xLabel).toBe(r.xUnit);
      expect(run.train?.steps.length ?? 0).toBe(r.train);
      expect(run.val?.steps.length ?? 0).toBe(r.val);
      if (r.lr !== undefined) expect(run.lr?.steps.length ?? 0).toBe(r.lr);
      if (r.note) expect(run.notes.join('\n')).toMatch(r.note);

      const found = diagnose(run);
      const all = show(found);
      // no misses: each expected finding, placed where I read it, saying what was observed
      for (const want of r.must ?? []) {
        const hits = found.filter(
          (f) =>
            f.kind === want.kind &&
            f.severity === want.severity &&
            (!want.at || (f.step >= want.at[0] && f.step <= want.at[1])),
        );
        expect(
          hits.length,
          `missing ${want.kind}/${want.severity}${want.at ? ` in [${want.at}]` : ''}; found:\n${all}`,
        ).toBeGreaterThan(0);
        for (const re of want.says ?? [])
          expect(
            hits.some((f) => re.test(`${f.title} ${f.detail}`)),
            `${want.kind} should say ${re}:\n${hits.map((f) => f.detail).join('\n')}`,
          ).toBe(true);
      }
      // no false alarms: every finding is expected or allowed
      for (const f of found) {
        const ok =
          (r.must ?? []).some((w) => w.kind === f.kind && w.severity === f.severity) ||
          (r.allow ?? []).some((a) => a.kind === f.kind && a.severity === f.severity);
        expect(ok, `unexpected ${f.kind}/${f.severity} at ${f.step}: ${f.title}\n${f.detail}`).toBe(true);
      }
      // the x unit is in every finding's text
      for (const f of found) expect(`${f.title} ${f.detail}`).toMatch(new RegExp(`\\b${r.xUnit}s?\\b`));
    });
  }
});
