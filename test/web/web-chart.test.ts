/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { INTERFACES_ADVICE } from '../../src/bridge/line-advice.js';
import { emptyStats } from '../../src/bridge/pipeline-stats.js';
import type { HistoryPoint, Snapshot } from '../../src/web/live-state.js';
import { HISTORY_MS } from '../../src/web/live-state.js';
import { PAGE } from '../../src/web/page.js';
import {
  artifact,
  chartState,
  crisp,
  DESKTOP,
  isoOnPage,
  launchChromium,
  PHONE,
  phasesOnPage,
  seriesPixels,
  timesOnPage,
} from './page-probe.js';

/**
 * The page against a feed of the test's own (Playwright stands in for the server and its WebSocket), so
 * that a whole 15-minute window can be drawn without waiting 15 minutes: a morning with a kettle, clouds
 * over the PV and a minute with no telegrams. The chart must use the window, label both axes, draw import
 * above and export below zero, break the line at the gap, and start a short history at the left edge.
 */

const URL_BASE = 'http://bridge.test/api/hassio_ingress/t0k3n/';
const NOW = Date.UTC(2026, 5, 21, 9, 30, 0);

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser.close();
});

/** 15 minutes at one telegram per 5 s, a minute missing, and one point from before the window. */
function morning(): HistoryPoint[] {
  const points: HistoryPoint[] = [[NOW - HISTORY_MS - 60_000, 9000, 0]];
  for (let i = 0; i <= HISTORY_MS / 5000; i++) {
    const at = NOW - HISTORY_MS + i * 5000;
    const minute = (at - (NOW - HISTORY_MS)) / 60_000;
    if (minute > 9 && minute < 10) continue; // the meter's cable was out for a minute
    const load = 420 + 180 * Math.sin(minute * 1.7) + (minute > 2 && minute < 4.5 ? 2000 : 0);
    const pv = minute < 6 ? 150 * minute : 2600 + 500 * Math.sin(minute * 2.3);
    const net = Math.round(load - pv);
    points.push([at, Math.max(0, net), Math.max(0, -net)]);
  }
  return points;
}

function snapshot(history: readonly HistoryPoint[], now = NOW): Snapshot {
  const last = history.at(-1) ?? [now, 0, 0];
  const time = new Date(last[0]).toISOString().replace(/\.\d+Z$/, '+00:00');
  return {
    type: 'snapshot',
    source: 'simulated',
    lineAdvice: INTERFACES_ADVICE,
    mqttConnected: true,
    stats: {
      ...emptyStats(),
      bytesReceived: 93_400,
      framesValid: 362,
      telegramsReassembled: 181,
      telegramsDecoded: 180,
      telegramsPublished: 180,
      lastTelegramAt: last[0],
    },
    counts: { decoded: 181, published: 180, held: 1, unsent: 0, dropped: 0 },
    telegram: {
      meter_id: '1KFM0200000001',
      system_title: '4B464D1020000001',
      frame_counter: 4242,
      time,
      totals_time: new Date(last[0] - 5000).toISOString(),
      values: {
        energy_in: 3744.082,
        energy_out: 3929.988,
        power_in: last[1] ?? 0,
        power_out: last[2] ?? 0,
        power: (last[1] ?? 0) - (last[2] ?? 0),
        voltage_l1: 231.4,
        voltage_l2: 228.9,
        voltage_l3: 254.1,
        current_l1: 4.12,
        current_l2: 0.87,
        current_l3: 11.5,
        power_factor: 0.981,
        meter_id: '1KFM0200000001',
      },
      obis: {},
    },
    history,
    recent: [
      { at: last[0], outcome: 'published', message: undefined, values: 13, totalsPending: false, frames: [] },
      {
        at: last[0] - 5000,
        outcome: 'held',
        message: undefined,
        values: undefined,
        totalsPending: false,
        frames: [],
      },
    ],
    entities: {},
    now,
  };
}

