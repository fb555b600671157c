import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createLogger, silentLogger } from '../../src/log.js';
import { openPtyPair } from '../../src/simulator/pty-pair.js';
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

    for (const c of clients) c.destroy();
    clients = [];
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise((r) => setTimeout(r, 120));
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
    await new Promise((r) => setTimeout(r, 100));
    capture.append(Buffer.from([2]));
    await capture.close();
    assert.equal(lines.filter((l) => l.includes('ERROR')).length, 1, lines.join(''));
  });
});
