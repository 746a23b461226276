// The one logger of a tagship process: pino, JSON lines (pretty on a terminal), at the level the
// settings name. The Temporal SDK's own logger forwards to it (sdkLogger), so an activity's
// `Context.current().log` lines carry the workflow id (the release, or `<release>/target/<t>`),
// the activity and its attempt; the gateway and the hook server log each request through it.
// Every secret the process holds is cut out of every line, whatever field it is in.
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { redactor } from '../../core/build-env.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: Level;
  /** Values that must never be written (tokens, keys), replaced by "[redacted]". */
  secrets?: string[];
  /** Where lines go; stdout (pretty when it is a terminal) by default. */
  destination?: DestinationStream;
}

/** Redacts every string in a log call's arguments, one level into objects. */
function scrub(redact: (s: string) => string, value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (value instanceof Error) return { type: value.name, message: redact(value.message), stack: value.stack ? redact(value.stack) : undefined };
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? redact(v) : v instanceof Error ? scrub(redact, v) : v]));
  }
  return value;
}

export function createLogger(opts: LoggerOptions): Logger {
  const redact = redactor(opts.secrets ?? []);
  const destination = opts.destination ?? (process.stdout.isTTY ? pretty({ colorize: true, sync: true }) : pino.destination({ fd: 1, sync: true }));
  return pino(
    {
      level: opts.level,
      base: { pid: process.pid },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => scrub(redact, a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

const SDK_LEVELS: Record<LogLevel, Level> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** The Temporal SDK's logger interface over a pino logger (Runtime.install({ logger })). */
export function sdkLogger(log: Logger): SdkLogger {
  const at = (level: LogLevel) => (message: string, meta?: LogMetadata) => log[SDK_LEVELS[level]]({ ...meta }, message);
  return {
    log: (level, message, meta) => at(level)(message, meta),
    trace: at('TRACE'),
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
  };
}
