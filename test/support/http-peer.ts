import { request } from 'node:http';
import WebSocket from 'ws';

/**
 * Requests to a local server as a given peer: `from` is the local address the connection comes from (on
 * Linux every 127.x.y.z is on lo, so 127.0.0.2 is "another machine" to a server that checks its peers).
 */

/** A GET from `from` to 127.0.0.1:port: the status and the body. */
export function getFrom(
  port: number,
  path: string,
  from = '127.0.0.1',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, localAddress: from }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

export type WsResult = { status: number; first?: string };

/** Opens a WebSocket: 101 and the first message it receives, or the HTTP status it was refused with. */
export function openWs(
  url: string,
  options: { origin?: string; headers?: Record<string, string>; from?: string } = {},
): Promise<WsResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      ...(options.origin === undefined ? {} : { origin: options.origin }),
      ...(options.headers === undefined ? {} : { headers: options.headers }),
      ...(options.from === undefined ? {} : { localAddress: options.from }),
    });
    ws.on('unexpected-response', (req, response) => {
      resolve({ status: response.statusCode ?? 0 });
      req.destroy();
    });
    ws.on('message', (data) => {
      resolve({ status: 101, first: String(data) });
      ws.close();
    });
    ws.on('error', reject);
  });
}
