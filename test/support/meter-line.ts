import { createWriteStream } from 'node:fs';
import type { TelegramDecoder } from '../../src/decoder/telegram-decoder.js';
import type { Telegram } from '../../src/meter/meter-model.js';
import type { MeterSimulator } from '../../src/simulator/meter-simulator.js';

/**
 * A simulated meter on the meter side of a pseudo-terminal: its telegrams written every `intervalMs`, each also
 * decoded here, so that a test knows what the meter sent from the very bytes on the line.
 */
export function feedLine(
  meterPath: string,
  simulator: MeterSimulator,
  decoder: TelegramDecoder,
  intervalMs = 300,
): { readonly sent: readonly Telegram[]; stop(): void } {
  const sent: Telegram[] = [];
  const line = createWriteStream(meterPath);
  line.on('error', () => {});
  const timer = setInterval(() => {
    const bytes = Buffer.concat(simulator.next());
    for (const e of decoder.push(bytes)) if (e.kind === 'telegram') sent.push(e.telegram);
    line.write(bytes);
  }, intervalMs);
  return {
    sent,
    stop: () => {
      clearInterval(timer);
      line.destroy();
    },
  };
}
