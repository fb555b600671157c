import assert from 'node:assert/strict';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { createLogger, silentLogger } from '../../src/log.js';
import { MbusFramer } from '../../src/mbus/mbus-framer.js';
import { openPtyPair, type PtyPair } from '../../src/simulator/pty-pair.js';
import type { ByteSource, SourceEvent } from '../../src/source/byte-source.js';
import { CaptureFile } from '../../src/source/capture-file.js';
import { ReplaySource } from '../../src/source/replay-source.js';
import { SerialSource } from '../../src/source/serial-source.js';
import { TcpSource } from '../../src/source/tcp-source.js';
import { freePort } from '../support/mosquitto.js';
import { concatBytes, framesOf, VECTORS, type Vector } from '../support/vectors.js';
import { until } from '../support/wait.js';

/** The byte sources against real files, sockets and pseudo-terminals. */

const FAST = { initialMs: 50, maxMs: 200 };
const TWO_TELEGRAMS = concatBytes([...framesOf(VECTORS[5] as Vector), ...framesOf(VECTORS[1] as Vector)]);

type Received = { chunks: { at: number; bytes: Uint8Array }[]; events: SourceEvent[]; bytes(): Uint8Array };

function collect(source: ByteSource): Received {
  const received: Received = {
    chunks: [],
    events: [],
    bytes: () => concatBytes(received.chunks.map((c) => c.bytes)),
  };
  source.start({
    bytes: (chunk) => received.chunks.push({ at: performance.now(), bytes: Uint8Array.from(chunk) }),
    event: (event) => received.events.push(event),
  });
  return received;
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'sources-'));

describe('replay source', () => {
  it('replays a binary and a hex capture byte for byte (fast)', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'cap.bin'), TWO_TELEGRAMS);
    writeFileSync(
      join(dir, 'cap.hex'),
      `# two telegrams\n${Buffer.from(TWO_TELEGRAMS)
        .toString('hex')
        .replace(/(.{64})/g, '$1\n')}\n`,
    );
    for (const file of ['cap.bin', 'cap.hex']) {
      const replay = collect(
        new ReplaySource({ file: join(dir, file), pace: 'fast', intervalMs: 5000 }, silentLogger),
      );
      await until(() => replay.events.some((e) => e.kind === 'end'), 'end');
      assert.deepEqual(replay.bytes(), TWO_TELEGRAMS, file);
    }
  });

  it('at the original pace sends one telegram per interval', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'cap.bin'), Buffer.concat([Buffer.from('0000', 'hex'), TWO_TELEGRAMS]));
    const replay = collect(
      new ReplaySource({ file: join(dir, 'cap.bin'), pace: 'original', intervalMs: 150 }, silentLogger),
    );
    await until(() => replay.events.some((e) => e.kind === 'end'), 'end');
    assert.equal(replay.chunks.length, 2);
    const [first, second] = replay.chunks;
    assert.equal(
      first?.bytes.length,
      2 + concatBytes(framesOf(VECTORS[5] as Vector)).length,
      'leading noise travels with the first telegram',
    );
    assert.ok((second?.at ?? 0) - (first?.at ?? 0) >= 140, 'the second telegram one interval later');
  });

  it('a missing file is a closed event with a reason, not an exception', async () => {
    const replay = collect(
      new ReplaySource({ file: '/nonexistent/cap.bin', pace: 'fast', intervalMs: 0 }, silentLogger),
    );
    await until(() => replay.events.length > 0, 'event');
    assert.equal(replay.events[0]?.kind, 'closed');
    assert.match(replay.events[0]?.kind === 'closed' ? replay.events[0].detail : '', /cannot replay/);
  });
});

describe('TCP source', () => {
  it('reconnects with backoff: refused at first, then data, then a dropped connection and data again', async () => {
    const port = await freePort();
    const source = new TcpSource({ host: '127.0.0.1', port, backoff: FAST }, silentLogger);
    const received = collect(source);
    await until(() => received.events.some((e) => e.kind === 'closed'), 'a refused connection');
    let clients: Socket[] = [];
    const listen = async (): Promise<Server> => {
      const server = createServer((socket) => {
        clients.push(socket);
        socket.on('error', () => {});
      });
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      return server;
    };
    let server = await listen();
    await until(() => clients.length === 1, 'a connection');
    clients[0]?.write(Buffer.from([1, 2, 3]));
    await until(() => received.bytes().length === 3, 'the first bytes');

    const closedBefore = received.events.filter((e) => e.kind === 'closed').length;
    for (const c of clients) c.destroy();
    clients = [];
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await until(
      () => received.events.filter((e) => e.kind === 'closed').length > closedBefore,
      'the dropped connection noticed',
    );
    server = await listen();
    await until(() => clients.length === 1, 'a new connection', 5000);
    clients[0]?.write(Buffer.from([4, 5]));
    await until(() => received.bytes().length === 5, 'bytes after reconnecting');
    assert.deepEqual([...received.bytes()], [1, 2, 3, 4, 5]);
    assert.ok(received.events.filter((e) => e.kind === 'open').length >= 2);
    await source.stop();
    for (const c of clients) c.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('serial source on a pseudo-terminal', () => {
  it('waits for a device that is not there yet, then reads it byte-exactly', async () => {
    const dir = tmp();
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', writer: { write: (l) => lines.push(l) } });
    const source = new SerialSource(
      {
        device: join(dir, 'ttySMARTMETER'),
        baudRate: 2400,
        parity: 'even',
        dataBits: 8,
        stopBits: 1,
        backoff: FAST,
      },
      log,
    );
    const received = collect(source);
    await until(() => received.events.filter((e) => e.kind === 'closed').length >= 3, 'retries');
    const pty = await openPtyPair(dir);
    try {
      await until(() => received.events.some((e) => e.kind === 'open'), 'open');
      writeFileSync(pty.meterPath, TWO_TELEGRAMS);
      await until(() => received.bytes().length >= TWO_TELEGRAMS.length, 'the bytes');
      assert.deepEqual(received.bytes(), TWO_TELEGRAMS);
      assert.equal(
        lines.filter((l) => l.includes(' WARN ')).length,
        1,
        'one warning for the missing device, retries at debug',
      );
    } finally {
      await source.stop();
      pty.close();
    }
  });
});

describe("serial source at the line's pace", () => {
  it('reads the bytes the framer awaits in a few gulps, every one of them, the last one as it arrives', async () => {
    const frame = framesOf(VECTORS[5] as Vector)[1] as Uint8Array;
    const framer = new MbusFramer();
    const frames: Uint8Array[] = [];
    const chunks: { at: number; length: number }[] = [];
    const events: SourceEvent[] = [];
    const pty = await openPtyPair();
    const source = new SerialSource({ device: pty.adapterPath, ...SERIAL_8E1 }, silentLogger);
    source.start({
      bytes: (chunk) => {
        chunks.push({ at: performance.now(), length: chunk.length });
        for (const e of framer.push(chunk)) if (e.kind === 'frame') frames.push(e.frame.raw);
      },
      event: (event) => events.push(event),
      awaited: () => framer.awaited,
    });
    const meter = openSync(pty.meterPath, 'w');
    try {
      await until(() => events.some((e) => e.kind === 'open'), 'open');
      // Three bytes at a time, as a USB adapter hands them over, at half the pace of 2400 baud 8E1: a meter
      // may pause, never hurry.
      const byteMs = (2 * 11 * 1000) / 2400;
      const start = performance.now();
      let writes = 0;
      for (let i = 0; i < frame.length; i += 3) {
        const due = start + i * byteMs - performance.now();
        if (due > 0) await new Promise((r) => setTimeout(r, due));
        writeSync(meter, frame.subarray(i, i + 3));
        writes++;
      }
      const lastWrite = performance.now();
      await until(() => frames.length === 1, 'the frame');
      assert.deepEqual(frames[0], frame);
      assert.ok(chunks.length <= writes / 2, `${chunks.length} reads for ${writes} writes`);
      const lastRead = (chunks.at(-1)?.at ?? Number.NaN) - lastWrite;
      assert.ok(lastRead < 250, `the last byte was read ${lastRead.toFixed(0)} ms after it was written`);
    } finally {
      closeSync(meter);
      await source.stop();
      pty.close();
    }
  });
});

/** A retry timer that cannot fire during a test: a reopen can only come from watching the folders. */
const SLOW = { initialMs: 30_000, maxMs: 30_000 };

function debugLog(): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'debug', writer: { write: (l) => lines.push(l) } }) };
}

