/**
 * Numbers that fit and exports that match the page (issue 14). Random characters give a word
 * perplexity beyond a double (e^700 and more): the cards show a compact form, the full value on hover,
 * and nothing overflows at desktop or phone width. The heatmap's SVG export, opened in the browser,
 * keeps every token's text inside its box, keeps the spaces between words, and breaks lines where the
 * page does; the PNG is that SVG rasterised. Backend-independent: runs in the wasm project.
 */
import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { bundledModels, expect, openPlayground, readTokens, scoreInPage, screenshotPath, test } from './fixtures';

const MODEL = 'tiny-bpe1k';

test.beforeEach(({ backend }) => {
  test.skip(!bundledModels().includes(MODEL), `${MODEL} is not bundled in dist/`);
  test.skip(backend !== 'wasm', 'backend-independent; runs in the wasm project');
});

/** Printable ASCII from a fixed seed (an LCG), so every run scores the same text. */
function randomCharacters(n: number, seed: number, spaceEvery = 0): string {
  let x = seed;
  let out = '';
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out += spaceEvery && i % spaceEvery === spaceEvery - 1 ? ' ' : String.fromCharCode(33 + (x % 94));
  }
  return out;
}

/** Summary cards whose content is wider than the card, and the page's horizontal overflow. */
async function overflow(page: Page) {
  return page.evaluate(() => ({
    cards: [
      ...document.querySelectorAll<HTMLElement>(
        '[data-testid="summary"] .cards > div, [data-testid="summary"] dd, [data-testid="summary"] .die',
      ),
    ]
      .filter((el) => el.scrollWidth > el.clientWidth)
      .map((el) => `${el.className}: ${el.textContent?.trim()} (${el.scrollWidth} > ${el.clientWidth})`),
    page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  }));
}

test('huge perplexities fit their cards, at desktop and phone width, with the full value on hover', async ({
  page,
  backend,
  pageErrors,
}) => {
  void pageErrors;
  await openPlayground(page, { backend, model: MODEL });
  // random characters cost this model about 10 nats each: one 120-character "word" is about e^1200 =
  // 10^500, past a double (e^709.8); words of 70 characters are about 10^300, just inside one
  const texts = [randomCharacters(120, 7), randomCharacters(1400, 11, 70)];
  for (const text of texts) {
    await page.setViewportSize({ width: 1280, height: 900 });
    await scoreInPage(page, text);
    const natsPerToken = Number(await page.getByTestId('mean-loss').getAttribute('data-value'));
    const tokens = Number(await page.getByTestId('tokens-scored').getAttribute('data-value'));
    const words = text.split(/\s+/).filter(Boolean).length;
    const wordNats = (natsPerToken * tokens) / words;
    expect(wordNats, 'a word perplexity of at least 10^200').toBeGreaterThan(200 * Math.LN10);

    const wordPpl = page.getByTestId('word-ppl');
    const shown = (await wordPpl.textContent())!.trim();
    expect(shown).toMatch(/^\d\.\d\de\d{3,4}$/); // 1.23e300
    expect(shown).not.toMatch(/Infinity|NaN|∞/);
    // the compact form is the value: mantissa and exponent from the log (3 significant digits)
    const [m, e] = shown.split('e').map(Number);
    expect(Math.log10(m) + e).toBeCloseTo(wordNats / Math.LN10, 2);
    // hover: the full value in the tooltip; data-value stays the double (Infinity past e^709.8)
    await wordPpl.hover();
    const title = (await wordPpl.getAttribute('title'))!;
    if (wordNats > Math.log(Number.MAX_VALUE)) {
      const [, nats, log10] = title.match(/^e\^([\d.]+) = 10\^([\d.]+)$/)!;
      expect(Number(nats)).toBeCloseTo(wordNats, 3);
      expect(Number(log10)).toBeCloseTo(wordNats / Math.LN10, 3);
      expect(await wordPpl.getAttribute('data-value')).toBe('Infinity');
    } else {
      expect(Number(title)).toBe(Number(await wordPpl.getAttribute('data-value')));
    }
    expect(await page.getByTestId('ppl').getAttribute('title')).toBe(
      await page.getByTestId('ppl').getAttribute('data-value'),
    );

    expect(await overflow(page), '1280 px').toEqual({ cards: [], page: 0 });
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(page.getByTestId('summary')).toBeVisible();
    expect(await overflow(page), '390 px').toEqual({ cards: [], page: 0 });
  }
  await page.getByTestId('summary').screenshot({ path: screenshotPath('summary-phone-huge') });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByTestId('summary').screenshot({ path: screenshotPath('summary-huge') });
});

/** Spaces, punctuation, an emoji, CJK, a tab, a newline, and control characters XML 1.0 forbids. */
const TEXT =
  'Call me Ishmael. Some years ago, never mind how long precisely, I went to sea. 🐳 鲸鱼 is "whale" & <fish>!\n' +
  '\tThe end\u0000 of the \u001b[1mstory.\n' +
  'It is a way I have of driving off the spleen, and regulating the circulation; whenever I find myself growing grim about the mouth.';