/** Serves the page and answers its WebSocket with `first`; returns a way to send more. */
async function feed(page: Page, first: Snapshot): Promise<(next: Snapshot) => void> {
  await page.route(`${URL_BASE}**`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: PAGE }),
  );
  let socket: WebSocketRoute | undefined;
  await page.routeWebSocket(`${URL_BASE.replace('http', 'ws')}ws`, (ws) => {
    socket = ws;
    ws.send(JSON.stringify(first));
  });
  await page.goto(URL_BASE);
  await page.waitForFunction(
    () => Number(document.getElementById('chart')?.getAttribute('data-import-points')) > 0,
  );
  return (next) => socket?.send(JSON.stringify(next));
}

function inWindow(points: readonly HistoryPoint[], now = NOW): HistoryPoint[] {
  return points.filter(([at]) => at >= now - HISTORY_MS && at <= now);
}

describe('the power chart over a whole window', () => {
  it('on a desktop in English: 15 minutes, clock-time ticks, kW, import up and export down', async () => {
    const context = await browser.newContext({ ...DESKTOP, locale: 'en-GB', timezoneId: 'Europe/Vienna' });
    try {
      const page = await context.newPage();
      const history = morning();
      await feed(page, snapshot(history));
      const chart = await chartState(page);
      assert.ok(crisp(chart), JSON.stringify(chart));
      const shown = inWindow(history);
      assert.equal(chart.importPoints, shown.length, 'every point of the window, none from before it');
      assert.equal(chart.exportPoints, shown.length);
      assert.equal(chart.importMax, Math.max(...shown.map((p) => p[1] ?? 0)));
      assert.equal(chart.exportMax, Math.max(...shown.map((p) => p[2] ?? 0)));
      assert.equal(chart.xFrom, NOW - HISTORY_MS, 'the full window');
      assert.equal(chart.xTo, NOW);
      // Clock times at whole minutes (en-GB: 24 hours, Vienna is UTC+2 in June), evenly spaced.
      assert.ok(chart.xTicks.length >= 4, JSON.stringify(chart.xTicks));
      for (const tick of chart.xTicks) assert.match(tick, /^1[12]:\d\d$/);
      const steps = chart.xTicksAt.slice(1).map((at, i) => at - (chart.xTicksAt[i] ?? 0));
      assert.equal(new Set(steps).size, 1, 'one step between time ticks');
      assert.ok((steps[0] ?? 0) % 60_000 === 0);
      assert.equal(chart.unit, 'kW');
      assert.ok(
        chart.yTicks.includes('0 kW') || chart.yTicks.includes('0.0 kW'),
        JSON.stringify(chart.yTicks),
      );
      assert.ok(
        chart.yTicks.some((tick) => tick.startsWith('-')),
        'export below zero',
      );
      const pixels = await seriesPixels(page);
      assert.ok(pixels.import > 100 && pixels.export > 100, JSON.stringify(pixels));
      assert.equal(pixels.importBelowZero, 0);
      assert.equal(pixels.exportAboveZero, 0);

      // Phases: three rows; L3 at 254.1 V is outside 230 V ± 10 % and marked.
      const phases = await phasesOnPage(page);
      assert.deepEqual(Object.keys(phases), ['L1', 'L2', 'L3']);
      assert.match(phases['L3']?.text ?? '', /254\.1 V/);
      assert.match(phases['L3']?.text ?? '', /11\.50 A/);
      assert.equal(await page.$$eval('#phases .bar.v.warn', (bars) => bars.length), 1);
      assert.match((await page.textContent('#pf')) ?? '', /Power factor 0\.981/);

      // Every time in one format; the counts explained.
      for (const time of await timesOnPage(page)) {
        assert.equal(time.shown, time.expected);
        assert.match(time.shown, /^\d\d:\d\d:\d\d$/);
      }
      assert.deepEqual(await isoOnPage(page), []);
      assert.match((await page.textContent('[data-step="s5"]')) ?? '', /\+ 1 held/);
      assert.equal(await page.getAttribute('[data-step="s5"]', 'data-state'), 'ok');
      assert.match(
        (await page.textContent('#raw [data-outcome="held"]')) ?? '',
        /held: the meter's first telegram/,
      );

      // Pointing at the chart shows that moment's values.
      const box = await page.locator('#chart').boundingBox();
      assert.ok(box);
      await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
      await page.screenshot({ path: artifact('web-chart-15min.png'), fullPage: false });
    } finally {
      await context.close();
    }
  });

  it('on a phone in German: crisp at 3 device pixels per pixel, German numbers, redrawn when turned', async () => {
    const context = await browser.newContext({ ...PHONE, locale: 'de-AT', timezoneId: 'Europe/Vienna' });
    try {
      const page = await context.newPage();
      await feed(page, snapshot(morning()));
      let chart = await chartState(page);
      assert.equal(chart.dpr, 3);
      assert.ok(crisp(chart), JSON.stringify(chart));
      assert.ok(chart.xTicks.length >= 2, JSON.stringify(chart.xTicks));
      for (const tick of chart.xTicks) assert.match(tick, /^1[12]:\d\d$/);
      for (const tick of chart.yTicks) assert.match(tick, /^-?\d+(,\d+)? kW$/, 'a decimal comma');
      assert.match((await page.textContent('#power')) ?? '', /^\d+,\d\d kW$|^\d+ W$/);
      assert.match((await page.textContent('[data-step="s5"]')) ?? '', /\+ 1 zurückgehalten/);
      for (const time of await timesOnPage(page)) {
        assert.equal(time.shown, time.expected);
        assert.match(time.shown, /^\d\d:\d\d:\d\d$/);
      }
      await page.locator('#chartBox').scrollIntoViewIfNeeded();
      await page.screenshot({ path: artifact('web-chart-15min-phone.png') });

      // Turned sideways: a wider box, a new backing store, the same crispness.
      const narrow = chart.css.width;
      await page.setViewportSize({ width: 844, height: 390 });
      await page.waitForFunction((before) => {
        const c = document.getElementById('chart') as HTMLCanvasElement;
        const w = c.getBoundingClientRect().width;
        return w > before && c.width === Math.round(w * devicePixelRatio);
      }, narrow);
      chart = await chartState(page);
      assert.ok(crisp(chart), JSON.stringify(chart));
    } finally {
      await context.close();
    }
  });

  it('a first minute fills the chart from its left edge instead of a spike at the right', async () => {
    const context = await browser.newContext({ ...DESKTOP, locale: 'en-US' });
    try {
      const page = await context.newPage();
      const start = NOW - 40_000;
      const first: HistoryPoint[] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => [
        start + i * 5000,
        400 + 30 * i,
        0,
      ]);
      const send = await feed(page, snapshot(first, start + 40_500));
      let chart = await chartState(page);
      assert.equal(chart.xFrom, start, 'the first point at the left edge');
      assert.equal(chart.importPoints, 9);
      assert.equal(chart.unit, 'W');
      assert.ok(chart.xTicks.length >= 3, JSON.stringify(chart.xTicks));
      for (const tick of chart.xTicks)
        assert.match(tick, /^\d{1,2}:\d\d:\d\d\s[AP]M$/, 'seconds on a short axis');
      for (const tick of chart.yTicks) assert.match(tick, /^-?\d+ W$/);
      assert.equal(chart.yTicks[0], '0 W', 'no export: the axis starts at zero, written without a sign');
      await page.screenshot({ path: artifact('web-chart-first-minute.png') });

      // A new snapshot moves the chart on: 2 minutes of history still start at the left edge.
      const more: HistoryPoint[] = [...first];
      for (let i = 9; i < 24; i++) more.push([start + i * 5000, 450, 120]);
      send(snapshot(more, start + 23 * 5000 + 500));
      await page.waitForFunction(
        () => Number(document.getElementById('chart')?.getAttribute('data-export-max')) === 120,
      );
      chart = await chartState(page);
      assert.equal(chart.xFrom, start);
      assert.equal(chart.importPoints, 24);
    } finally {
      await context.close();
    }
  });
});
