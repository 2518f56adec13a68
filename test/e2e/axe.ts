/**
 * axe-core in the page: its serious and critical findings, a few nodes each, in a form that reads
 * well in a failed `toEqual([])`.
 */
import path from 'node:path';
import type { Page } from '@playwright/test';

const AXE = path.join(import.meta.dirname, '..', '..', 'node_modules', 'axe-core', 'axe.min.js');

export interface AxeFinding {
  id: string;
  impact: string;
  nodes: string[];
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousAxeViolations(page: Page): Promise<AxeFinding[]> {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    type Violation = { id: string; impact: string; nodes: { target: string[]; failureSummary?: string }[] };
    // axe-core's global, injected above
    const axe = (
      globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: Violation[] }> } }
    ).axe;
    const { violations } = await axe.run(document, { resultTypes: ['violations'] });
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id,
        impact: v.impact,
        nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`.slice(0, 300)),
      }));
  });
}
