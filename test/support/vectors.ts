import { readFileSync } from 'node:fs';
import { fromHex } from '../../src/bytes/hex.js';

/** Typed access to test/fixtures/vectors.json (real published telegrams, see its README). */

export type ExpectedRegister = { value: number; unit: string; raw: number; scaler: number };

export type Vector = {
  index: number;
  source: string;
  operator: string;
  meter: string;
  transport: string;
  key_hex: string | null;
  auth_key_hex: string | null;
  frames_hex: string[];
  raw_stream_hex?: string;
  system_title_hex?: string;
  security_control?: string;
  frame_counter_hex?: string;
  length_field_hex?: string;
  plaintext_hex?: string;
  invoke_id_hex?: string;
  expected?: Record<string, string | ExpectedRegister | Record<string, unknown>>;
};

const raw = JSON.parse(readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8')) as Omit<
  Vector,
  'index'
>[];

export const VECTORS: readonly Vector[] = raw.map((v, index) => ({ ...v, index }));

export function hex(text: string): Uint8Array {
  const bytes = fromHex(text);
  if (bytes === undefined) throw new Error(`bad hex in fixture: ${text.slice(0, 20)}…`);
  return bytes;
}

export function label(v: Vector): string {
  return `vector ${v.index} (${v.operator.split(' (')[0]}, ${v.meter.split(' (')[0]})`;
}

/** Entries that the decoder must decode completely: M-Bus with a key. */
export const KEYED_MBUS = VECTORS.filter((v) => v.transport === 'mbus' && v.key_hex !== null);
export const KEYLESS_MBUS = VECTORS.filter((v) => v.transport === 'mbus' && v.key_hex === null);
export const PLAINTEXT_APDUS = VECTORS.filter((v) => v.transport === 'plaintext-apdu');

/**
 * The vectors' expected registers, normalised to the decoder's `obis` shape: annotations in keys
 * ("(leading timestamp, no OBIS in frame)") and in values ("(clock_status=0x80)") are dropped,
 * "unitless" is no unit.
 */
export function expectedObis(v: Vector): Record<string, { value: number | string; unit?: string }> {
  const out: Record<string, { value: number | string; unit?: string }> = {};
  for (const [key, value] of Object.entries(v.expected ?? {})) {
    const obis = key.split(' ')[0] as string;
    if (typeof value === 'string') {
      out[obis] = { value: value.replace(/ \(clock_status=0x[0-9a-f]+\)$/i, '') };
    } else if ('unit' in value && 'value' in value) {
      const reg = value as ExpectedRegister;
      out[obis] = reg.unit === 'unitless' ? { value: reg.value } : { value: reg.value, unit: reg.unit };
    }
  }
  return out;
}

export function framesOf(v: Vector): Uint8Array[] {
  return v.frames_hex.map(hex);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}
