import { http, https } from './node-http.js';

export type HttpResponse = {
  readonly status: number;
  /** A 2xx status, as fetch's Response.ok. */
  readonly ok: boolean;
  readonly body: string;
};

export type HttpRequestOptions = {
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  /** The answer is read up to this many bytes; the rest is dropped (we only ever show its start). */
  readonly maxBodyBytes?: number;
};

/**
 * One HTTP(S) request with node:http, for the Supervisor, InfluxDB and Sentry: a status and a text body, or
 * a rejection with Node's error (its `code`, e.g. ECONNREFUSED, says what happened). Not fetch(): see
 * node-http.ts for what that would cost.
 */
export function httpRequest(url: string | URL, options: HttpRequestOptions): Promise<HttpResponse> {
  const target = typeof url === 'string' ? new URL(url) : url;
  const client = target.protocol === 'https:' ? https() : http;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const request = client.request(target, { method: options.method ?? 'GET', headers }, (response) => {
      const chunks: Buffer[] = [];
      let length = 0;
      response.on('data', (chunk: Buffer) => {
        if (length >= maxBodyBytes) return;
        chunks.push(chunk.subarray(0, maxBodyBytes - length));
        length += chunk.length;
      });
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status <= 299, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', reject);
    });
    request.setTimeout(options.timeoutMs, () =>
      request.destroy(
        Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { code: 'ETIMEDOUT' }),
      ),
    );
    request.on('error', reject);
    request.end(options.body);
  });
}
