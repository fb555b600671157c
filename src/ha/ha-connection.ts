import {
  type Connection,
  createConnection,
  createLongLivedTokenAuth,
  ERR_INVALID_AUTH,
} from 'home-assistant-js-websocket';
import WebSocket from 'ws';

/**
 * Home Assistant's WebSocket API through home-assistant-js-websocket. In the add-on the URL is the
 * Supervisor's proxy (`http://supervisor/core`) and the token is SUPERVISOR_TOKEN; the session then runs
 * as an admin, which energy/save_prefs requires. The library reconnects and re-authenticates by itself.
 */

// The library expects a global WebSocket. Node 20 has none; Node 22's is undici's, loaded (with its
// WebAssembly, ~11 MB) when the global is read, or redefined with Object.defineProperty. A plain
// assignment goes through Node's lazy setter and loads nothing: both versions then use `ws`.
(globalThis as { WebSocket?: unknown }).WebSocket = class UncompressedWebSocket extends WebSocket {
  // Without permessage-deflate, which Home Assistant accepts when offered: the session talks to the Supervisor
  // on the same machine, where deflating each message only costs CPU, and zlib (loaded for it, see
  // tools/build.mjs) about 1 MiB resident.
  constructor(address: string | URL, protocols?: string | string[]) {
    super(address, protocols, { perMessageDeflate: false });
  }
};

export type HaConnectResult = { ok: true; connection: Connection } | { ok: false; reason: string };

export async function connectToHomeAssistant(hassUrl: string, token: string): Promise<HaConnectResult> {
  try {
    const connection = await createConnection({
      auth: createLongLivedTokenAuth(hassUrl, token),
      setupRetry: 5,
    });
    return { ok: true, connection };
  } catch (error) {
    if (error === ERR_INVALID_AUTH) {
      return {
        ok: false,
        reason: 'Home Assistant refused the token (does the add-on have homeassistant_api: true?)',
      };
    }
    return { ok: false, reason: `cannot connect to Home Assistant at ${hassUrl} (error ${String(error)})` };
  }
}
