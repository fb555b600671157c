import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect } from 'node:net';

/**
 * Stands in for Home Assistant's ingress: serves the bridge's page under `/api/hassio_ingress/<token>/`,
 * forwarding plain requests and WebSocket upgrades with the prefix stripped, as the Supervisor does.
 */
export type IngressProxy = { readonly url: string; close(): Promise<void> };

export async function startIngressProxy(
  targetPort: number,
  prefix = '/api/hassio_ingress/t0k3n/',
): Promise<IngressProxy> {
  const strip = (url: string | undefined): string | undefined =>
    url?.startsWith(prefix) ? `/${url.slice(prefix.length)}` : undefined;
  const server: Server = createServer((req, res) => {
    const path = strip(req.url);
    if (path === undefined) {
      res.writeHead(404).end('outside the ingress prefix');
      return;
    }
    const upstream = httpRequest(
      { host: '127.0.0.1', port: targetPort, path, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('upgrade', (req, socket, head) => {
    const path = strip(req.url);
    if (path === undefined) {
      socket.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1', () => {
      const headers = Object.entries(req.headers).map(
        ([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`,
      );
      upstream.write(`${req.method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
