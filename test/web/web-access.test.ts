import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, describe, it } from 'node:test';
import { Bridge } from '../../src/bridge/bridge.js';
import { NO_DELIVERY } from '../../src/bridge/delivery.js';
import { silentLogger } from '../../src/log.js';
import { PrometheusMetrics } from '../../src/sinks/prometheus.js';
import { startWebServer, type WebServer, type WebServerOptions } from '../../src/web/web-server.js';
import { getFrom, openWs } from '../support/http-peer.js';
import { startIngressProxy } from '../support/ingress-proxy.js';
import { PushSource } from '../support/push-source.js';
import { concatBytes, framesOf, hex, VECTORS, type Vector } from '../support/vectors.js';

/**
 * Who the status page answers: the add-on's peer list (ingress gateway and loopback, 403 for anyone else,
 * also for IPv4 peers on a dual-stack socket), the WebSocket's Origin against the Host it was sent to, and
 * no digit of the key in anything it serves. A second loopback address (127.0.0.2, routable on Linux's lo)
 * plays the stranger.
 */

const VKW = VECTORS[5] as Vector;
const ADDON_PEERS = ['172.30.32.2', '127.0.0.1', '::1'];

const cleanups: (() => Promise<unknown> | unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function serve(
  options: Partial<WebServerOptions>,
  key = hex(VKW.key_hex as string),
): Promise<{ web: WebServer; bridge: Bridge; source: PushSource }> {
  const source = new PushSource();
  const bridge = new Bridge(
    { keys: { encryptionKey: key }, logConsole: false },
    { source, log: silentLogger },
  );
  // /metrics as the app serves it; no MQTT here.
  const metrics = new PrometheusMetrics(bridge, NO_DELIVERY);
  bridge.start();
  const web = await startWebServer(
    bridge,
    { port: 0, host: '127.0.0.1', captureFile: undefined, metrics, ...options },
    silentLogger,
  );
  cleanups.push(async () => {
    await web.close();
    await bridge.stop();
  });
  return { web, bridge, source };
}

describe('status page: who may ask', () => {
  it("the add-on's peer list: 200 for loopback, 403 for another address, for HTTP and WebSocket alike", async () => {
    const { web } = await serve({ host: '0.0.0.0', allowedPeers: ADDON_PEERS });
    assert.equal((await getFrom(web.port, '/health')).status, 200);
    assert.equal((await getFrom(web.port, '/status.json')).status, 200);
    for (const path of ['/', '/status.json', '/metrics', '/capture.bin', '/health']) {
      assert.deepEqual(await getFrom(web.port, path, '127.0.0.2'), { status: 403, body: 'forbidden' }, path);
    }
    const url = `ws://127.0.0.1:${web.port}/ws`;
    assert.equal((await openWs(url, { from: '127.0.0.2' })).status, 403);
    const allowed = await openWs(url);
    assert.equal(allowed.status, 101);
    assert.equal((JSON.parse(allowed.first ?? '{}') as { type: string }).type, 'snapshot');
  });

  it('an IPv4 peer on a dual-stack socket (::ffff:127.0.0.1) is checked as IPv4', async () => {
    const { web } = await serve({ host: '::', allowedPeers: ['127.0.0.1'] });
    assert.equal((await getFrom(web.port, '/health')).status, 200);
    assert.equal((await getFrom(web.port, '/health', '127.0.0.2')).status, 403);
  });

  it('without a peer list (run), every peer that reaches the address is answered', async () => {
    const { web } = await serve({ host: '0.0.0.0' });
    assert.equal((await getFrom(web.port, '/health', '127.0.0.2')).status, 200);
  });

  it("a WebSocket from another site's page: 403; from the server's own page or from no page at all: the feed", async () => {
    const { web } = await serve({});
    const url = `ws://127.0.0.1:${web.port}/ws`;
    for (const origin of [
      'http://evil.example',
      `http://evil.example:${web.port}`,
      'http://127.0.0.1:1',
      `http://localhost:${web.port}`,
      'null',
    ]) {
      assert.equal((await openWs(url, { origin })).status, 403, origin);
    }
    assert.equal((await openWs(url, { origin: `http://127.0.0.1:${web.port}` })).status, 101);
    assert.equal((await openWs(url, { origin: `HTTP://127.0.0.1:${web.port}/` })).status, 101);
    assert.equal((await openWs(url)).status, 101, 'no Origin: a script, not a browser');
    // A reverse proxy that rewrites Host says where the browser went in X-Forwarded-Host. (On the loopback
    // address only loopback host names are answered at all: see the DNS rebinding test below.)
    const open = await serve({ host: '0.0.0.0' });
    const openUrl = `ws://127.0.0.1:${open.web.port}/ws`;
    const proxied = { host: 'bridge.internal:8099', 'x-forwarded-host': 'ha.example.org' };
    assert.equal((await openWs(openUrl, { origin: 'https://ha.example.org', headers: proxied })).status, 101);
    assert.equal((await openWs(openUrl, { origin: 'https://evil.example', headers: proxied })).status, 403);
  });

  it('through an ingress-like proxy (Host and Origin passed on, as Core and the Supervisor do): the page’s origin gets the feed, another gets 403', async () => {
    const { web } = await serve({ host: '0.0.0.0', allowedPeers: ADDON_PEERS });
    const proxy = await startIngressProxy(web.port);
    cleanups.push(() => proxy.close());
    const page = new URL(proxy.url);
    const url = new URL('ws', proxy.url).href.replace(/^http/, 'ws');
    const ok = await openWs(url, { origin: page.origin });
    assert.equal(ok.status, 101);
    assert.equal((JSON.parse(ok.first ?? '{}') as { type: string }).type, 'snapshot');
    assert.equal((await openWs(url, { origin: 'https://evil.example' })).status, 403);
  });
});

describe('status page: the key', () => {
  // A wrong key whose digits are easy to spot: FACE… appears nowhere in the capture's bytes.
  const WRONG = 'FACE0FF1CE5EC2E7D00DA7A5B1A5F00D';
  const pieces = [WRONG.slice(0, 4), ...Array.from({ length: 25 }, (_, i) => WRONG.slice(i, i + 8))];
  const leaked = (text: string): string[] =>
    pieces.filter((piece) => text.toUpperCase().includes(piece.toUpperCase()));

  // Fails until apdu-decoder's WRONG_KEY message stops quoting the key's first four digits.
  it('bound to loopback, only loopback host names are answered (no DNS rebinding); on every address, any', async () => {
    const { web } = await serve({ host: '127.0.0.1' });
    for (const host of ['localhost', `localhost:${web.port}`, `127.0.0.1:${web.port}`, `[::1]:${web.port}`]) {
      assert.equal((await getWithHost(web.port, '/status.json', host)).status, 200, host);
    }
    for (const host of [`attacker.example:${web.port}`, 'rebind.example', `192.168.1.5:${web.port}`]) {
      assert.equal((await getWithHost(web.port, '/status.json', host)).status, 403, host);
    }
    const url = `ws://127.0.0.1:${web.port}/ws`;
    const rebound = `attacker.example:${web.port}`;
    assert.equal(
      (await openWs(url, { origin: `http://${rebound}`, headers: { host: rebound } })).status,
      403,
    );
    const open = await serve({ host: '0.0.0.0' });
    assert.equal((await getWithHost(open.web.port, '/status.json', 'raspberrypi.local:8099')).status, 200);
  });

  it('a WRONG_KEY rejection: no digit of the key in the snapshot, status.json, the feed or the page', async () => {
    const { web, bridge, source } = await serve({}, hex(WRONG));
    const rejected = new Promise<void>((resolve) => bridge.listen({ rejected: () => resolve() }));
    source.push(concatBytes(framesOf(VKW)));
    await rejected;
    assert.equal(bridge.stats.lastError?.code, 'WRONG_KEY');
    assert.ok(
      !Buffer.from(concatBytes(framesOf(VKW)))
        .toString('hex')
        .toUpperCase()
        .includes(WRONG.slice(0, 4)),
      'the capture itself does not happen to hold the digits',
    );

    const snapshot = JSON.stringify(web.live.snapshot());
    assert.match(snapshot, /WRONG_KEY/);
    assert.deepEqual(leaked(snapshot), [], snapshot);
    const status = await getFrom(web.port, '/status.json');
    assert.match(status.body, /WRONG_KEY/);
    assert.deepEqual(leaked(status.body), [], status.body);
    const feed = await openWs(`ws://127.0.0.1:${web.port}/ws`);
    assert.deepEqual(leaked(feed.first ?? ''), []);
    assert.deepEqual(leaked((await getFrom(web.port, '/')).body), []);
    assert.deepEqual(leaked((await getFrom(web.port, '/metrics')).body), []);
  });
});

/** A GET to 127.0.0.1:port that names another host in its Host header, as a rebound DNS name would. */
function getWithHost(port: number, path: string, host: string): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers: { host } }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
    })
      .on('error', reject)
      .end();
  });
}
