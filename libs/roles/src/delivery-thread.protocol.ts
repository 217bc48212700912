import type { AppConfig } from '@partner-ledger/config';

/** What a delivery thread starts with (structured-cloneable: the CIDR list as its text). */
export interface DeliveryThreadData {
  config: Omit<AppConfig, 'webhookAllowedCidrs'>;
  allowedCidrs: string;
  logLevel: string;
  logName: string | undefined;
  /** 1-based, in its log lines and in /health. */
  thread: number;
}

export type ToThread = { type: 'stop' };

export type FromThread =
  | { type: 'ready' }
  /** One serialized pino line, written by the main thread to the engine's log destination. */
  | { type: 'log'; line: string }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };
