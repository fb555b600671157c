import { createWriteStream } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { waitForSignal } from '../app/signals.js';
import { isMeterError } from '../errors.js';
import { parseKey } from '../key.js';
import { MeterSimulator } from '../simulator/meter-simulator.js';
import { openPtyPair, ptyTarget } from '../simulator/pty-pair.js';
import {
  isSimulatorLayout,
  needsAuthKey,
  SIMULATOR_LAYOUTS,
  type SimulatorLayout,
} from '../simulator/simulator-layouts.js';
import { parseCommandArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';

export const SIMULATE_USAGE = `Usage: smartmeter-bridge simulate --key HEX [--auth-key HEX] [--layout LAYOUT]
                                 (--pty | --tcp-listen PORT | --out FILE) [--interval SECONDS] [--count N]

A virtual meter writing real encrypted telegrams with plausible, monotonic values:
  --layout           what the meter sends (default ksm-west):
                       M-Bus:  ksm-west, ksm-west-1phase (TINETZ, IKB, Salzburg, Vorarlberg: Kaifa MA309),
                               evn (EVN / Netz NÖ: Kaifa MA309), t210d (Sagemcom T210-D),
                               amis (Netz OÖ, eww Wels: Siemens AMIS, OMS mode 5)
                       HDLC:   wiener-netze-am550 (Iskraemeco AM550 / L+G E450 at the IR port),
                               im350 (Siemens IM350), burgenland-e450 (Netz Burgenland L+G E450),
                               e450-gbt (L+G E450 with block transfer and tariff registers)
                       P1:     t210d-r-p1 (Sagemcom T210-D-r: DSMR text in a bare ciphered APDU)
  --key              the encryption key (32 hex digits)
  --auth-key         the authentication key, for the meters that send a GCM tag (burgenland-e450,
                     e450-gbt, t210d-r-p1: required there)
  --pty              makes a pseudo-terminal pair (needs socat) and prints the serial device to open
  --tcp-listen PORT  serves the telegrams on tcp://127.0.0.1:PORT, like ser2net (--host to change)
  --out FILE         appends the raw telegrams to FILE (a capture for decode or --replay)
  --interval         seconds between telegrams (default 5; 0 with --out writes at once)
  --count            stop after N telegrams (default: run until stopped; 100 for --out with --interval 0)`;

type SimulateArgs = {
  key: Uint8Array;
  authKey: Uint8Array | undefined;
  layout: SimulatorLayout;
  intervalMs: number;
  count: number | undefined;
  target: { kind: 'pty' } | { kind: 'tcp'; port: number; host: string } | { kind: 'file'; path: string };
};

function parse(args: readonly string[]): SimulateArgs | 'help' {
  const { values } = parseCommandArgs(
    'simulate',
    args,
    {
      key: { type: 'string' },
      'auth-key': { type: 'string' },
      layout: { type: 'string', default: 'ksm-west' },
      pty: { type: 'boolean' },
      'tcp-listen': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      out: { type: 'string' },
      interval: { type: 'string', default: '5' },
      count: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (values.help === true) return 'help';
  if (values.key === undefined)
    throw new Error('--key: the key the simulated meter encrypts with (32 hex digits)');
  const key = parseKey(values.key, '--key');
  const layout = values.layout;
  if (!isSimulatorLayout(layout)) throw new Error(`--layout: one of ${SIMULATOR_LAYOUTS.join(', ')}`);
  const authKey = values['auth-key'] === undefined ? undefined : parseKey(values['auth-key'], '--auth-key');
  if (authKey === undefined && needsAuthKey(layout)) {
    throw new Error(
      `--auth-key: the ${layout} meter sends a GCM tag, so it needs the authentication key (32 hex digits) as well as --key`,
    );
  }
  const intervalMs = Number(values.interval) * 1000;
  if (!(intervalMs >= 0 && intervalMs <= 3_600_000))
    throw new Error('--interval: seconds between telegrams, 0 to 3600');
  const count = values.count === undefined ? undefined : Number(values.count);
  if (count !== undefined && !(Number.isInteger(count) && count > 0))
    throw new Error('--count: a positive whole number');
  const targets = [values.pty === true, values['tcp-listen'] !== undefined, values.out !== undefined].filter(
    Boolean,
  ).length;
  if (targets !== 1) throw new Error('give exactly one of --pty, --tcp-listen PORT, --out FILE');
  let target: SimulateArgs['target'];
  if (values.pty === true) target = { kind: 'pty' };
  else if (values.out !== undefined) target = { kind: 'file', path: values.out };
  else {
    const port = Number(values['tcp-listen']);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error('--tcp-listen: a TCP port, 1 to 65535');
    target = { kind: 'tcp', port, host: values.host };
  }
  if (intervalMs === 0 && target.kind !== 'file') throw new Error('--interval 0 only makes sense with --out');
  return { key, authKey, layout, intervalMs, count, target };
}

export async function runSimulate(args: readonly string[], io: CliIo): Promise<number> {
  let parsed: SimulateArgs;
  try {
    const result = parse(args);
    if (result === 'help') {
      io.stdout(`${SIMULATE_USAGE}\n`);
      return 0;
    }
    parsed = result;
  } catch (error) {
    const message = isMeterError(error) ? error.message : (error as Error).message;
    io.stderr(error instanceof UsageError ? `${message}\n` : `${message}\n\n${SIMULATE_USAGE}\n`);
    return 2;
  }
  // Written at once (--interval 0), the telegrams still carry clock times 5 s apart, like a real capture.
  const virtualStep = parsed.intervalMs === 0 ? 5000 : 0;
  let clock = Date.now();
  const simulator = new MeterSimulator({
    layout: parsed.layout,
    key: parsed.key,
    ...(parsed.authKey === undefined ? {} : { authKey: parsed.authKey }),
    intervalMs: parsed.intervalMs || 5000,
    now: () => new Date(virtualStep === 0 ? Date.now() : clock),
  });
  const telegram = (): Buffer => {
    const bytes = Buffer.concat(simulator.next());
    clock += virtualStep;
    return bytes;
  };

  if (parsed.target.kind === 'file') {
    const out = createWriteStream(parsed.target.path, { flags: 'a' });
    const count = parsed.count ?? (parsed.intervalMs === 0 ? 100 : undefined);
    let written = 0;
    const stopped = parsed.intervalMs === 0 ? undefined : waitForSignal();
    while (count === undefined || written < count) {
      out.write(telegram());
      written++;
      if (parsed.intervalMs > 0) {
        const signal = await Promise.race([stopped, new Promise((r) => setTimeout(r, parsed.intervalMs))]);
        if (typeof signal === 'string') break;
      }
    }
    await new Promise<void>((resolve) => out.end(resolve));
    io.stdout(`wrote ${written} ${parsed.layout} telegrams to ${parsed.target.path}\n`);
    return 0;
  }

  let write: (bytes: Buffer) => void;
  let close: () => void;
  if (parsed.target.kind === 'pty') {
    let pair: Awaited<ReturnType<typeof openPtyPair>>;
    try {
      pair = await openPtyPair();
    } catch (error) {
      io.stderr(`${(error as Error).message}\n`);
      return 1;
    }
    // A stream, not writeSync: while no one reads the other end the pty fills up, and a blocking write
    // would freeze the process so that not even Ctrl-C gets through.
    const out = createWriteStream(pair.meterPath);
    out.on('error', () => {});
    write = (bytes) => {
      if (out.writableLength < 64 * 1024) out.write(bytes);
    };
    close = () => {
      out.destroy();
      pair.close();
    };
    io.stdout(
      `simulated ${parsed.layout} meter on a pseudo-terminal; open this serial device:\n${pair.adapterPath}\n(${ptyTarget(pair.adapterPath)})\n`,
    );
  } else {
    const clients = new Set<Socket>();
    const server = createServer((socket) => {
      clients.add(socket);
      socket.on('close', () => clients.delete(socket));
      socket.on('error', () => clients.delete(socket));
    });
    const { port, host } = parsed.target;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    write = (bytes) => {
      for (const socket of clients) socket.write(bytes);
    };
    close = () => {
      for (const socket of clients) socket.destroy();
      server.close();
    };
    io.stdout(`simulated ${parsed.layout} meter serving telegrams on tcp://${host}:${port}\n`);
  }

  let sent = 0;
  const tick = (): void => {
    write(telegram());
    sent++;
  };
  tick();
  const timer = setInterval(() => {
    tick();
    if (parsed.count !== undefined && sent >= parsed.count) process.kill(process.pid, 'SIGTERM');
  }, parsed.intervalMs);
  await waitForSignal();
  clearInterval(timer);
  close();
  return 0;
}
