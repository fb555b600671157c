import { MeterError } from '../errors.js';

/**
 * The value information block of an EN 13757-3 record: VIF (primary table, or 0xFB/0xFD and a code from
 * the extension tables, or plain text, or manufacturer-specific), then combinable VIFE.
 *
 * Only what electricity meters send is named; any other code is kept as 'other' with its bytes, so a
 * record is never lost for want of a table row. Units are the base units (Wh, varh, W, var …) with the
 * power of ten that the codes carry, kVARh and kvar turned into varh and var.
 *
 * Codes, from EN 13757-3:2013 Tables 10 (primary), 13 (FD), 14 (FB) and 15 (combinable VIFE):
 *   primary E000 0nnn energy 10^(nnn−3) Wh; E010 1nnn power 10^(nnn−3) W; E110 1100 date (type G);
 *     E110 1101 date and time (type F, 4 bytes; type I, 6 bytes); 0x78 fabrication number;
 *     0x79 enhanced identification; 0x7A bus address; 0x7C plain text; 0x7E any; 0x7F manufacturer
 *   FB E000 001n reactive energy 10^n kvarh; E000 010n apparent energy 10^n kVAh;
 *     E001 01nn reactive power 10^(nn−3) kvar; E011 01nn apparent power 10^(nn−3) kVA;
 *     E010 11nn frequency 10^(nn−3) Hz
 *   FD E100 nnnn voltage 10^(nnnn−9) V; E101 nnnn current 10^(nnnn−12) A
 *   VIFE 0x3B accumulation of positive contributions only (forward flow, import);
 *     0x3C of negative ones only (backward flow, export); E111 0nnn × 10^(nnn−6); 0x7D × 10^3;
 *     0x7F manufacturer-specific: the VIFE after it are the manufacturer's
 */

export type OmsQuantity =
  | 'energy'
  | 'reactive-energy'
  | 'apparent-energy'
  | 'power'
  | 'reactive-power'
  | 'apparent-power'
  | 'voltage'
  | 'current'
  | 'frequency'
  | 'date'
  | 'date-time'
  | 'fabrication-number'
  | 'identification'
  | 'bus-address'
  | 'plain-text'
  | 'manufacturer'
  | 'other';

export type OmsValueInfo = {
  /** Which table the true VIF came from. */
  readonly table: 'primary' | 'fb' | 'fd';
  /** The true VIF without its extension bit (after 0xFB/0xFD, the second byte). */
  readonly code: number;
  readonly quantity: OmsQuantity;
  /** Base unit of the quantity; undefined for dates, numbers and unknown codes. */
  readonly unit: string | undefined;
  /** Power of ten from the raw value to `unit`, combined with any VIFE multiplier. */
  readonly exponent: number;
  /** From VIFE 0x3B/0x3C; undefined when the record says neither. */
  readonly direction: 'forward' | 'backward' | undefined;
  /** The plain-text VIF's unit (sent last character first, turned round here). */
  readonly plainText: string | undefined;
  /** Combinable VIFE other than direction and multipliers, without extension bits. */
  readonly otherVife: readonly number[];
  /** The VIFE after 0x7F/0xFF, without extension bits: their meaning is the manufacturer's. */
  readonly manufacturerVife: readonly number[];
};

const EXTENSION = 0x80;
const MAX_VIFE = 10;
const VIF_FB = 0x7b;
const VIF_PLAIN_TEXT = 0x7c;
const VIF_FD = 0x7d;
const VIF_MANUFACTURER = 0x7f;
const VIFE_FORWARD = 0x3b;
const VIFE_BACKWARD = 0x3c;
const VIFE_TIMES_1000 = 0x7d;

type Named = { quantity: OmsQuantity; unit: string | undefined; exponent: number };

const named = (quantity: OmsQuantity, unit: string | undefined, exponent = 0): Named => ({
  quantity,
  unit,
  exponent,
});

function primary(code: number): Named {
  if (code <= 0x07) return named('energy', 'Wh', code - 3);
  if (code >= 0x28 && code <= 0x2f) return named('power', 'W', (code & 0x07) - 3);
  if (code === 0x6c) return named('date', undefined);
  if (code === 0x6d) return named('date-time', undefined);
  if (code === 0x78) return named('fabrication-number', undefined);
  if (code === 0x79) return named('identification', undefined);
  if (code === 0x7a) return named('bus-address', undefined);
  if (code === VIF_MANUFACTURER) return named('manufacturer', undefined);
  return named('other', undefined);
}

