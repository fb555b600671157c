import { createReadStream, existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { Bridge } from '../bridge/bridge.js';
import { type Delivery, NO_DELIVERY } from '../bridge/delivery.js';
import type { Logger } from '../log.js';
import { http } from '../net/node-http.js';
import { LiveState } from './live-state.js';
import { PAGE } from './page.js';

/**
 * The bridge's web page, standalone (`--http-port`) or inside Home Assistant through ingress: `/` the page,
 * `ws` the live feed it subscribes to, `capture.bin` the raw bytes to download, `status.json` and `health`
 * for scripts and the container's HEALTHCHECK. All paths are relative to wherever the page is served,
 * because ingress puts it under a prefix of its own.
 *
 * Who may ask: whoever reaches `host` (run: loopback unless --http-host), narrowed by `allowedPeers` (the
 * add-on: only Home Assistant's ingress gateway and loopback); everyone else gets 403. A WebSocket opened by
 * a browser page must come from a page of this server (Origin against Host), so a page elsewhere cannot
 * read the live feed through the user's browser. Nothing served holds the key.
 */

export type WebServer = { readonly port: number; readonly live: LiveState; close(): Promise<void> };

export type WebServerOptions = {
  readonly port: number;
  readonly host: string;
  readonly captureFile: string | undefined;
  /** The only peer addresses answered (IP addresses; IPv4-mapped IPv6 peers count as IPv4); absent: every peer. */
  readonly allowedPeers?: readonly string[] | undefined;
  /** What the MQTT output delivered, for the page's last step; absent: no broker. */
  readonly delivery?: Delivery | undefined;
  /** `/metrics` (Prometheus, sinks/prometheus.ts, handed in by the app); absent: 404. */
  readonly metrics?: MetricsText | undefined;
};

/** Something that renders the Prometheus text exposition. */
export type MetricsText = { render(): string };

/** Pushes at most this often, however fast telegrams arrive (a replay may be fast). */
const PUSH_INTERVAL_MS = 250;
/** Pushes at least this often while a page is open, telegrams or not. */
const HEARTBEAT_MS = 5000;

export async function startWebServer(
  bridge: Bridge,
  options: WebServerOptions,
  log: Logger,
): Promise<WebServer> {
  const peers = peerFilter(options.allowedPeers);
  const live = new LiveState(bridge, options.delivery ?? NO_DELIVERY);
  // ws at the first page that opens the live feed, not at start: ws loads https, tls and zlib with it, ~4 MiB
  // resident on Node 22 that a bridge whose page nobody has open would carry for months.
  let sockets: WebSocketServer | undefined;
  let socketsLoading: Promise<WebSocketServer> | undefined;
  const openSockets = (): Promise<WebSocketServer> =>
    (socketsLoading ??= import('ws').then(({ WebSocketServer }) => {
      sockets = new WebSocketServer({ noServer: true, maxPayload: 1024 });
      return sockets;
    }));

  // A refused peer or page is logged once each (bounded), not once per request.
  const reported = new Set<string>();
  const report = (what: string): void => {
    if (reported.has(what) || reported.size >= 100) return;
    reported.add(what);
    log.warn(`refused ${what}`);
  };
  const peerAllowed = (request: IncomingMessage): boolean => {
    if (peers === undefined) return true;
    const address = request.socket.remoteAddress;
    if (address !== undefined && peers.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4')) return true;
    report(
      `a request from ${address ?? 'an unknown address'}: the page answers only ${options.allowedPeers?.join(', ')}`,
    );
    return false;
  };

  // Bound to loopback, only loopback names are answered: a page on another site whose DNS name is made to
  // point at 127.0.0.1 (DNS rebinding) would otherwise read the page through the user's browser.
  const loopbackOnly = isLoopback(options.host);
  const hostAllowed = (request: IncomingMessage): boolean => {
    if (!loopbackOnly || isLoopbackHostHeader(request.headers.host)) return true;
    report(
      `a request for host ${String(request.headers.host)}: the page on ${options.host} answers loopback names only`,
    );
    return false;
  };

  const server = http.createServer((request, response) => {
    if (!peerAllowed(request) || !hostAllowed(request)) {
      response.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden');
      return;
    }
    route(request, response, live, options);
  });
  server.on('upgrade', (request, socket, head) => {
    if (!peerAllowed(request) || !hostAllowed(request)) {
      refuseUpgrade(socket);
      return;
    }
    if (!originAllowed(request)) {
      report(`a WebSocket from a page of ${String(request.headers.origin)} (not this server's)`);
      refuseUpgrade(socket);
      return;
    }
    if (pathOf(request) !== '/ws') {
      socket.destroy();
      return;
    }
    void openSockets().then(
      (server) =>
        server.handleUpgrade(request, socket, head, (ws) => {
          ws.send(JSON.stringify(live.snapshot()));
          ws.on('error', () => ws.terminate());
          // The server's own close listener, added before this one, has already dropped it from `clients`.
          ws.on('close', () => {
            if (server.clients.size === 0) stopHeartbeat();
          });
          heartbeat ??= setInterval(() => {
            if (timer === undefined) broadcast();
          }, HEARTBEAT_MS);
        }),
      () => socket.destroy(),
    );
  });

  let timer: NodeJS.Timeout | undefined;
  const broadcast = (): void => {
    timer = undefined;
    if (sockets === undefined || sockets.clients.size === 0) return;
    const message = JSON.stringify(live.snapshot());
    for (const ws of sockets.clients) if (ws.readyState === ws.OPEN) ws.send(message);
  };
  const unsubscribe = live.onChange(() => {
    timer ??= setTimeout(broadcast, PUSH_INTERVAL_MS);
  });
  // Connection state and counters change without telegrams (broker down, no data): refresh anyway, while a
  // page is open; with none, an idle bridge has no reason to wake up for it.
  let heartbeat: NodeJS.Timeout | undefined;
  const stopHeartbeat = (): void => {
    clearInterval(heartbeat);
    heartbeat = undefined;
  };

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolve());
    });
  } catch (error) {
    // A page that could not start (its port taken) leaves no timer behind: the process must still end.
    unsubscribe();
    clearTimeout(timer);
    stopHeartbeat();
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const everywhere = options.host === '0.0.0.0' || options.host === '::';
  const shown = everywhere ? 'localhost' : isIP(options.host) === 6 ? `[${options.host}]` : options.host;
  log.info(
    `web page on http://${shown}:${port}/${everywhere ? ' (listening on every address)' : ''}` +
      (options.allowedPeers === undefined ? '' : `, answering only ${options.allowedPeers.join(', ')}`),
  );
  return {
    port,
    live,
    close: async () => {
      clearTimeout(timer);
      stopHeartbeat();
      const open = await socketsLoading?.catch(() => undefined);
      if (open !== undefined) {
        for (const ws of open.clients) ws.terminate();
        await new Promise<void>((resolve) => open.close(() => resolve()));
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function peerFilter(allowed: readonly string[] | undefined): BlockList | undefined {
  if (allowed === undefined) return undefined;
  const list = new BlockList();
  for (const address of allowed) {
    const family = isIP(address);
    if (family === 0) throw new Error(`not an IP address: ${address}`);
    list.addAddress(address, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

/**
 * A browser names the page that opens a WebSocket in Origin; it must be this server as the browser
 * addressed it: the Host header, or X-Forwarded-Host where a reverse proxy rewrote Host (a page cannot set
 * either on a WebSocket). Home Assistant's ingress passes the browser's Host and Origin through Core and the
 * Supervisor unchanged. No Origin: not a browser (a script, curl), allowed.
 */
export function originAllowed(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null": a sandboxed frame or a file
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const forwarded = request.headers['x-forwarded-host'];
  const hosts = [
    request.headers.host,
    ...(Array.isArray(forwarded) ? forwarded : [forwarded]).flatMap((h) => h?.split(',') ?? []),
  ];
  return hosts.some((host) => host !== undefined && sameHost(url, host.trim()));
}

function sameHost(origin: URL, host: string): boolean {
  if (host === '' || /[\s/\\@?#]/.test(host)) return false;
  try {
    // Through URL both sides drop the scheme's default port and compare host names in lower case.
    return new URL(`${origin.protocol}//${host}`).host === origin.host;
  } catch {
    return false;
  }
}

function refuseUpgrade(socket: Duplex): void {
  socket.on('error', () => socket.destroy());
  socket.once('finish', () => socket.destroy());
  socket.end(
    'HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nforbidden',
  );
}

function pathOf(request: IncomingMessage): string {
  return (request.url ?? '/').split('?')[0] ?? '/';
}

function route(
  request: IncomingMessage,
  response: ServerResponse,
  live: LiveState,
  options: WebServerOptions,
): void {
  const path = pathOf(request);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405).end();
    return;
  }
  switch (path) {
    case '/':
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        .end(PAGE);
      return;
    case '/metrics':
      if (options.metrics === undefined) break;
      response
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
        .end(options.metrics.render());
      return;
    case '/health':
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    case '/status.json':
      response
        .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(live.snapshot()));
      return;
    case '/capture.bin': {
      const name = `smartmeter-capture-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.bin`;
      const headers = {
        'content-type': 'application/octet-stream',
        'content-disposition': `attachment; filename="${name}"`,
      };
      // The whole capture file when one is kept; otherwise the last 64 KiB received.
      if (options.captureFile !== undefined && existsSync(options.captureFile)) {
        response.writeHead(200, headers);
        createReadStream(options.captureFile)
          .on('error', () => response.end())
          .pipe(response);
      } else {
        response.writeHead(200, headers).end(Buffer.from(live.rawBytes()));
      }
      return;
    }
  }
  response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** `localhost`, `127.x.y.z` or `[::1]`, with or without a port; a request with no Host header is no browser's. */
function isLoopbackHostHeader(header: string | undefined): boolean {
  if (header === undefined) return true;
  const name = header.startsWith('[') ? header.slice(1, header.indexOf(']')) : header.replace(/:\d+$/, '');
  return isLoopback(name.toLowerCase());
}