const SERIAL_8E1 = { baudRate: 2400, parity: 'even', dataBits: 8, stopBits: 1 } as const;

describe('serial source: the adapter comes back', () => {
  it('reopens as soon as the by-id link appears again, not when the 30 s retry timer fires', async () => {
    const dir = tmp();
    // udev removes /dev/serial/by-id with the last adapter and makes it again for the next one.
    const byId = join(dir, 'serial', 'by-id');
    const device = join(byId, 'usb-FTDI_FT232R_USB_UART_A10KXYZ-if00-port0');
    const plug = async (name: string): Promise<PtyPair> => {
      const pty = await openPtyPair(join(dir, name));
      mkdirSync(byId, { recursive: true });
      symlinkSync(pty.adapterPath, device);
      return pty;
    };
    mkdirSync(join(dir, 'first'));
    mkdirSync(join(dir, 'second'));
    let pty = await plug('first');
    const { lines, log } = debugLog();
    const source = new SerialSource({ device, ...SERIAL_8E1, backoff: SLOW }, log);
    const received = collect(source);
    try {
      await until(() => received.events.some((e) => e.kind === 'open'), 'open');
      writeFileSync(pty.meterPath, Buffer.from([1, 2, 3]));
      await until(() => received.bytes().length === 3, 'the first bytes');

      pty.close(); // unplugged: the port fails, its links go
      rmSync(join(dir, 'serial'), { recursive: true });
      await until(() => received.events.some((e) => e.kind === 'closed'), 'the loss', 10_000);
      const lostAt = performance.now();
      const closed = received.events.find((e) => e.kind === 'closed');
      assert.equal(closed?.kind === 'closed' ? closed.retryInMs : 0, 30_000);

      pty = await plug('second');
      await until(() => received.events.filter((e) => e.kind === 'open').length === 2, 'the reopen', 20_000);
      const reopenedAfterMs = performance.now() - lostAt;
      writeFileSync(pty.meterPath, Buffer.from([4, 5]));
      await until(() => received.bytes().length === 5, 'bytes after the reopen', 10_000);
      assert.deepEqual([...received.bytes()], [1, 2, 3, 4, 5]);
      assert.ok(reopenedAfterMs < 30_000, `reopened ${reopenedAfterMs} ms after the loss`);
      assert.ok(
        lines.some((l) => l.includes('appeared; reopening without waiting for the retry timer')),
        lines.join(''),
      );
      assert.equal(received.events.filter((e) => e.kind === 'closed').length, 1, 'no failed attempt');
    } finally {
      await source.stop();
      pty.close();
    }
  });

  it('does not open another adapter that took its name; opens its own under its new name', async () => {
    // A /sys and /dev like Linux's (see test/unit/source-usb-identity.test.ts) whose tty nodes are links to
    // real pseudo-terminals, so sysfs is keyed by the pty's number (/dev/pts/N → class/tty/N).
    const dir = tmp();
    const sysRoot = join(dir, 'sys');
    const devRoot = join(dir, 'dev');
    mkdirSync(join(sysRoot, 'class', 'tty'), { recursive: true });
    mkdirSync(devRoot);
    const ptys: PtyPair[] = [];
    const plug = async (tty: string, usbPath: string, serial: string): Promise<PtyPair> => {
      const pty = await openPtyPair(mkdtempSync(join(dir, 'pty-')));
      ptys.push(pty);
      const name = basename(realpathSync(pty.adapterPath));
      const usbDevice = join(sysRoot, 'devices', 'pci0000:00', '0000:00:14.0', 'usb1', usbPath);
      const ttyDevice = join(usbDevice, `${usbPath}:1.0`, tty);
      mkdirSync(ttyDevice, { recursive: true });
      writeFileSync(join(usbDevice, 'idVendor'), '0403\n');
      writeFileSync(join(usbDevice, 'idProduct'), '6001\n');
      writeFileSync(join(usbDevice, 'serial'), `${serial}\n`);
      mkdirSync(join(sysRoot, 'class', 'tty', name));
      symlinkSync(ttyDevice, join(sysRoot, 'class', 'tty', name, 'device'));
      symlinkSync(pty.adapterPath, join(devRoot, tty));
      return pty;
    };
    const unplug = (pty: PtyPair, tty: string): void => {
      rmSync(join(sysRoot, 'class', 'tty', basename(realpathSync(pty.adapterPath))), { recursive: true });
      unlinkSync(join(devRoot, tty));
      pty.close();
    };

    const a = await plug('ttyUSB0', '1-1', 'AAAA1111');
    const { lines, log } = debugLog();
    const device = join(devRoot, 'ttyUSB0');
    const source = new SerialSource({ device, ...SERIAL_8E1, backoff: FAST, sysRoot, devRoot }, log);
    const received = collect(source);
    try {
      await until(() => received.events.some((e) => e.kind === 'open'), 'open');
      assert.match(lines.join(''), /opened .*ttyUSB0 \(USB 0403:6001 serial AAAA1111\)/);

      unplug(a, 'ttyUSB0');
      await until(() => received.events.some((e) => e.kind === 'closed'), 'the loss', 10_000);
      const b = await plug('ttyUSB0', '1-2', 'BBBB2222'); // another adapter, under the configured name
      const warned = (): string[] => lines.filter((l) => l.includes(' WARN ') && l.includes('BBBB2222'));
      await until(() => warned().length > 0, 'the warning about the other adapter', 10_000);
      const closedAtWarning = received.events.filter((e) => e.kind === 'closed').length;
      await until(
        () => received.events.filter((e) => e.kind === 'closed').length >= closedAtWarning + 3,
        'more retries',
        10_000,
      );
      writeFileSync(b.meterPath, Buffer.from([0xbb, 0xbb]));

      const a2 = await plug('ttyUSB1', '1-1', 'AAAA1111'); // ours again, renumbered
      await until(() => received.events.filter((e) => e.kind === 'open').length === 2, 'the reopen', 10_000);
      writeFileSync(a2.meterPath, Buffer.from([0xaa]));
      await until(() => received.bytes().length >= 1, 'bytes from its own adapter', 10_000);

      const opened = received.events.filter((e) => e.kind === 'open').map((e) => e.detail);
      assert.match(opened[1] ?? '', /ttyUSB1 \(USB 0403:6001 serial AAAA1111\)$/);
      assert.ok(!opened.some((d) => d.includes('BBBB2222')), 'never the other adapter');
      assert.deepEqual([...received.bytes()], [0xaa]);
      assert.equal(warned().length, 1, 'the other adapter is reported once');
      assert.match(
        warned()[0] ?? '',
        /ttyUSB0 is now USB 0403:6001 serial BBBB2222, no longer USB 0403:6001 serial AAAA1111/,
      );
    } finally {
      await source.stop();
      for (const pty of ptys) pty.close();
    }
  });
});

describe('capture file', () => {
  it('appends every chunk in order to what the file already held', async () => {
    const path = join(tmp(), 'capture.bin');
    writeFileSync(path, Buffer.from([0xaa]));
    const capture = new CaptureFile(path, silentLogger);
    const chunk = Buffer.from([1, 2, 3]);
    capture.append(chunk);
    chunk.fill(9); // the source may reuse its buffer; the capture must have copied it
    capture.append(Buffer.from([4]));
    await capture.close();
    assert.deepEqual([...readFileSync(path)], [0xaa, 1, 2, 3, 4]);
  });

  it('an unwritable path is one error line, never an exception', async () => {
    const lines: string[] = [];
    const capture = new CaptureFile(
      '/nonexistent-dir/capture.bin',
      createLogger({ level: 'info', writer: { write: (l) => lines.push(l) } }),
    );
    capture.append(Buffer.from([1]));
    await until(() => lines.some((l) => l.includes('ERROR')), 'the error line');
    capture.append(Buffer.from([2]));
    await capture.close();
    assert.equal(lines.filter((l) => l.includes('ERROR')).length, 1, lines.join(''));
  });
});
