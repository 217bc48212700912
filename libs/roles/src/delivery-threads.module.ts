import { type DynamicModule, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { pino, type Logger } from 'pino';
import type { AppConfig } from '@partner-ledger/config';
import type { HealthIndicator } from '@partner-ledger/platform';
import type { Composition } from './composition.js';
import type { DeliveryThreadData, FromThread, ToThread } from './delivery-thread.protocol.js';

/** The compiled entry beside this module (dist/libs/roles/src/); TypeScript sources have none. */
const ENTRY = new URL('./delivery-thread.entry.js', import.meta.url);
/** How long a thread may take to start, and to finish its attempts in flight when stopped. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;
/** Wait before starting again a thread that died. */
const RESPAWN_DELAY_MS = 1_000;

export const DELIVERY_THREADS_HEALTH = Symbol('DELIVERY_THREADS_HEALTH');

interface Slot {
  worker: Worker | null;
  /** Why it is down, while it is. */
  down: string | null;
}

/**
 * The engine's delivery worker in DELIVERY_THREADS worker threads, so signing, POSTing and
 * recording deliveries run on other cores than the thread answering commands and running the
 * projector and the publisher. Each thread opens stores of its own (delivery-thread.entry.ts);
 * publishes and endpoint changes reach it at once through thread signals (config's
 * thread-signal.ts). A thread that dies is started again after a second, and /health fails
 * meanwhile; the engine stops them before it closes its own stores.
 */
export class DeliveryThreads implements OnModuleInit, OnApplicationShutdown {
  private readonly slots: Slot[];
  private stopping = false;

  constructor(
    private readonly config: AppConfig,
    private readonly logger: Logger,
  ) {
    this.slots = Array.from({ length: config.deliveryThreads }, () => ({ worker: null, down: 'starting' }));
  }

  async onModuleInit(): Promise<void> {
    if (!existsSync(fileURLToPath(ENTRY))) {
      throw new Error(
        `DELIVERY_THREADS=${this.config.deliveryThreads} needs the compiled engine (npm run build: ${fileURLToPath(ENTRY)} is missing); DELIVERY_THREADS=0 delivers on the main thread`,
      );
    }
    await Promise.all(this.slots.map((_, i) => this.start(i)));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.slots.map((slot) => this.stop(slot)));
    this.logger.info({ threads: this.slots.length }, 'delivery threads stopped');
  }

  indicator(): HealthIndicator {
    return {
      name: 'delivery-threads',
      check: async () => {
        const down = this.slots.map((s, i) => (s.down ? `thread ${i + 1}: ${s.down}` : null)).filter((d) => d !== null);
        if (down.length) throw new Error(down.join('; '));
        return `${this.slots.length} running`;
      },
    };
  }

  private start(index: number): Promise<void> {
    const { webhookAllowedCidrs, ...config } = this.config;
    const data: DeliveryThreadData = {
      config,
      allowedCidrs: webhookAllowedCidrs.cidrs.join(','),
      logLevel: this.logger.level,
      logName: (this.logger.bindings() as { name?: string }).name,
      thread: index + 1,
    };
    const worker = new Worker(ENTRY, { workerData: data, name: `delivery-${index + 1}` });
    const slot = this.slots[index];
    slot.worker = worker;
    // Lines the thread logged, written where this thread's lines go (stdout, or a test's sink).
    const destination = (this.logger as unknown as Record<symbol, { write(line: string): void }>)[pino.symbols.streamSym];
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        if (ready) return;
        reject(new Error(`delivery thread ${index + 1} did not start within ${START_TIMEOUT_MS / 1000} s`));
        void worker.terminate();
      }, START_TIMEOUT_MS);
      worker.on('message', (message: FromThread) => {
        if (message.type === 'log') destination.write(message.line);
        else if (message.type === 'ready') {
          ready = true;
          slot.down = null;
          clearTimeout(timer);
          resolve();
        } else if (message.type === 'failed') {
          slot.down = message.message.split('\n')[0];
          this.logger.error({ thread: index + 1, err: { message: message.message } }, 'delivery thread failed');
          if (!ready) {
            clearTimeout(timer);
            reject(new Error(`delivery thread ${index + 1} failed to start: ${message.message}`));
          }
        }
      });
      worker.on('error', (error) => {
        slot.down = error.message;
        this.logger.error({ thread: index + 1, err: error }, 'delivery thread crashed');
      });
      worker.on('exit', (code) => {
        slot.worker = null;
        if (this.stopping) return;
        slot.down ??= `exited with code ${code}`;
        clearTimeout(timer);
        if (!ready) {
          reject(new Error(`delivery thread ${index + 1} exited before it was ready (code ${code}): ${slot.down}`));
          return;
        }
        this.logger.error({ thread: index + 1, code }, `delivery thread exited; starting it again in ${RESPAWN_DELAY_MS / 1000} s`);
        setTimeout(() => {
          if (!this.stopping) this.start(index).catch((error: Error) => this.logger.error({ thread: index + 1, err: error }, 'delivery thread did not start again'));
        }, RESPAWN_DELAY_MS).unref();
      });
    });
  }

  private async stop(slot: Slot): Promise<void> {
    const worker = slot.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' } satisfies ToThread);
    const timer = setTimeout(() => {
      this.logger.warn(`a delivery thread did not stop within ${STOP_TIMEOUT_MS / 1000} s; terminating it (its claims go back to the queue when they expire)`);
      void worker.terminate();
    }, STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * The delivery worker role of the engine, in DELIVERY_THREADS worker threads (see DeliveryThreads).
 * It opens no store on the main thread.
 */
@Module({})
export class DeliveryThreadsModule {
  static forRoot(app: Composition): DynamicModule {
    const { config, logger } = app;
    const module: DynamicModule = {
      module: DeliveryThreadsModule,
      providers: [
        { provide: DeliveryThreads, useFactory: () => new DeliveryThreads(config, logger) },
        { provide: DELIVERY_THREADS_HEALTH, inject: [DeliveryThreads], useFactory: (threads: DeliveryThreads) => threads.indicator() },
      ],
      exports: [DELIVERY_THREADS_HEALTH],
    };
    app.addRole('delivery-worker', { module, token: DELIVERY_THREADS_HEALTH });
    return module;
  }
}
