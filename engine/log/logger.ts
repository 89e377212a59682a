import pino from 'pino';
import { redact, redactString } from './redact.js';

/** Structured JSON-lines logger (pino) whose every line passes through A8 redaction. */
export type Logger = {
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
  debug(obj: Record<string, unknown>, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
};

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** A logger writing JSON lines to `dest` (a writable stream or a file descriptor/path via pino.destination). */
export function createLogger(opts: { level?: LogLevel; dest?: NodeJS.WritableStream | string; sync?: boolean } = {}): Logger {
  const dest = typeof opts.dest === 'string'
    ? pino.destination({ dest: opts.dest, sync: opts.sync ?? true, mkdir: true })
    : opts.dest ?? pino.destination({ dest: 2, sync: true });
  const p = pino(
    {
      level: opts.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (o) => redact(o) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          // Redact the message string too (it may quote an exchange error containing a request URL).
          const a = args as unknown[];
          for (let i = 0; i < a.length; i++) if (typeof a[i] === 'string') a[i] = redactString(a[i] as string);
          return method.apply(this, args);
        },
      },
    },
    dest as pino.DestinationStream,
  );
  return wrap(p);
}

function wrap(p: pino.Logger): Logger {
  return {
    info: (o, m) => p.info(o, m),
    warn: (o, m) => p.warn(o, m),
    error: (o, m) => p.error(o, m),
    debug: (o, m) => p.debug(o, m),
    child: (b) => wrap(p.child(redact(b) as Record<string, unknown>)),
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = {
  info: () => {}, warn: () => {}, error: () => {}, debug: () => {}, child: () => silentLogger,
};