test('the SVG and PNG exports match the page: text in its boxes, spaces kept, same lines', async ({
  page,
  backend,
  pageErrors,
}) => {
  void pageErrors;
  await openPlayground(page, { backend, model: MODEL });
  await scoreInPage(page, TEXT);
  const pageTokens = await readTokens(page);
  await page.getByTestId('tokens').screenshot({ path: screenshotPath('export-page') });

  // the line of each token with visible text in the page: the last box it has (a word after a space
  // that wrapped is on the next line; the space stays behind)
  const pageLines = await page.$$eval('[data-testid="token"]', (els) => {
    const bottoms = els.map((el) => {
      const rects = [...el.getClientRects()];
      return /\S/.test(el.textContent ?? '') && rects.length ? Math.round(rects.at(-1)!.bottom) : null;
    });
    const rows = [...new Set(bottoms.filter((b) => b !== null))].sort((a, b) => a - b);
    return bottoms.map((b) => (b === null ? null : rows.indexOf(b)));
  });

  const save = async (testId: string) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
    return fs.readFileSync((await download.path())!);
  };
  const svg = (await save('export-svg')).toString('utf8');
  const png = await save('export-png');
  fs.writeFileSync(screenshotPath('export-png'), png);

  // well-formed XML (U+0000 and ESC were drawn as ␀ and ␛), nothing of the text became markup
  expect(svg).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/); // eslint-disable-line no-control-regex
  expect(svg).toContain('␀');
  expect(svg).toContain('␛');
  expect(svg).toContain('&lt;'); // the tokenizer splits "<fish>", so not one run
  expect(svg).not.toContain('<fish');

  // open the SVG in a page of its own, parsed as XML as a viewer does
  const view = await page.context().newPage();
  await view.setContent('<!doctype html><body style="margin:0;background:#fff"></body>');
  const report = await view.evaluate((source) => {
    const doc = new DOMParser().parseFromString(source, 'image/svg+xml');
    if (doc.getElementsByTagName('parsererror').length) return { parseError: true } as never;
    const svg = document.importNode(doc.documentElement, true) as unknown as SVGSVGElement;
    document.body.append(svg);
    const texts = [...svg.querySelectorAll<SVGTextElement>('text[data-index]')];
    const rects = [...svg.querySelectorAll<SVGRectElement>('rect[data-index]')];
    const measure = (natural: boolean) =>
      texts.map((t) => {
        const length = t.getAttribute('textLength')!;
        if (natural) t.removeAttribute('textLength'); // the glyphs' own width in this browser's font
        const b = t.getBBox();
        t.setAttribute('textLength', length);
        return {
          index: Number(t.dataset.index),
          text: t.textContent!,
          x: b.x,
          right: b.x + b.width,
          y: Number(t.getAttribute('y')),
        };
      });
    const boxes = rects.map((r) => {
      const b = r.getBBox();
      return { index: Number(r.dataset.index), x: b.x, right: b.x + b.width, top: b.y, bottom: b.y + b.height };
    });
    /** Runs not inside a box of their token on their line (1.5 px: the hairline and rounding). */
    const outside = (runs: ReturnType<typeof measure>) =>
      runs
        .filter(
          (t) =>
            !boxes.some(
              (b) =>
                b.index === t.index && b.top < t.y && t.y < b.bottom && b.x - 1.5 <= t.x && t.right <= b.right + 1.5,
            ),
        )
        .map((t) => `${t.index} ${JSON.stringify(t.text)} [${t.x.toFixed(1)}, ${t.right.toFixed(1)}]`);
    const natural = measure(true);
    return {
      parseError: false,
      width: svg.width.baseVal.value,
      height: svg.height.baseVal.value,
      runs: natural,
      outsideNatural: outside(natural),
      outsideHeld: outside(measure(false)),
    };
  }, svg);
  expect(report.parseError).toBe(false);
  // every token with visible text has its run (else the checks below would hold vacuously)
  const visible = pageTokens.filter((t) => /\S/.test(t.text)).map((t) => t.index);
  expect(visible.every((i) => report.runs.some((r) => r.index === i))).toBe(true);
  expect(report.outsideNatural, 'text in its own width, outside its box').toEqual([]);
  expect(report.outsideHeld, 'text held to its measured width, outside its box').toEqual([]);

  // spaces: a gap of at least a third of a space between runs whose tokens the text separates by
  // one, and none inside a word that spans tokens ("pre" + "cisely")
  const runs = report.runs.filter((r) => !/[↵→]/.test(r.text));
  let spaced = 0;
  let joined = 0;
  for (let i = 1; i < runs.length; i++) {
    const [a, b] = [runs[i - 1], runs[i]];
    if (a.y !== b.y) continue;
    const gap = b.x - a.right;
    const spaceBefore = b.index !== a.index ? /^\s/.test(pageTokens[b.index].text) : false;
    if (spaceBefore) {
      spaced++;
      expect(gap, `${a.text}|${b.text}`).toBeGreaterThan(2.5);
    } else if (
      b.index === a.index + 1 &&
      !/^\s/.test(pageTokens[b.index].text) &&
      !/\s$/.test(pageTokens[a.index].text)
    ) {
      joined++;
      expect(gap, `${a.text}|${b.text}`).toBeLessThan(2.5);
    }
  }
  expect(spaced).toBeGreaterThan(30);
  expect(joined).toBeGreaterThan(5);

  // the same lines as the page: each token with visible text on the line it has there
  const rows = [...new Set(report.runs.map((r) => r.y))].sort((a, b) => a - b);
  const svgLines = pageTokens.map((t) => {
    const own = report.runs.filter((r) => r.index === t.index && !/[↵→]/.test(r.text));
    return /\S/.test(t.text) && own.length ? rows.indexOf(own.at(-1)!.y) : null;
  });
  expect(svgLines).toEqual(pageLines);

  await view.locator('svg').screenshot({ path: screenshotPath('export-svg') });

  // the PNG: twice the SVG's size, and the SVG's pixels (the same drawing, rasterised)
  const pngCheck = await view.evaluate(
    async ({ pngBase64, source }) => {
      const load = async (src: string) => {
        const img = new Image();
        img.src = src;
        await img.decode();
        return img;
      };
      const png = await load(`data:image/png;base64,${pngBase64}`);
      const svgImg = await load(URL.createObjectURL(new Blob([source], { type: 'image/svg+xml' })));
      const pixels = (img: HTMLImageElement) => {
        const c = document.createElement('canvas');
        c.width = png.naturalWidth;
        c.height = png.naturalHeight;
        const ctx = c.getContext('2d')!;
        ctx.drawImage(img, 0, 0, c.width, c.height);
        return ctx.getImageData(0, 0, c.width, c.height).data;
      };
      const a = pixels(png);
      const b = pixels(svgImg);
      let coloured = 0;
      let differ = 0;
      for (let i = 0; i < a.length; i += 4) {
        if (a[i] < 235 || a[i + 1] < 235 || a[i + 2] < 235) coloured++;
        if (Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]) > 24) differ++;
      }
      const n = a.length / 4;
      return { width: png.naturalWidth, height: png.naturalHeight, coloured: coloured / n, differ: differ / n };
    },
    { pngBase64: png.toString('base64'), source: svg },
  );
  expect(pngCheck.width).toBe(Math.ceil(report.width * 2));
  expect(pngCheck.height).toBe(Math.ceil(report.height * 2));
  expect(pngCheck.coloured, 'share of the PNG that is not white').toBeGreaterThan(0.15);
  expect(pngCheck.differ, 'share of pixels that differ from the SVG').toBeLessThan(0.01);
  await view.close();
});

