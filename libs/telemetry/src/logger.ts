import type { LoggerService } from '@nestjs/common';
import { traceLogFields } from './tracing.js';
import { pino, type DestinationStream, type Level, type LevelWithSilent, type Logger } from 'pino';

export interface LoggerOptions {
  /** Overrides `LOG_LEVEL`; tests pass `'silent'`. */
  level?: LevelWithSilent;
  /** Where the JSON lines go (stdout when absent); tests pass a stream they read back. */
  destination?: DestinationStream;
  /** Bound to every line, so lines of several processes can be told apart once aggregated. */
  name?: string;
}

const LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function createLogger(opts: LoggerOptions = {}): Logger {
  const fromEnv = process.env.LOG_LEVEL?.toLowerCase();
  const level = opts.level ?? (fromEnv && LEVELS.includes(fromEnv) ? (fromEnv as LevelWithSilent) : 'info');
  return pino(
    {
      level,
      name: opts.name,
      timestamp: pino.stdTimeFunctions.isoTime,
      // The active span's ids beside the correlation id, when tracing is on (an empty object when off).
      mixin: traceLogFields,
      // Bearer keys are the credential of a whole program: they must never reach a log sink.
      redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
    },
    opts.destination,
  );
}

/**
 * Nest's own messages (bootstrap, route mapping, `new Logger(ctx)` in our code) go through this, so
 * one process writes one format. Nest passes the context as the last string argument and, for
 * `error`, a stack string before it; both become fields rather than text.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const rest = [...params];
    const fields: Record<string, unknown> = {};
    if (rest.length > 0 && typeof rest[rest.length - 1] === 'string') fields.context = rest.pop();
    if (level === 'error' || level === 'fatal') {
      const stack = rest.findIndex((p) => typeof p === 'string' && /\n\s+at /.test(p));
      if (stack >= 0) fields.stack = rest.splice(stack, 1)[0];
    }
    if (rest.length > 0) fields.params = rest;

    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (message !== null && typeof message === 'object') {
      this.logger[level]({ ...fields, ...(message as object) });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
