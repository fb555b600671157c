/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { Bridge } from '../../src/bridge/bridge.js';
import { silentLogger } from '../../src/log.js';
import type { Telegram } from '../../src/meter/meter-model.js';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../src/mqtt/embedded-broker.js';
import { MqttPublisher } from '../../src/mqtt/mqtt-publisher.js';
import { MeterSimulator } from '../../src/simulator/meter-simulator.js';
import { SimulatorSource } from '../../src/simulator/simulator-source.js';
import { startWebServer, type WebServer } from '../../src/web/web-server.js';
import { type IngressProxy, startIngressProxy } from '../support/ingress-proxy.js';
import { freePort } from '../support/mosquitto.js';

/**
 * The web page in a real browser (Debian's Chromium through playwright-core), against the bridge fed by
 * the simulator and publishing to the embedded broker: served under an ingress-like prefix, it must show
 * the telegram's values, each pipeline step, WRONG_KEY when the key is wrong, and carry on after its
 * WebSocket is cut. Screenshots go to artifacts/.
 */

const KEY = Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex');
const WRONG = Buffer.from('FFEEDDCCBBAA99887766554433221100', 'hex');
const ARTIFACTS = new URL('../../artifacts/', import.meta.url);

type Running = {
  bridge: Bridge;
  source: SimulatorSource;
  web: WebServer;
  proxy: IngressProxy;
  last: () => Telegram | undefined;
  stop(): Promise<void>;
};

let broker: EmbeddedBroker;
let browser: Browser;
const cleanups: (() => Promise<unknown>)[] = [];

before(async () => {
  broker = await startEmbeddedBroker(await freePort());
  browser = await chromium.launch({
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
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await browser.close();
  await broker.close();
});

async function startBridge(meterKey: Buffer, bridgeKey: Buffer): Promise<Running> {
  const simulator = new MeterSimulator({ layout: 'ksm-west', key: meterKey, intervalMs: 300 });
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
    {
      keys: { encryptionKey: bridgeKey },
      topicPrefix: 'web',
      discoveryPrefix: 'homeassistant',
      discovery: true,
      staleTimeoutS: 30,
      logConsole: false,
    },
    { source, mqtt, log: silentLogger },
  );
  let last: Telegram | undefined;
  bridge.listen({ telegram: (t) => (last = t) });
  bridge.start();
  const web = await startWebServer(
    bridge,
    { port: 0, host: '127.0.0.1', captureFile: undefined },
    silentLogger,
  );
  const proxy = await startIngressProxy(web.port);
  const running: Running = {
    bridge,
    source,
    web,
    proxy,
    last: () => last,
    stop: async () => {
      await proxy.close();
      await web.close();
      await bridge.stop();
    },
  };
  cleanups.push(() => running.stop());
  return running;
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

describe('web page in Chromium', () => {
  it('under an ingress prefix shows the telegram, every pipeline step green, and keeps updating after a reconnect', async () => {
    const running = await startBridge(KEY, KEY);
    const page = await browser.newPage();
    cleanups.push(() => page.close());
    await page.goto(running.proxy.url);
    // Energy totals arrive from the third telegram on (each once the next telegram confirms it).
    await page.waitForFunction(
      () => document.querySelector('#values tr[data-key="energy_in"]') !== null,
      undefined,
      { timeout: 10_000 },
    );

    // The page and the bridge agree, value by value, for the telegram on screen.
    await page.waitForFunction(() => document.getElementById('conn')?.getAttribute('data-state') === 'live');
    const shown = await valuesOnPage(page);
    const meterText = await page.textContent('#meter');
    const telegram = running.last();
    assert.ok(telegram);
    assert.ok(meterText?.includes(telegram.meterId ?? 'none'), meterText ?? '');
    const time = /, (.+)$/.exec(meterText ?? '')?.[1];
    // Telegrams arrive every 300 ms; compare against the one the page names, via the frame counter's time.
    assert.ok(time !== undefined);
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
      { timeout: 5000 },
    );
    assert.deepEqual(await stepStates(page), { s1: 'ok', s2: 'ok', s3: 'ok', s4: 'ok', s5: 'ok' });
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
    await page.screenshot({ path: new URL('web-page.png', ARTIFACTS).pathname, fullPage: true });

    // Cut the live feed: the page says so, reconnects by itself, and the values move on.
    const before = await page.textContent('#meter');
    running.web.close().catch(() => {});
    await page.waitForFunction(
      () => document.getElementById('conn')?.getAttribute('data-state') === 'reconnecting',
      undefined,
      { timeout: 5000 },
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
      { timeout: 15_000 },
    );
    await page.waitForFunction((old) => document.getElementById('meter')?.textContent !== old, before, {
      timeout: 5000,
    });

    // The meter stops: the page must then show exactly the bridge's last telegram, value for value.
    await running.source.stop();
    await new Promise((r) => setTimeout(r, 800));
    const final = running.last();
    assert.ok(final);
    const expected = Object.fromEntries(Object.entries(final.values).map(([k, v]) => [k, String(v)]));
    assert.deepEqual(await valuesOnPage(page), expected);
    assert.equal(await page.textContent('#meter'), `Meter ${final.meterId}, ${final.time}`);

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
    const page = await browser.newPage({ locale: 'de-AT' });
    cleanups.push(() => page.close());
    await page.goto(running.proxy.url);
    await page.waitForFunction(
      () => document.querySelector('[data-step="s4"]')?.getAttribute('data-state') === 'bad',
      undefined,
      { timeout: 10_000 },
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
    await page.screenshot({ path: new URL('web-page-wrong-key.png', ARTIFACTS).pathname, fullPage: true });
  });
});