test('compare panels show huge perplexities compactly, inside their cards', async ({ page, pageErrors }) => {
  void pageErrors;
  const models = ['tiny-bpe1k', 'tiny-byte'].filter((m) => bundledModels().includes(m));
  await page.goto(`./?backend=wasm&compare=${models.join(',')}#/compare`);
  await expect(page.getByTestId('compare-panel')).toHaveCount(models.length, { timeout: 60_000 });
  await page.getByTestId('text-input').fill(randomCharacters(120, 7));
  await page.getByTestId('score-button').click();
  for (const m of models)
    await expect(page.locator(`[data-testid="compare-panel"][data-model="${m}"]`)).toHaveAttribute(
      'data-state',
      'scored',
      {
        timeout: 180_000,
      },
    );
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    const cards = await page.$$eval('[data-testid="compare-panel"] .stats > div', (els) =>
      els.map((el) => ({
        label: el.querySelector('dt')!.textContent!,
        text: el.querySelector('dd')!.textContent!.trim(),
        title: el.querySelector('dd')!.getAttribute('title'),
        overflows: el.scrollWidth > el.clientWidth,
      })),
    );
    expect(
      cards.filter((c) => c.overflows),
      `${width} px`,
    ).toEqual([]);
    const wordPpl = cards.filter((c) => c.label === 'word PPL');
    expect(wordPpl).toHaveLength(models.length);
    for (const c of wordPpl) {
      // one 120-character word: past a double, so the log form on hover
      expect(c.text).toMatch(/^\d\.\d\de\d{3,4}$/);
      expect(c.title).toMatch(/^e\^[\d.]+ = 10\^[\d.]+$/);
    }
  }
  await page
    .locator('[data-testid="compare-panel"]')
    .first()
    .screenshot({ path: screenshotPath('compare-panel-huge') });
});
