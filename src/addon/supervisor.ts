import * as z from 'zod/mini';
import { type HttpResponse, httpRequest } from '../net/http-client.js';

/**
 * The Home Assistant Supervisor API, from inside the add-on's container: `http://supervisor`, with the
 * SUPERVISOR_TOKEN the Supervisor puts in the environment. Responses are wrapped as
 * `{"result":"ok","data":{…}}` or `{"result":"error","message":"…"}` (the Supervisor's API, supervisor/api/utils.py).
 */

const mqttServiceSchema = z.object({
  host: z.string().check(z.minLength(1)),
  port: z.coerce.number().check(z.int(), z.minimum(1), z.maximum(65535)),
  ssl: z.optional(z.boolean()),
  protocol: z.optional(z.string()),
  username: z.optional(z.string()),
  password: z.optional(z.string()),
  addon: z.optional(z.string()),
  app: z.optional(z.string()),
});

export type MqttService = z.infer<typeof mqttServiceSchema>;

export type MqttServiceResult = { ok: true; service: MqttService } | { ok: false; reason: string };

/** Where the Mosquitto add-on (or any app providing `mqtt`) says its broker is, with the credentials it made for us. */
export async function fetchMqttService(
  supervisorUrl: string,
  token: string,
  timeoutMs = 10_000,
): Promise<MqttServiceResult> {
  let response: HttpResponse;
  try {
    response = await httpRequest(`${supervisorUrl}/services/mqtt`, {
      headers: { Authorization: `Bearer ${token}` },
      timeoutMs,
    });
  } catch (error) {
    return { ok: false, reason: `the Supervisor did not answer (${(error as Error).message})` };
  }
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return { ok: false, reason: `the Supervisor answered ${response.status} without JSON` };
  }
  const envelope = body as { result?: unknown; message?: unknown; data?: unknown };
  if (!response.ok || envelope.result !== 'ok') {
    const message = typeof envelope.message === 'string' ? envelope.message : `HTTP ${response.status}`;
    return { ok: false, reason: message };
  }
  const parsed = mqttServiceSchema.safeParse(envelope.data);
  if (!parsed.success)
    return {
      ok: false,
      reason: 'the Supervisor described the MQTT service in a form this version does not understand',
    };
  return { ok: true, service: parsed.data };
}

const selfInfoSchema = z.object({
  slug: z.string().check(z.minLength(1)),
  ingress: z.optional(z.boolean()),
});

export type SelfInfo = z.infer<typeof selfInfoSchema>;

/**
 * The add-on's own record (`GET /addons/self/info`; no hassio_api needed, the Supervisor lets an add-on read
 * its own): its full slug, with the repository's hash in front (e.g. `a1b2c3d4_smartmeter_bridge`), which
 * names its ingress page. Undefined when the Supervisor does not say.
 */
export async function fetchSelfInfo(
  supervisorUrl: string,
  token: string,
  timeoutMs = 10_000,
): Promise<SelfInfo | undefined> {
  try {
    const response = await httpRequest(`${supervisorUrl}/addons/self/info`, {
      headers: { Authorization: `Bearer ${token}` },
      timeoutMs,
    });
    if (!response.ok) return undefined;
    const envelope = JSON.parse(response.body) as { result?: unknown; data?: unknown };
    if (envelope.result !== 'ok') return undefined;
    const parsed = selfInfoSchema.safeParse(envelope.data);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function mqttServiceUrl(service: MqttService): string {
  return `${service.ssl === true ? 'mqtts' : 'mqtt'}://${service.host}:${service.port}`;
}

/** The device page's link to an add-on's ingress page, as Home Assistant's own integrations write it. */
export function ingressUrl(addonSlug: string): string {
  return `homeassistant://hassio/ingress/${addonSlug}`;
}
