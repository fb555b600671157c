import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { HexTextDecoder, HexTextError, looksLikeHexText } from '../bytes/hex.js';
import { decodeApdu } from '../decoder/apdu-decoder.js';
import { BARE_APDU_MAX_PENDING } from '../decoder/apdu-path.js';
import { type DecoderEvent, TelegramDecoder } from '../decoder/telegram-decoder.js';
import { rejectionToJson, telegramToJson } from '../decoder/telegram-json.js';
import { type DlmsKeys, uncheckedTagNotice } from '../dlms/decrypt.js';
import { type ErrorCode, isMeterError, MeterError } from '../errors.js';
import { parseKey } from '../key.js';
import { parseCommandArgs } from './args.js';
import type { CliIo } from './io.js';

export const DECODE_USAGE = `Usage: smartmeter-bridge decode [--key HEX] [--auth-key HEX] [FILE|-]

Decodes captured telegrams, M-Bus, HDLC or bare general-glo-ciphering APDUs (DB 08 …; the framing is
found from the bytes): raw bytes, or hex text
(spaces, line breaks and # comments allowed), from FILE or standard input. Prints one JSON object per decoded telegram on stdout and one per
rejected telegram on stderr ({"code": ..., "message": ...}), and once a {"note": ...} when the meter signs
its telegrams and no --auth-key was given; when nothing decoded and nothing was
rejected, one such object on stderr says how far the input got.

  --key HEX        the meter's key from the grid operator (32 hex digits); or set SERIAL_KEY
  --auth-key HEX   the authentication key, only for meters that send a GCM tag (security 0x30)

Exit status: 0 when at least one telegram decoded, 1 when none did, 2 for bad options.`;

