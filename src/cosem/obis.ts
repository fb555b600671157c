/**
 * OBIS codes (IEC 62056-6-1): six bytes A-B:C.D.E.F, e.g. 1-0:1.8.0.255 = active energy import total.
 */

export const OBIS_LENGTH = 6;

export function formatObis(bytes: Uint8Array): string {
  const b = (i: number): number => bytes[i] as number;
  return `${b(0)}-${b(1)}:${b(2)}.${b(3)}.${b(4)}.${b(5)}`;
}

export function parseObis(text: string): Uint8Array | undefined {
  const match = /^(\d+)-(\d+):(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text);
  if (match === null) return undefined;
  const parts = match.slice(1).map((p, i) => (p === undefined && i === 5 ? 255 : Number(p)));
  if (parts.some((p) => p > 255)) return undefined;
  return Uint8Array.from(parts);
}

/**
 * Whether six octets in a push list are an OBIS code rather than data that happens to be six bytes
 * long: group A is a medium (0 abstract, 1 electricity … 15) and group F is 255 in every push seen,
 * or a small billing-period number.
 */
export function looksLikeObis(bytes: Uint8Array): boolean {
  return bytes.length === OBIS_LENGTH && (bytes[0] as number) <= 15 && (bytes[1] as number) <= 64;
}
