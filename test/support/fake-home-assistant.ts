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
  'config/entity_registry/get',
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
  /** `get_config` → `language`, as set under Settings → System → General. */
  language: string;
  registry: RegistryEntry[];
  /** undefined: energy never configured (get_prefs answers not_found). */
  energyPrefs: Record<string, unknown> | undefined;
  /** An error energy/save_prefs answers instead of saving, as HA's schema check does (`invalid_format`). */
  savePrefsError: { code: string; message: string } | undefined;
  /**
   * Adds an entry to the registry and tells every `entity_registry_updated` subscriber, as HA does when MQTT
   * discovery creates an entity.
   */
  createEntity(entry: RegistryEntry): void;
  /** Renames an entity (the user edits its id): an `update` event with `old_entity_id`. */
  renameEntity(oldEntityId: string, newEntityId: string): void;
  /** Fires an event to its subscribers (e.g. `core_config_updated` after a language change). */
  fireEvent(eventType: string, data: Record<string, unknown>): void;
  dropConnections(): void;
  close(): Promise<void>;
};

export async function startFakeHomeAssistant(options: {
  haVersion: string;
  token: string;
}): Promise<FakeHomeAssistant> {
  const server: Server = createServer((_, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server, path: '/api/websocket' });
  /** Live subscriptions: the socket, the subscribe message's id, the event type (undefined: all). */
  const subscriptions: { ws: WebSocket; id: unknown; eventType: string | undefined }[] = [];
  const fire = (eventType: string, data: Record<string, unknown>): void => {
    for (const sub of subscriptions) {
      if (sub.eventType !== undefined && sub.eventType !== eventType) continue;
      sub.ws.send(
        JSON.stringify({
          id: sub.id,
          type: 'event',
          event: {
            event_type: eventType,
            data,
            origin: 'LOCAL',
            time_fired: new Date().toISOString(),
            context: { id: 'ctx', parent_id: null, user_id: null },
          },
        }),
      );
    }
  };
  const fake: FakeHomeAssistant = {
    url: '',
    messages: [],
    haVersion: options.haVersion,
    token: options.token,
    language: 'en',
    registry: [],
    energyPrefs: undefined,
    savePrefsError: undefined,
    createEntity: (entry) => {
      fake.registry.push(entry);
      fire('entity_registry_updated', { action: 'create', entity_id: entry.entity_id });
    },
    renameEntity: (oldEntityId, newEntityId) => {
      const entry = fake.registry.find((e) => e.entity_id === oldEntityId);
      if (entry === undefined) throw new Error(`no entity ${oldEntityId}`);
      entry.entity_id = newEntityId;
      fire('entity_registry_updated', {
        action: 'update',
        entity_id: newEntityId,
        changes: { entity_id: oldEntityId },
        old_entity_id: oldEntityId,
      });
    },
    fireEvent: fire,
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
    ws.on('close', () => {
      for (let i = subscriptions.length - 1; i >= 0; i--)
        if (subscriptions[i]?.ws === ws) subscriptions.splice(i, 1);
    });
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
        case 'config/entity_registry/get': {
          const entry = fake.registry.find((e) => e.entity_id === message['entity_id']);
          if (entry === undefined) error('not_found', 'Entity not found');
          else ok({ ...entry, device_id: 'dev1', disabled_by: null, hidden_by: null, has_entity_name: true });
          break;
        }
        case 'get_config':
          ok({
            version: fake.haVersion,
            language: fake.language,
            country: 'AT',
            time_zone: 'Europe/Vienna',
            unit_system: { energy: 'kWh' },
          });
          break;
        case 'subscribe_events':
          subscriptions.push({
            ws,
            id,
            eventType: typeof message['event_type'] === 'string' ? message['event_type'] : undefined,
          });
          ok(null);
          break;
        case 'unsubscribe_events': {
          const index = subscriptions.findIndex((sub) => sub.ws === ws && sub.id === message['subscription']);
          if (index === -1) error('not_found', 'Subscription not found.');
          else {
            subscriptions.splice(index, 1);
            ok(null);
          }
          break;
        }
        case 'energy/get_prefs':
          if (fake.energyPrefs === undefined) error('not_found', 'No prefs');
          else ok(fake.energyPrefs);
          break;
        case 'energy/save_prefs': {
          if (fake.savePrefsError !== undefined) {
            error(fake.savePrefsError.code, fake.savePrefsError.message);
            break;
          }
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
