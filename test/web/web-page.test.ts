/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Bridge } from '../../src/bridge/bridge.js';
import { silentLogger } from '../../src/log.js';
import type { Telegram } from '../../src/meter/meter-model.js';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../src/mqtt/embedded-broker.js';
import { MqttPublisher } from '../../src/mqtt/mqtt-publisher.js';
import { MqttSink } from '../../src/mqtt/mqtt-sink.js';
import { MeterSimulator } from '../../src/simulator/meter-simulator.js';
import { SimulatorSource } from '../../src/simulator/simulator-source.js';
import type { TelegramCounts } from '../../src/web/live-state.js';
import { startWebServer, type WebServer } from '../../src/web/web-server.js';
import { type IngressProxy, startIngressProxy } from '../support/ingress-proxy.js';
import { freePort } from '../support/mosquitto.js';
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
 * The web page in a real browser (Debian's Chromium through playwright-core), against the bridge fed by
 * the simulator and publishing to the embedded broker: served under an ingress-like prefix, it must show
 * the telegram's values and per-phase voltage and current, each pipeline step with counts that add up
 * (a held first telegram is not a loss), a crisp chart with both axes and both series, one time format,
 * WRONG_KEY when the key is wrong, and carry on after its WebSocket is cut. Screenshots go to artifacts/.
 */

const KEY = Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex');
const WRONG = Buffer.from('FFEEDDCCBBAA99887766554433221100', 'hex');
const EN_TIME = /^\d{1,2}:\d\d:\d\d\s[AP]M$/;
const DE_TIME = /^\d\d:\d\d:\d\d$/;

type Running = {
  bridge: Bridge;
  source: SimulatorSource;
  web: WebServer;
  proxy: IngressProxy;
  last: () => Telegram | undefined;
  /** Sets the simulated meter's clock to this local hour of today: at night it imports, at noon it exports. */
  setHour(hour: number): void;
  stop(): Promise<void>;
};

let broker: EmbeddedBroker;
let browser: Browser;
const cleanups: (() => Promise<unknown>)[] = [];

before(async () => {
  broker = await startEmbeddedBroker(await freePort());
  browser = await launchChromium();
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await browser.close();
  await broker.close();
});

function shiftTo(hour: number): number {
  const at = new Date();
  at.setHours(hour, at.getMinutes(), at.getSeconds(), at.getMilliseconds());
  return at.getTime() - Date.now();
}

async function startBridge(meterKey: Buffer, bridgeKey: Buffer): Promise<Running> {
  let shift = shiftTo(2);
  const simulator = new MeterSimulator({
    layout: 'ksm-west',
    key: meterKey,
    intervalMs: 300,
    now: () => new Date(Date.now() + shift),
  });
  const source = new SimulatorSource(simulator, 300);
  const mqtt = new MqttPublisher(
    {
      url: `mqtt://127.0.0.1:${broker.port}`,
      username: undefined,
      password: undefined,
      caFile: undefined,
      clientId: `web-${Math.random()}`,
      statusTopic: 'web/status',
      birthTopic: undefined,
    },
    silentLogger,
  );
  const bridge = new Bridge(
    { keys: { encryptionKey: bridgeKey }, logConsole: false },
    { source, log: silentLogger },
  );
  const sink = new MqttSink(
    bridge,
    mqtt,
    { topicPrefix: 'web', discoveryPrefix: 'homeassistant', discovery: true, staleTimeoutS: 30 },
    silentLogger,
  );
  let last: Telegram | undefined;
  bridge.listen({ telegram: (t) => (last = t) });
  sink.start();
  bridge.start();
  const web = await startWebServer(
    bridge,
    { port: 0, host: '127.0.0.1', captureFile: undefined, delivery: sink },
    silentLogger,
  );
  const proxy = await startIngressProxy(web.port);
  const running: Running = {
    bridge,
    source,
    web,
    proxy,
    last: () => last,
    setHour: (hour) => {
      shift = shiftTo(hour);
    },
    stop: async () => {
      await proxy.close();
      await web.close();
      await bridge.stop();
      await sink.stop();
    },
  };
  cleanups.push(() => running.stop());
  return running;
}

async function newPage(options: Parameters<Browser['newContext']>[0]): Promise<Page> {
  const context: BrowserContext = await browser.newContext(options);
  cleanups.push(() => context.close());
  return context.newPage();
}

async function valuesOnPage(page: Page): Promise<Record<string, string>> {
  return page.$$eval('#values tr', (rows) =>
    Object.fromEntries(rows.map((r) => [r.getAttribute('data-key') ?? '', r.children[1]?.textContent ?? ''])),
  );
}

async function stepStates(page: Page): Promise<Record<string, string>> {
  return page.$$eval('#steps .step', (steps) =>
    Object.fromEntries(
      steps.map((s) => [s.getAttribute('data-step') ?? '', s.getAttribute('data-state') ?? '']),
    ),
  );
}

async function stepCounts(page: Page): Promise<TelegramCounts> {
  // Inline only: a named helper inside a page function does not survive the test's transpiler.
  return page.$eval('#steps', (box) => ({
    decoded: Number(box.querySelector('[data-step="s4"]')?.getAttribute('data-count') ?? 0),
    published: Number(box.querySelector('[data-step="s5"]')?.getAttribute('data-count') ?? 0),
    held: Number(box.querySelector('[data-step="s5"]')?.getAttribute('data-held') ?? 0),
    unsent: Number(box.querySelector('[data-step="s5"]')?.getAttribute('data-unsent') ?? 0),
    dropped: Number(box.querySelector('[data-step="s5"]')?.getAttribute('data-dropped') ?? 0),
  }));
}

/** The number as the page writes it: the locale's decimal mark, no grouping. */
function asShown(value: number | string, locale = 'en-US'): string {
  return typeof value === 'number'
    ? new Intl.NumberFormat(locale, { useGrouping: false, maximumFractionDigits: 6 }).format(value)
    : value;
}

const live = (page: Page) =>
  page.waitForFunction(() => document.getElementById('conn')?.getAttribute('data-state') === 'live');

describe('web page in Chromium', () => {
  it('under an ingress prefix shows the telegram, phases, counts that add up, a crisp chart of import and export, and keeps updating after a reconnect', async () => {
    const running = await startBridge(KEY, KEY);
    const page = await newPage({ ...DESKTOP, locale: 'en-US' });
    await page.goto(running.proxy.url);
    // Energy totals arrive from the third telegram on (each once the next telegram confirms it).
    await page.waitForFunction(
      () => document.querySelector('#values tr[data-key="energy_in"]') !== null,
      undefined,
      { timeout: 60_000 },
    );
    await live(page);

    // The page and the bridge agree, value by value, for the telegram on screen.
    const shown = await valuesOnPage(page);
    const meterText = await page.textContent('#meter');
    const telegram = running.last();
    assert.ok(telegram);
    assert.ok(meterText?.includes(telegram.meterId ?? 'none'), meterText ?? '');
    for (const key of ['meter_id', 'device_name', 'voltage_l1', 'energy_in']) assert.ok(key in shown, key);
    assert.equal(shown['meter_id'], telegram.meterId);
    assert.match(shown['energy_in'] ?? '', /^\d+\.\d+$/);
    // Each row is named as in Home Assistant, with its key beneath and its unit beside it.
    const energyRow = await page.$$eval('#values tr[data-key="energy_in"] td', (cells) =>
      cells.map((c) => c.textContent),
    );
    assert.deepEqual([energyRow[0], energyRow[2]], ['Energy importenergy_in', 'kWh']);
    await page.waitForFunction(
      () =>
        ['s1', 's2', 's3', 's4', 's5'].every(
          (s) => document.querySelector(`[data-step="${s}"]`)?.getAttribute('data-state') === 'ok',
        ),
      undefined,
      { timeout: 60_000 },
    );
    assert.deepEqual(await stepStates(page), { s1: 'ok', s2: 'ok', s3: 'ok', s4: 'ok', s5: 'ok' });

    // Decoded = published + held + unsent + dropped; the meter's first telegram is shown as held, not lost.
    const counts = await stepCounts(page);
    assert.equal(counts.decoded, counts.published + counts.held + counts.unsent + counts.dropped);
    assert.equal(counts.held, 1, JSON.stringify(counts));
    const s5 = (await page.textContent('[data-step="s5"]')) ?? '';
    assert.match(
      s5,
      /\+ 1 held: a meter's first telegram waits until the next one confirms the meter number/,
    );
    assert.match(s5, /not lost/);

    assert.ok(
      (await page.$$('#raw .hex .glo-header')).length > 0,
      'the ciphering header is marked in the hex view',
    );
    const html = await page.content();
    assert.ok(
      !html.includes('000102030405060708090A0B0C0D0E0F') &&
        !html.includes('000102030405060708090a0b0c0d0e0f'),
      'the key never reaches the page',
    );

    // At night the household imports; at noon its PV exports: the chart draws both, export below zero.
    await page.waitForFunction(
      () => Number(document.getElementById('chart')?.getAttribute('data-import-max')) > 0,
    );
    running.setHour(12);
    await page.waitForFunction(
      () => Number(document.getElementById('chart')?.getAttribute('data-export-max')) > 0,
      undefined,
      { timeout: 60_000 },
    );
    const chart = await chartState(page);
    assert.ok(crisp(chart), JSON.stringify(chart));
    assert.equal(chart.dpr, 1);
    assert.ok(chart.importPoints >= 3 && chart.exportPoints >= 1, JSON.stringify(chart));
    assert.ok(chart.xTicks.length >= 2, 'time ticks');
    for (const tick of chart.xTicks) assert.match(tick, /^\d{1,2}:\d\d(:\d\d)?\s[AP]M$/);
    assert.ok(chart.unit === 'W' || chart.unit === 'kW');
    assert.ok(chart.yTicks.length >= 3, 'value ticks');
    for (const tick of chart.yTicks) assert.ok(tick.endsWith(` ${chart.unit}`), tick);
    assert.ok(
      chart.yTicks.some((tick) => tick.startsWith('-')),
      'export is below zero',
    );
    const pixels = await seriesPixels(page);
    assert.ok(pixels.import > 20 && pixels.export > 20, JSON.stringify(pixels));
    assert.equal(pixels.importBelowZero, 0, 'import is drawn above zero');
    assert.equal(pixels.exportAboveZero, 0, 'export is drawn below zero');

    // Per-phase voltage and current at a glance.
    const phases = await phasesOnPage(page);
    assert.deepEqual(Object.keys(phases), ['L1', 'L2', 'L3']);
    for (const phase of Object.values(phases)) {
      assert.match(phase.text, /\d+\.\d V/);
      assert.match(phase.text, /\d+\.\d\d A/);
    }

    // One time format, the browser's, wherever a time is shown; no ISO timestamp in the text.
    const times = await timesOnPage(page);
    assert.ok(times.length >= 2, 'the meter time and the last telegrams');
    for (const time of times) {
      assert.equal(time.shown, time.expected);
      assert.match(time.shown, EN_TIME);
    }
    assert.deepEqual(await isoOnPage(page), []);
    await page.screenshot({ path: artifact('web-page.png'), fullPage: true });

    // The chart follows its box: narrower window, new backing size, still crisp.
    const wide = chart.css.width;
    await page.setViewportSize({ width: 800, height: 800 });
    await page.waitForFunction((before) => {
      const c = document.getElementById('chart') as HTMLCanvasElement;
      const w = c.getBoundingClientRect().width;
      return w < before && c.width === Math.round(w * devicePixelRatio);
    }, wide);
    assert.ok(crisp(await chartState(page)));

    // A phone (390 × 844, 3 device pixels per CSS pixel): the same page, one column, a crisp chart.
    const phone = await newPage({ ...PHONE, locale: 'en-US' });
    await phone.goto(running.proxy.url);
    await phone.waitForFunction(
      () => Number(document.getElementById('chart')?.getAttribute('data-export-points')) > 0,
    );
    const phoneChart = await chartState(phone);
    assert.equal(phoneChart.dpr, 3);
    assert.ok(crisp(phoneChart), JSON.stringify(phoneChart));
    assert.ok(phoneChart.css.width <= 390 && phoneChart.css.width > 300);
    assert.ok(
      await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      'nothing wider than the phone',
    );
    assert.deepEqual(Object.keys(await phasesOnPage(phone)), ['L1', 'L2', 'L3']);
    await phone.screenshot({ path: artifact('web-page-phone.png') });
    await phone.screenshot({ path: artifact('web-page-phone-full.png'), fullPage: true });

    // Cut the live feed: the page says so, reconnects by itself, and the values move on.
    const before = await page.textContent('#meter');
    running.web.close().catch(() => {});
    await page.waitForFunction(
      () => document.getElementById('conn')?.getAttribute('data-state') === 'reconnecting',
      undefined,
      { timeout: 60_000 },
    );
    const again = await startWebServer(
      running.bridge,
      { port: running.web.port, host: '127.0.0.1', captureFile: undefined },
      silentLogger,
    );
    cleanups.push(() => again.close());
    await page.waitForFunction(
      () => document.getElementById('conn')?.getAttribute('data-state') === 'live',
      undefined,
      { timeout: 60_000 },
    );
    await page.waitForFunction((old) => document.getElementById('meter')?.textContent !== old, before, {
      timeout: 60_000,
    });

    // The meter stops: the page must then show exactly the bridge's last telegram, value for value.
    await running.source.stop();
    const final = running.last();
    assert.ok(final);
    await page.waitForFunction(
      (counter) => document.getElementById('meter')?.getAttribute('data-frame-counter') === counter,
      String(final.frameCounter),
      { timeout: 60_000 },
    );
    const expected = Object.fromEntries(Object.entries(final.values).map(([k, v]) => [k, asShown(v)]));
    assert.deepEqual(await valuesOnPage(page), expected);
    const meterTime = await page.evaluate(
      (iso) =>
        new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', second: '2-digit' }).format(
          new Date(iso),
        ),
      final.time ?? '',
    );
    assert.equal(await page.textContent('#meter'), `Meter ${final.meterId}, ${meterTime}`);
    const finalPhases = await phasesOnPage(page);
    for (const i of [1, 2, 3] as const) {
      assert.equal(finalPhases[`L${i}`]?.voltage, String(final.values[`voltage_l${i}`]));
      assert.equal(finalPhases[`L${i}`]?.current, String(final.values[`current_l${i}`]));
    }

    const download = await fetch(new URL('capture.bin', running.proxy.url));
    assert.equal(download.status, 200);
    assert.match(
      download.headers.get('content-disposition') ?? '',
      /attachment; filename="smartmeter-capture-/,
    );
    const bytes = new Uint8Array(await download.arrayBuffer());
    assert.ok(bytes.length > 300 && bytes.includes(0x68), 'the raw capture holds M-Bus frames');
  });

  it('with a wrong key shows WRONG_KEY at the decrypt step, in words, and no values', async () => {
    const running = await startBridge(KEY, WRONG);
    const page = await newPage({ ...DESKTOP, locale: 'de-AT' });
    await page.goto(running.proxy.url);
    await page.waitForFunction(
      () => document.querySelector('[data-step="s4"]')?.getAttribute('data-state') === 'bad',
      undefined,
      { timeout: 60_000 },
    );
    const states = await stepStates(page);
    assert.equal(states['s1'], 'ok');
    assert.equal(states['s2'], 'ok');
    assert.equal(states['s3'], 'ok');
    assert.equal(states['s4'], 'bad');
    const text = (await page.textContent('[data-step="s4"]')) ?? '';
    assert.match(text, /WRONG_KEY/);
    assert.match(text, /Schlüssel passt nicht/, 'German for a German browser');
    assert.equal((await page.$$('#values tr')).length, 0);
    assert.equal(await page.getAttribute('#phaseBox', 'hidden'), '', 'no phases without a telegram');
    assert.equal(await page.getAttribute('#chart', 'data-import-points'), '0');
    // The rejected telegrams' times in German: 24 hours, two-digit hours.
    await page.waitForFunction(() => document.querySelectorAll('#raw [data-time]').length > 0);
    for (const time of await timesOnPage(page)) {
      assert.equal(time.shown, time.expected);
      assert.match(time.shown, DE_TIME);
    }
    await page.screenshot({ path: artifact('web-page-wrong-key.png'), fullPage: true });
  });
});
