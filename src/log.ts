/**
 * One logger for the bridge, injected everywhere (no module writes to the console itself).
 *
 * Lines are plain text for the add-on's Log tab and `docker logs`: `2026-11-24T13:00:00.000Z INFO  [mqtt] connected`.
 * Colour only when the stream is a terminal. Messages may be functions, so that hex dumps at debug level
 * cost nothing when debug is off.
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogMessage = string | (() => string);

export type Logger = {
  debug(message: LogMessage): void;
  info(message: LogMessage): void;
  warn(message: LogMessage): void;
  error(message: LogMessage): void;
  /** The same logger with a namespace, e.g. log.child('serial'). */
  child(namespace: string): Logger;
};

export type LogWriter = { write(line: string): void; isTTY?: boolean | undefined };

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };
const COLOUR: Readonly<Record<LogLevel, string>> = {
  debug: '\x1b[90m',
  info: '',
  warn: '\x1b[33m',
  error: '\x1b[31m',
};

export function createLogger(options: {
  level: LogLevel;
  writer: LogWriter;
  namespace?: string;
  now?: () => Date;
  /** Sees every error line (the Sentry reporter). */
  onError?: (text: string) => void;
}): Logger {
  const { level, writer } = options;
  const now = options.now ?? (() => new Date());
  const colour = writer.isTTY === true;
  const make = (namespace: string | undefined): Logger => {
    const emit = (at: LogLevel, message: LogMessage): void => {
      if (RANK[at] < RANK[level]) return;
      const text = typeof message === 'function' ? message() : message;
      const tag = at.toUpperCase().padEnd(5);
      const ns = namespace === undefined ? '' : `[${namespace}] `;
      const line = `${now().toISOString()} ${tag} ${ns}${text}`;
      writer.write(colour && COLOUR[at] !== '' ? `${COLOUR[at]}${line}\x1b[0m\n` : `${line}\n`);
      if (at === 'error') options.onError?.(`${ns}${text}`);
    };
    return {
      debug: (m) => emit('debug', m),
      info: (m) => emit('info', m),
      warn: (m) => emit('warn', m),
      error: (m) => emit('error', m),
      child: (ns) => make(namespace === undefined ? ns : `${namespace}:${ns}`),
    };
  };
  return make(options.namespace);
}

/** A logger that drops everything, for tests and library use. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

/**
 * The same logger, with every error line also shown to `onError` (as createLogger's option does): for a
 * reporter that is known only after the logger was made (the add-on logs before it has read its options).
 */
export function reportingErrors(log: Logger, onError: (text: string) => void, namespace?: string): Logger {
  const ns = namespace === undefined ? '' : `[${namespace}] `;
  return {
    debug: (m) => log.debug(m),
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
    error: (m) => {
      const text = typeof m === 'function' ? m() : m;
      log.error(text);
      onError(`${ns}${text}`);
    },
    child: (child) =>
      reportingErrors(log.child(child), onError, namespace === undefined ? child : `${namespace}:${child}`),
  };
}