export async function runDecode(args: readonly string[], io: CliIo): Promise<number> {
  let keys: DlmsKeys;
  let file: string | undefined;
  try {
    const parsed = parseCommandArgs(
      'decode',
      args,
      {
        key: { type: 'string' },
        'auth-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      true,
    );
    if (parsed.values.help === true) {
      io.stdout(`${DECODE_USAGE}\n`);
      return 0;
    }
    if (parsed.positionals.length > 1)
      throw new MeterError('CONFIG_INVALID', 'decode takes at most one FILE');
    file = parsed.positionals[0];
    const keyText = parsed.values.key ?? io.env['SERIAL_KEY'];
    const authText = parsed.values['auth-key'];
    keys = {
      encryptionKey: keyText === undefined || keyText === '' ? undefined : parseKey(keyText, '--key'),
      authenticationKey: authText === undefined ? undefined : parseKey(authText, '--auth-key'),
    };
  } catch (error) {
    const message = isMeterError(error) ? error.message : (error as Error).message;
    io.stderr(`${JSON.stringify({ code: 'CONFIG_INVALID', message })}\n`);
    return 2;
  }

  const input: Readable = file === undefined || file === '-' ? io.stdin : createReadStream(file);
  const decoder = new TelegramDecoder(keys);
  let decoded = 0;
  let said = 0;
  let toldTagUnchecked = false;
  const seen: InputSeen = { bytes: 0, head: [], start: [], frames: 0 };
  // One write per stream per decoded chunk, not one per line: a 64 KiB chunk is some two hundred telegrams,
  // and each write to a file or pipe is a system call. Lines still come out in the order they were made.
  const out = new LineBatch(io);
  const emit = (events: readonly DecoderEvent[]): void => {
    for (const event of events) {
      if (event.kind === 'telegram') {
        if (event.telegram.tagUnchecked === true && !toldTagUnchecked) {
          toldTagUnchecked = true;
          out.stderr(JSON.stringify({ note: uncheckedTagNotice(event.telegram.systemTitle ?? 'unknown') }));
        }
        decoded++;
        out.stdout(JSON.stringify(telegramToJson(event.telegram)));
      } else if (event.kind === 'rejected') {
        said++;
        out.stderr(JSON.stringify(rejectionToJson(event.error)));
      } else if (event.kind === 'frame') {
        seen.frames++;
      }
    }
    out.flush();
  };
  const push = (bytes: Uint8Array): void => {
    seen.bytes += bytes.length;
    if (seen.head.length < 2) seen.head.push(...bytes.subarray(0, 2 - seen.head.length));
    if (seen.start.length < BARE_APDU_MAX_PENDING) {
      seen.start.push(...bytes.subarray(0, BARE_APDU_MAX_PENDING - seen.start.length));
    }
    emit(decoder.push(bytes));
  };

  let hex: HexTextDecoder | undefined;
  let mode: 'unknown' | 'hex' | 'binary' = 'unknown';
  try {
    for await (const chunk of input) {
      const bytes = chunk as Uint8Array;
      if (mode === 'unknown') {
        mode = looksLikeHexText(bytes) ? 'hex' : 'binary';
        if (mode === 'hex') hex = new HexTextDecoder();
      }
      push(hex === undefined ? bytes : hex.push(latin1(bytes)));
    }
    hex?.end();
  } catch (error) {
    const code = error instanceof HexTextError ? 'FRAME_INVALID' : 'CONFIG_INVALID';
    const what =
      error instanceof HexTextError ? 'the input is not valid hex text' : `cannot read ${file ?? 'stdin'}`;
    io.stderr(`${JSON.stringify({ code, message: `${what}: ${(error as Error).message}` })}\n`);
    if (code === 'CONFIG_INVALID') return 2;
    said++;
  }
  emit(decoder.end());
  // Every frame ends as a telegram or a rejection; input without one would otherwise end in silence.
  if (said === 0 && seen.frames === 0) io.stderr(`${JSON.stringify(whyNoFrame(seen, keys))}\n`);
  return decoded > 0 ? 0 : 1;
}

/** The bytes as text, a character per byte, without copying them first. */
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

/** Lines for stdout and stderr, held until flush() or until the other stream has a line. */
class LineBatch {
  private text = '';
  private toStderr = false;

  constructor(private readonly io: CliIo) {}

  stdout(line: string): void {
    if (this.toStderr) this.flush();
    this.text += `${line}\n`;
  }

  stderr(line: string): void {
    if (!this.toStderr) this.flush();
    this.toStderr = true;
    this.text += `${line}\n`;
  }

  flush(): void {
    if (this.text !== '') {
      if (this.toStderr) this.io.stderr(this.text);
      else this.io.stdout(this.text);
    }
    this.text = '';
    this.toStderr = false;
  }
}

/** `start`: the first bytes, enough for one whole bare APDU. */
type InputSeen = { bytes: number; head: number[]; start: number[]; frames: number };

function whyNoFrame(seen: InputSeen, keys: DlmsKeys): { code: ErrorCode; message: string } {
  if (seen.bytes === 0) return { code: 'TRUNCATED', message: 'the input is empty' };
  const [first, second = 0] = seen.head;
  // One bare APDU pasted alone: nothing proved it a frame (no key, a wrong one), so say what decoding it says.
  if (first === 0xdb && second === 0x08) {
    try {
      decodeApdu(Uint8Array.from(seen.start), keys);
    } catch (error) {
      if (isMeterError(error)) return rejectionToJson(error) as { code: ErrorCode; message: string };
    }
  }
  // HDLC frame format type 3: flag 7E, then A0..AF (the high nibble of the 11-bit length field).
  if (first === 0x7e && second >> 4 === 0xa)
    return {
      code: 'FRAME_INVALID',
      message: `no HDLC frame (7E A… 7E) with valid header and frame checks in ${seen.bytes} bytes: an optical read head or P1 port needs its own speed, usually 9600 or 115200 baud 8N1; check the settings and the head's position`,
    };
  return {
    code: 'FRAME_INVALID',
    message: `no M-Bus frame (68 L L 68 … CS 16) with a valid checksum in ${seen.bytes} bytes: a capture from the adapter needs 2400 baud 8E1 (parity even); check the wiring and the adapter too`,
  };
}
