import { createRequire } from 'node:module';

/**
 * node:http and node:https, loaded with require rather than import. On Node 22, importing node:http as an
 * ES module evaluates its lazy `WebSocket` export, which loads undici and compiles its llhttp WebAssembly:
 * ~11 MB of resident memory for a bridge that makes a handful of plain requests (fetch() costs the same,
 * on Node 20 too). Type-only imports of these modules are fine: they leave no import behind.
 */
const require = createRequire(import.meta.url);

export const http = require('node:http') as typeof import('node:http');

/**
 * node:https at its first use: it loads tls with it, ~2.7 MiB resident on Node 22 (bench/footprint.bench.ts),
 * which a bridge that speaks plain HTTP to the Supervisor and the web page never needs.
 */
export const https = (): typeof import('node:https') => require('node:https') as typeof import('node:https');
