import type { ErrorCode } from '../errors.js';
import { INTERFACES_ADVICE, type LineAdvice } from './line-advice.js';

/** What the pipeline has seen, stage by stage: for the diagnostics entities, the log hints and the web page. */
export type PipelineStats = {
  bytesReceived: number;
  bytesDiscarded: number;
  framesValid: number;
  telegramsReassembled: number;
  /** Telegrams accepted and handed to the outputs (the MQTT sink counts what it published: Delivery). */
  telegramsDecoded: number;
  telegramsRejected: number;
  valuesWithheld: number;
  rejectedByCode: Partial<Record<ErrorCode, number>>;
  lastError: { code: ErrorCode; message: string; at: number } | undefined;
  lastTelegramAt: number | undefined;
  /** When the source last delivered bytes, and a valid frame: what still arrives after good telegrams. */
  lastBytesAt: number | undefined;
  lastFrameAt: number | undefined;
  frameCounter: number | undefined;
  sourceReconnects: number;
};

export function emptyStats(): PipelineStats {
  return {
    bytesReceived: 0,
    bytesDiscarded: 0,
    framesValid: 0,
    telegramsReassembled: 0,
    telegramsDecoded: 0,
    telegramsRejected: 0,
    valuesWithheld: 0,
    rejectedByCode: {},
    lastError: undefined,
    lastTelegramAt: undefined,
    lastBytesAt: undefined,
    lastFrameAt: undefined,
    frameCounter: undefined,
    sourceReconnects: 0,
  };
}

/**
 * Why no valid telegram arrived, in the user's terms, from how far the bytes got: the three ways a first
 * hour goes wrong are no bytes (wiring, adapter), bytes but no frames (parity, baud) and frames that do
 * not decode (key). Once telegrams have decoded, only what came after the last one counts: a meter that
 * falls silent is not told an error from before that telegram.
 */
export function staleHint(stats: PipelineStats, advice: LineAdvice = INTERFACES_ADVICE): string {
  if (stats.bytesReceived === 0) {
    return 'no bytes arrive from the meter: check the adapter, the device path and the RJ12 cable (pins 3 and 4 of the customer interface)';
  }
  const lastTelegram = stats.lastTelegramAt;
  if (lastTelegram !== undefined && (stats.lastBytesAt ?? 0) <= lastTelegram) {
    return 'nothing has arrived since the last valid telegram: check the adapter and the cable';
  }
  if (stats.framesValid === 0 || (lastTelegram !== undefined && (stats.lastFrameAt ?? 0) <= lastTelegram)) {
    return `bytes arrive but no valid frame: ${advice.en}`;
  }
  const last = stats.lastError;
  if (last !== undefined && (lastTelegram === undefined || last.at >= lastTelegram)) {
    return `frames arrive but do not decode: ${last.code}: ${last.message}`;
  }
  return 'frames arrive but no complete telegram yet';
}
