import { randomUUID } from 'node:crypto';
import { httpRequest } from '../net/http-client.js';
import { VERSION } from '../version.js';

/**
 * Error reports to Sentry when SENTRY_URL (a DSN) is set, as the old project intended (it had the
 * condition inverted). A minimal client: the event store endpoint with the DSN's public key. Messages are
 * scrubbed of anything that looks like a key (32 hex digits) before they leave; telegrams are never sent.
 */

export type Dsn = { readonly storeUrl: string; readonly publicKey: string };

export function parseDsn(dsn: string): Dsn | undefined {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    return undefined;
  }
  const projectId = url.pathname.split('/').filter(Boolean).at(-1);
  if (url.username === '' || projectId === undefined || !/^https?:$/.test(url.protocol)) return undefined;
  const base = url.pathname.split('/').filter(Boolean).slice(0, -1).join('/');
  return {
    storeUrl: `${url.protocol}//${url.host}/${base === '' ? '' : `${base}/`}api/${projectId}/store/`,
    publicKey: url.username,
  };
}

export function scrub(text: string): string {
  // 32 hex digits in a row, or 16 byte pairs with separators: how keys are written.
  return text.replace(/\b[0-9A-Fa-f]{32}\b|\b(?:[0-9A-Fa-f]{2}[\s:-]){15}[0-9A-Fa-f]{2}\b/g, '[redacted]');
}

export class SentryReporter {
  private sentThisHour = 0;
  private hour = 0;

  constructor(private readonly dsn: Dsn) {}

  /** Fire and forget; at most 60 reports an hour so a persistent fault cannot flood the project. */
  report(level: 'error' | 'fatal', message: string, error?: Error): Promise<void> {
    const hour = Math.floor(Date.now() / 3_600_000);
    if (hour !== this.hour) {
      this.hour = hour;
      this.sentThisHour = 0;
    }
    if (++this.sentThisHour > 60) return Promise.resolve();
    const event = {
      event_id: randomUUID().replace(/-/g, ''),
      timestamp: new Date().toISOString(),
      platform: 'node',
      level,
      logger: 'smartmeter-bridge',
      release: `smartmeter-bridge@${VERSION}`,
      message: { formatted: scrub(message) },
      ...(error === undefined
        ? {}
        : {
            exception: {
              values: [
                { type: error.name, value: scrub(error.message), stacktrace: { frames: frames(error) } },
              ],
            },
          }),
    };
    return httpRequest(this.dsn.storeUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Sentry-Auth': `Sentry sentry_version=7, sentry_client=smartmeter-bridge/${VERSION}, sentry_key=${this.dsn.publicKey}`,
      },
      body: JSON.stringify(event),
      timeoutMs: 10_000,
      maxBodyBytes: 0,
    }).then(
      () => undefined,
      () => undefined,
    );
  }
}

function frames(error: Error): { filename: string; function: string; lineno?: number }[] {
  return (error.stack ?? '')
    .split('\n')
    .slice(1)
    .map((line) => /at (?:(.+?) \()?(.+?):(\d+):\d+\)?$/.exec(line.trim()))
    .flatMap((m) =>
      m === null ? [] : [{ function: m[1] ?? '?', filename: m[2] ?? '?', lineno: Number(m[3]) }],
    )
    .reverse();
}
