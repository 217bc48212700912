import type { AppConfig } from '@partner-ledger/config';

/** What a webhook thread starts with (structured-cloneable: the CIDR list as its text). */
export interface WebhookThreadData {
  config: Omit<AppConfig, 'webhookAllowedCidrs'>;
  allowedCidrs: string;
  logLevel: string;
  logName: string | undefined;
  /** The SQLite write lock the threads of this process take turns on (config's write-lock.ts). */
  writeLock: SharedArrayBuffer;
  /** 1-based, in its log lines and in /health. */
  thread: number;
  /** Whether it runs the publisher (the first thread) beside its delivery worker. */
  publisher: boolean;
  /** Whether it runs the projections too (the first thread, with PROJECTOR_THREAD=webhooks). */
  projector: boolean;
}

export type ToThread =
  /** Start the roles (the thread has loaded its modules and opened its stores, then waits for this). */
  { type: 'start' } | { type: 'stop' } | { type: 'health'; id: number };

export type FromThread =
  /** Modules loaded and stores open: waiting for `start`. */
  | { type: 'loaded' }
  /** Roles started. */
  | { type: 'ready' }
  /** One serialized pino line, written by the main thread to the engine's log destination. */
  | { type: 'log'; line: string }
  /** The answer to a health request: what is wrong, or null. */
  | { type: 'health'; id: number; problem: string | null }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };
