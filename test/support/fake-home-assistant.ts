import { createServer, type Server } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * A local server speaking Home Assistant's WebSocket protocol as home-assistant.md §3 documents it:
 * auth_required → auth → auth_ok (or auth_invalid), then id-matched `result` messages. It answers the
 * commands the bridge uses, with the shapes HA returns, records every message, and can drop connections.
 */

/** Command types Home Assistant really has (core websocket_api, entity registry, energy, persistent_notification via call_service). */
export const REAL_HA_COMMANDS = new Set([
  'auth',
  'supported_features',
  'ping',
  'call_service',
  'get_states',
  'get_config',
  'subscribe_events',
  'unsubscribe_events',
  'subscribe_entities',
  'config/entity_registry/list',
  'config/device_registry/list',
  'energy/get_prefs',
  'energy/save_prefs',
]);

export type RegistryEntry = { entity_id: string; unique_id: string; platform: string };

export type FakeHomeAssistant = {
  readonly url: string;
  readonly messages: Record<string, unknown>[];
  haVersion: string;
  token: string;
  registry: RegistryEntry[];
  /** undefined: energy never configured (get_prefs answers not_found). */
  energyPrefs: Record<string, unknown> | undefined;
  dropConnections(): void;
  close(): Promise<void>;
};

export async function startFakeHomeAssistant(options: {
  haVersion: string;
  token: string;
}): Promise<FakeHomeAssistant> {
  const server: Server = createServer((_, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server, path: '/api/websocket' });
  const fake: FakeHomeAssistant = {
    url: '',
    messages: [],
    haVersion: options.haVersion,
    token: options.token,
    registry: [],
    energyPrefs: undefined,
    dropConnections: () => {
      for (const client of wss.clients) client.terminate();
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  wss.on('connection', (ws: WebSocket) => {
    let authed = false;
    const send = (message: unknown): void => ws.send(JSON.stringify(message));
    send({ type: 'auth_required', ha_version: fake.haVersion });
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      fake.messages.push(message);
      if (!authed) {
        if (message['type'] === 'auth' && message['access_token'] === fake.token) {
          authed = true;
          send({ type: 'auth_ok', ha_version: fake.haVersion });
        } else {
          send({ type: 'auth_invalid', message: 'Invalid access token or password' });
          ws.close();
        }
        return;
      }
      const id = message['id'];
      const ok = (result: unknown): void => send({ id, type: 'result', success: true, result });
      const error = (code: string, text: string): void =>
        send({ id, type: 'result', success: false, error: { code, message: text } });
      switch (message['type']) {
        case 'supported_features':
          ok(null);
          break;
        case 'ping':
          send({ id, type: 'pong' });
          break;
        case 'config/entity_registry/list':
          ok(
            fake.registry.map((e) => ({
              ...e,
              device_id: 'dev1',
              disabled_by: null,
              hidden_by: null,
              has_entity_name: true,
            })),
          );
          break;
        case 'energy/get_prefs':
          if (fake.energyPrefs === undefined) error('not_found', 'No prefs');
          else ok(fake.energyPrefs);
          break;
        case 'energy/save_prefs': {
          const { id: _id, type: _type, ...update } = message;
          fake.energyPrefs = {
            energy_sources: [],
            device_consumption: [],
            device_consumption_water: [],
            ...fake.energyPrefs,
            ...update,
          };
          ok(fake.energyPrefs);
          break;
        }
        case 'call_service':
          ok({ context: { id: 'ctx', parent_id: null, user_id: null } });
          break;
        default:
          error('unknown_command', 'Unknown command.');
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  (fake as { url: string }).url =
    `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  return fake;
}
