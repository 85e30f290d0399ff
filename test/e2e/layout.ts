import type { Page } from 'playwright-core';

/**
 * What a narrow screen shows wrong, measured in the browser: how far the page is wider than the
 * window (0 when nothing overflows sideways), and the words that the layout split over two lines
 * ("Starte d", "BLOCK_ WITH_AP PROVAL"). A word here is anything between spaces of up to 24
 * characters without `-`, `/` or `:`; ids and ARNs (with those, or longer) may break to fit.
 */
export interface LayoutReport {
  overflowPx: number;
  splitWords: string[];
}

export async function layoutOf(page: Page, root = 'body'): Promise<LayoutReport> {
  // Measured once the page has laid itself out for this window (two frames after load).
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const frame = (globalThis as unknown as { requestAnimationFrame(f: () => void): void })
          .requestAnimationFrame;
        frame(() => frame(() => resolve()));
      }),
  );
  return page.evaluate((selector) => {
    // biome-ignore lint/suspicious/noExplicitAny: this runs in the page, where the DOM types are not loaded
    const doc = (globalThis as unknown as { document: any }).document;
    const overflowPx = doc.documentElement.scrollWidth - doc.documentElement.clientWidth;
    const walker = doc.createTreeWalker(doc.querySelector(selector), 4 /* NodeFilter.SHOW_TEXT */);
    const splitWords: string[] = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text: string = node.textContent ?? '';
      for (const match of text.matchAll(/\S+/g)) {
        const word = match[0];
        if (word.length > 24 || /[-/:]/.test(word)) continue;
        const range = doc.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + word.length);
        const rects = [...range.getClientRects()].filter((r: { width: number }) => r.width > 0);
        const lines = new Set(rects.map((r: { top: number }) => Math.round(r.top)));
        if (lines.size > 1) splitWords.push(word);
      }
    }
    return { overflowPx, splitWords };
  }, root);
}

/** How many lines an element's text takes (1 when it is not split). */
export async function linesOf(page: Page, selector: string): Promise<number[]> {
  return page.locator(selector).evaluateAll((elements) =>
    elements.map((element) => {
      const rects = [
        ...(element as unknown as { getClientRects(): { top: number; width: number }[] }).getClientRects(),
      ];
      return new Set(rects.filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
    }),
  );
}
