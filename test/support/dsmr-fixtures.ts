import { readFileSync } from 'node:fs';

/** The published DSMR/P1 telegrams of test/fixtures/dsmr (sources in each entry). */

export type DsmrFixture = {
  readonly name: string;
  readonly operator: string;
  readonly meter: string;
  readonly source: string;
  readonly text: string;
  readonly apdu_hex?: string;
  readonly key_hex?: string;
  readonly auth_key_hex?: string;
  readonly notes: string;
};

export const DSMR_FIXTURES: readonly DsmrFixture[] = JSON.parse(
  readFileSync(new URL('../fixtures/dsmr/telegrams.json', import.meta.url), 'utf8'),
);

export function dsmrFixture(name: string): DsmrFixture {
  const fixture = DSMR_FIXTURES.find((f) => f.name === name);
  if (fixture === undefined) throw new Error(`no DSMR fixture ${name}`);
  return fixture;
}

export const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
