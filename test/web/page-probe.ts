/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * For the browser tests of the web page: Debian's Chromium, where screenshots go, and what the page drew,
 * read back from the page itself (the canvas's size and data attributes, its pixels, every time shown).
 */

export const ARTIFACTS = new URL('../../artifacts/', import.meta.url);

export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
};
export const DESKTOP = { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 };

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export function artifact(name: string): string {
  return new URL(name, ARTIFACTS).pathname;
}

export type ChartState = {
  backing: { width: number; height: number };
  css: { width: number; height: number };
  dpr: number;
  unit: string | undefined;
  xTicks: string[];
  xTicksAt: number[];
  yTicks: string[];
  xFrom: number;
  xTo: number;
  zeroY: number;
  importPoints: number;
  exportPoints: number;
  importMax: number;
  exportMax: number;
};

export async function chartState(page: Page): Promise<ChartState> {
  return page.$eval('#chart', (element) => {
    const canvas = element as HTMLCanvasElement;
    const box = canvas.getBoundingClientRect();
    const d = canvas.dataset;
    return {
      backing: { width: canvas.width, height: canvas.height },
      css: { width: box.width, height: box.height },
      dpr: window.devicePixelRatio,
      unit: d['unit'],
      xTicks: JSON.parse(d['xTicks'] ?? '[]') as string[],
      xTicksAt: JSON.parse(d['xTicksAt'] ?? '[]') as number[],
      yTicks: JSON.parse(d['yTicks'] ?? '[]') as string[],
      xFrom: Number(d['xFrom']),
      xTo: Number(d['xTo']),
      zeroY: Number(d['zeroY']),
      importPoints: Number(d['importPoints']),
      exportPoints: Number(d['exportPoints']),
      importMax: Number(d['importMax']),
      exportMax: Number(d['exportMax']),
    };
  });
}

/** The canvas's backing store is its CSS box in device pixels: nothing stretched, nothing blurred. */
export function crisp(chart: ChartState): boolean {
  return (
    chart.backing.width === Math.round(chart.css.width * chart.dpr) &&
    chart.backing.height === Math.round(chart.css.height * chart.dpr) &&
    chart.backing.width > 0
  );
}

/**
 * Pixels of the chart drawn in the import and in the export colour (the lines), and how many of each lie
 * on the wrong side of the zero line (import below it, export above it), with a pixel of slack.
 */
export async function seriesPixels(
  page: Page,
): Promise<{ import: number; export: number; importBelowZero: number; exportAboveZero: number }> {
  return page.$eval('#chart', (element) => {
    const canvas = element as HTMLCanvasElement;
    // Inline only: a named helper inside a page function does not survive the test's transpiler.
    const style = getComputedStyle(document.documentElement);
    const colours = { import: [0, 0, 0], export: [0, 0, 0] };
    for (const [name, variable] of [
      ['import', '--in'],
      ['export', '--out'],
    ] as const) {
      const hex = style.getPropertyValue(variable).trim().slice(1);
      colours[name] = [0, 2, 4].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
    }
    const g = canvas.getContext('2d');
    if (g === null) throw new Error('no 2d context');
    const data = g.getImageData(0, 0, canvas.width, canvas.height).data;
    const ratio = canvas.height / canvas.getBoundingClientRect().height;
    const zero = Number(canvas.dataset['zeroY']) * ratio;
    const out = { import: 0, export: 0, importBelowZero: 0, exportAboveZero: 0 };
    for (let i = 0; i < data.length; i += 4) {
      if ((data[i + 3] ?? 0) < 250) continue;
      const y = Math.floor(i / 4 / canvas.width);
      for (const name of ['import', 'export'] as const) {
        const c = colours[name];
        const near = [0, 1, 2].every((k) => Math.abs((data[i + k] ?? 0) - (c[k] ?? 0)) <= 24);
        if (!near) continue;
        out[name]++;
        if (name === 'import' && y > zero + 2 * ratio) out.importBelowZero++;
        if (name === 'export' && y < zero - 2 * ratio) out.exportAboveZero++;
      }
    }
    return out;
  });
}

/** Every time on the page as shown, and as the browser's locale writes that moment. */
export async function timesOnPage(page: Page): Promise<{ shown: string; expected: string }[]> {
  return page.$$eval('[data-time]', (elements) => {
    const cycle = new Intl.DateTimeFormat(navigator.language, { hour: 'numeric' }).resolvedOptions()
      .hourCycle;
    const format = new Intl.DateTimeFormat(navigator.language, {
      hour: cycle === 'h11' || cycle === 'h12' ? 'numeric' : '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    return elements.map((e) => ({
      shown: e.textContent ?? '',
      expected: format.format(new Date(Number(e.getAttribute('data-time')))),
    }));
  });
}

/** Text on the page that looks like an ISO 8601 timestamp (the meter's own format): there should be none. */
export async function isoOnPage(page: Page): Promise<string[]> {
  return page.evaluate(() => (document.body.textContent ?? '').match(/\d{4}-\d\d-\d\dT\d\d:\d\d/g) ?? []);
}

export async function phasesOnPage(
  page: Page,
): Promise<Record<string, { voltage: string; current: string; text: string }>> {
  return page.$$eval('#phases tr[data-phase]', (rows) =>
    Object.fromEntries(
      rows.map((r) => [
        r.getAttribute('data-phase') ?? '',
        {
          voltage: r.getAttribute('data-voltage') ?? '',
          current: r.getAttribute('data-current') ?? '',
          text: r.textContent ?? '',
        },
      ]),
    ),
  );
}
