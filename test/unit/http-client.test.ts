import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { httpRequest } from '../../src/net/http-client.js';
import { startFakeHomeAssistant } from '../support/fake-home-assistant.js';

/** The small HTTP client the Supervisor call, InfluxDB and Sentry use, against a real local server. */

const servers: Server[] = [];
after(() => {
  for (const server of servers) server.close();
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('httpRequest', () => {
  it('sends method, headers and body (with its length in bytes), and returns the status and the text', async () => {
    const url = await serve((request, response) => {
      let body = '';
      request.on('data', (d: Buffer) => {
        body += d.toString();
      });
      request.on('end', () => {
        response.statusCode = 201;
        const { authorization, 'content-length': length } = request.headers;
        response.end(`${request.method} ${request.url} ${authorization} ${length} ${body}`);
      });
    });
    const answer = await httpRequest(`${url}/api/v2/write`, {
      method: 'POST',
      headers: { Authorization: 'Token t' },
      body: 'zähler=1',
      timeoutMs: 2000,
    });
    assert.deepEqual(answer, { status: 201, ok: true, body: 'POST /api/v2/write Token t 9 zähler=1' });
  });

  it('keeps at most maxBodyBytes of a long answer', async () => {
    const url = await serve((_request, response) => response.end('x'.repeat(100_000)));
    const answer = await httpRequest(url, { timeoutMs: 2000, maxBodyBytes: 200 });
    assert.equal(answer.body, 'x'.repeat(200));
  });

  it('rejects with ETIMEDOUT when the server never answers, and ECONNREFUSED when nothing listens', async () => {
    const url = await serve(() => {});
    await assert.rejects(httpRequest(url, { timeoutMs: 300 }), { code: 'ETIMEDOUT' });
    const closed = await serve(() => {});
    const server = servers.pop();
    await new Promise((resolve) => server?.close(resolve));
    await assert.rejects(httpRequest(closed, { timeoutMs: 2000 }), { code: 'ECONNREFUSED' });
  });
});

describe('what the bridge loads', () => {
  it('never loads undici (~11 MB): not for the web page, the Supervisor, Home Assistant, InfluxDB or Sentry', async () => {
    const url = await serve((_request, response) => response.end('{"result":"ok","data":{}}'));
    const ha = await startFakeHomeAssistant({ haVersion: '2026.11.0', token: 'token' });
    after(() => ha.close());
    // A fresh process, as the add-on starts: the web server's code, one Supervisor request, a Home Assistant
    // session (Node 22 has a global WebSocket of undici's own), one InfluxDB write.
    const script = `
      const { startWebServer } = await import('./src/web/web-server.ts');
      const { fetchMqttService } = await import('./src/addon/supervisor.ts');
      const { httpRequest } = await import('./src/net/http-client.ts');
      const { connectToHomeAssistant } = await import('./src/ha/ha-connection.ts');
      await fetchMqttService(${JSON.stringify(url)}, 'token', 2000);
      const ha = await connectToHomeAssistant(${JSON.stringify(ha.url)}, 'token');
      if (!ha.ok) throw new Error(ha.reason);
      ha.connection.close();
      await httpRequest(${JSON.stringify(`${url}/api/v2/write`)}, { method: 'POST', body: 'x', timeoutMs: 2000 });
      console.log(JSON.stringify({ web: typeof startWebServer, undici: process.moduleLoadList.filter((m) => m.includes('undici')) }));`;
    // Asynchronously: the server above answers from this process's event loop.
    const child = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: fileURLToPath(new URL('../../', import.meta.url)),
        encoding: 'utf8',
      },
    );
    assert.deepEqual(
      JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}'),
      { web: 'function', undici: [] },
      child.stderr,
    );
  });
});
