import { createReadStream, existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebSocketServer } from 'ws';
import type { Bridge } from '../bridge/bridge.js';
import type { Logger } from '../log.js';
import { http } from '../net/node-http.js';
import { PrometheusMetrics } from '../sinks/prometheus.js';
import { LiveState } from './live-state.js';
import { PAGE } from './page.js';

/**
 * The bridge's web page, standalone (`--http-port`) or inside Home Assistant through ingress: `/` the page,
 * `ws` the live feed it subscribes to, `capture.bin` the raw bytes to download, `status.json` and `health`
 * for scripts and the container's HEALTHCHECK. All paths are relative to wherever the page is served,
 * because ingress puts it under a prefix of its own.
 */

export type WebServer = { readonly port: number; readonly live: LiveState; close(): Promise<void> };

export type WebServerOptions = {
  readonly port: number;
  readonly host: string;
  readonly captureFile: string | undefined;
};

/** Pushes at most this often, however fast telegrams arrive (a replay may be fast). */
const PUSH_INTERVAL_MS = 250;

export async function startWebServer(
  bridge: Bridge,
  options: WebServerOptions,
  log: Logger,
): Promise<WebServer> {
  const live = new LiveState(bridge);
  const metrics = new PrometheusMetrics(bridge);
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1024 });

  const server = http.createServer((request, response) => route(request, response, live, metrics, options));
  server.on('upgrade', (request, socket, head) => {
    if (pathOf(request) !== '/ws') {
      socket.destroy();
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      ws.send(JSON.stringify(live.snapshot()));
      ws.on('error', () => ws.terminate());
    });
  });

  let timer: NodeJS.Timeout | undefined;
  const broadcast = (): void => {
    timer = undefined;
    if (sockets.clients.size === 0) return;
    const message = JSON.stringify(live.snapshot());
    for (const ws of sockets.clients) if (ws.readyState === ws.OPEN) ws.send(message);
  };
  live.onChange(() => {
    timer ??= setTimeout(broadcast, PUSH_INTERVAL_MS);
  });
  // Connection state and counters change without telegrams (broker down, no data): refresh anyway.
  const heartbeat = setInterval(() => {
    timer ??= setTimeout(broadcast, 0);
  }, 5000);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  log.info(`web page on http://${options.host === '0.0.0.0' ? 'localhost' : options.host}:${port}/`);
  return {
    port,
    live,
    close: async () => {
      clearTimeout(timer);
      clearInterval(heartbeat);
      for (const ws of sockets.clients) ws.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function pathOf(request: IncomingMessage): string {
  return (request.url ?? '/').split('?')[0] ?? '/';
}

function route(
  request: IncomingMessage,
  response: ServerResponse,
  live: LiveState,
  metrics: PrometheusMetrics,
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
      response
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
        .end(metrics.render());
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
    default:
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
}