function tableFb(code: number): Named {
  if (code === 0x02 || code === 0x03) return named('reactive-energy', 'varh', (code & 0x01) + 3);
  if (code === 0x04 || code === 0x05) return named('apparent-energy', 'VAh', (code & 0x01) + 3);
  if (code >= 0x14 && code <= 0x17) return named('reactive-power', 'var', code & 0x03);
  if (code >= 0x34 && code <= 0x37) return named('apparent-power', 'VA', code & 0x03);
  if (code >= 0x2c && code <= 0x2f) return named('frequency', 'Hz', (code & 0x03) - 3);
  return named('other', undefined);
}

function tableFd(code: number): Named {
  if (code >= 0x40 && code <= 0x4f) return named('voltage', 'V', (code & 0x0f) - 9);
  if (code >= 0x50 && code <= 0x5f) return named('current', 'A', (code & 0x0f) - 12);
  return named('other', undefined);
}

const invalid = (message: string): MeterError => new MeterError('FRAME_INVALID', `M-Bus records: ${message}`);

/** Parses the VIB at `pos`; `recordStart` only names the record in messages. */
export function parseValueInfo(
  bytes: Uint8Array,
  pos: number,
  recordStart: number,
): { info: OmsValueInfo; end: number } {
  const next = (what: string): number => {
    if (pos >= bytes.length) throw invalid(`record at offset ${recordStart} ends inside its ${what}`);
    return bytes[pos++] as number;
  };
  const vif = next('VIF');
  let code = vif & 0x7f;
  let extended = (vif & EXTENSION) !== 0;
  let table: OmsValueInfo['table'] = 'primary';
  let plainText: string | undefined;
  if (code === VIF_FB || code === VIF_FD) {
    if (!extended)
      throw invalid(`VIF 0x${vif.toString(16)} at offset ${recordStart} has no true VIF after it`);
    table = code === VIF_FB ? 'fb' : 'fd';
    const trueVif = next('VIF extension');
    code = trueVif & 0x7f;
    extended = (trueVif & EXTENSION) !== 0;
  } else if (code === VIF_PLAIN_TEXT) {
    const length = next('plain-text VIF length');
    if (pos + length > bytes.length) {
      throw invalid(`plain-text VIF at offset ${recordStart} needs ${length} bytes`);
    }
    plainText = '';
    for (let i = pos + length - 1; i >= pos; i--) plainText += String.fromCharCode(bytes[i] as number);
    pos += length;
  }
  const base =
    plainText !== undefined
      ? named('plain-text', plainText)
      : table === 'fb'
        ? tableFb(code)
        : table === 'fd'
          ? tableFd(code)
          : primary(code);
  let exponent = base.exponent;
  let direction: OmsValueInfo['direction'];
  const otherVife: number[] = [];
  const manufacturerVife: number[] = [];
  // After VIF 0x7F every VIFE is the manufacturer's too.
  let inManufacturer = table === 'primary' && code === VIF_MANUFACTURER;
  for (let n = 0; extended; n++) {
    if (n >= MAX_VIFE) throw invalid(`more than ${MAX_VIFE} VIFE at offset ${recordStart}`);
    const vife = next('VIFE');
    extended = (vife & EXTENSION) !== 0;
    const value = vife & 0x7f;
    if (inManufacturer) manufacturerVife.push(value);
    else if (value === VIF_MANUFACTURER) inManufacturer = true;
    else if (value === VIFE_FORWARD) direction = 'forward';
    else if (value === VIFE_BACKWARD) direction = 'backward';
    else if (value >= 0x70 && value <= 0x77) exponent += (value & 0x07) - 6;
    else if (value === VIFE_TIMES_1000) exponent += 3;
    else otherVife.push(value);
  }
  return {
    info: {
      table,
      code,
      quantity: base.quantity,
      unit: base.unit,
      exponent,
      direction,
      plainText,
      otherVife,
      manufacturerVife,
    },
    end: pos,
  };
}
