import { type DynamicModule, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { pino, type Logger } from 'pino';
import { type AppConfig, shareSignalsWithThreads, writeLockMemory } from '@partner-ledger/config';
import type { HealthIndicator } from '@partner-ledger/platform';
import type { Composition } from './composition.js';
import type { FromThread, ToThread, WebhookThreadData } from './webhook-thread.protocol.js';

/** The compiled entry beside this module (dist/libs/roles/src/); TypeScript sources have none. */
const ENTRY = new URL('./webhook-thread.entry.js', import.meta.url);
/** How long a thread may take to start, and to finish its attempts in flight when stopped. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;
/** How long a thread may take to answer a health request. */
const HEALTH_TIMEOUT_MS = 2_000;
/** Wait before starting again a thread that died. */
const RESPAWN_DELAY_MS = 1_000;

export const WEBHOOK_THREADS_HEALTH = Symbol('WEBHOOK_THREADS_HEALTH');

interface Slot {
  worker: Worker | null;
  /** Why it is down, while it is. */
  down: string | null;
}

/**
 * The engine's webhook roles in WEBHOOK_THREADS worker threads: the first runs the publisher and a
 * delivery worker, each other one a delivery worker. Mapping events to webhooks, signing, POSTing
 * and recording them then run on other cores than the thread answering commands and running the
 * projector. Each thread opens stores of its own (webhook-thread.entry.ts); appends, the queue's
 * publishes and endpoint changes reach it at once through thread signals (config's
 * thread-signal.ts), and its SQLite writes take turns with the other threads' on one lock
 * (config's write-lock.ts). A thread that dies is started again after a second, and /health fails
 * meanwhile; the engine stops them before it closes its own stores.
 */
export class WebhookThreads implements OnModuleInit, OnApplicationShutdown {
  private readonly slots: Slot[];
  private stopping = false;
  private nextHealthId = 0;
  private readonly started: Promise<void>;

  /**
   * Starts the threads at once (WebhookThreadsModule.forRoot creates this before Nest builds the
   * app), so a thread loads its modules on another core while this one builds the app. The main
   * thread has loaded its own modules (≈ 2 s) by then, so the overlap is only Nest's build (≈ 0.5 s);
   * starting the threads before those modules load is what would take the rest off start-up.
   */
  constructor(
    private readonly config: AppConfig,
    private readonly logger: Logger,
  ) {
    this.slots = Array.from({ length: config.webhookThreads }, () => ({ worker: null, down: 'starting' }));
    if (!existsSync(fileURLToPath(ENTRY))) {
      this.started = Promise.reject(
        new Error(
          `WEBHOOK_THREADS=${config.webhookThreads} needs the compiled engine (npm run build: ${fileURLToPath(ENTRY)} is missing); WEBHOOK_THREADS=0 runs the webhook roles on the main thread`,
        ),
      );
    } else {
      shareSignalsWithThreads();
      this.started = Promise.all(this.slots.map((_, i) => this.start(i))).then(() => undefined);
    }
    // Awaited, and its error thrown, by onModuleInit; not an unhandled rejection meanwhile.
    this.started.catch(() => undefined);
  }

  async onModuleInit(): Promise<void> {
    await this.started;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.slots.map((slot) => this.stop(slot)));
    this.logger.info({ threads: this.slots.length }, 'webhook threads stopped');
  }

  indicator(): HealthIndicator {
    return {
      name: 'webhook-threads',
      check: async () => {
        const problems = await Promise.all(this.slots.map((slot, i) => this.problemOf(slot).then((p) => (p ? `thread ${i + 1}: ${p}` : null))));
        const down = problems.filter((p) => p !== null);
        if (down.length) throw new Error(down.join('; '));
        return `${this.slots.length} running`;
      },
    };
  }

  private problemOf(slot: Slot): Promise<string | null> {
    const worker = slot.worker;
    if (slot.down || !worker) return Promise.resolve(slot.down ?? 'not running');
    const id = ++this.nextHealthId;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        worker.off('message', answer);
        resolve(`no answer within ${HEALTH_TIMEOUT_MS / 1000} s`);
      }, HEALTH_TIMEOUT_MS);
      const answer = (message: FromThread) => {
        if (message.type !== 'health' || message.id !== id) return;
        clearTimeout(timer);
        worker.off('message', answer);
        resolve(message.problem);
      };
      worker.on('message', answer);
      worker.postMessage({ type: 'health', id } satisfies ToThread);
    });
  }

  private start(index: number): Promise<void> {
    const { webhookAllowedCidrs, ...config } = this.config;
    const data: WebhookThreadData = {
      config,
      allowedCidrs: webhookAllowedCidrs.cidrs.join(','),
      logLevel: this.logger.level,
      logName: (this.logger.bindings() as { name?: string }).name,
      writeLock: writeLockMemory(),
      thread: index + 1,
      publisher: index === 0,
    };
    const worker = new Worker(ENTRY, { workerData: data, name: `webhooks-${index + 1}` });
    const slot = this.slots[index];
    slot.worker = worker;
    // Lines the thread logged, written where this thread's lines go (stdout, or a test's sink).
    const destination = (this.logger as unknown as Record<symbol, { write(line: string): void }>)[pino.symbols.streamSym];
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        if (ready) return;
        reject(new Error(`webhook thread ${index + 1} did not start within ${START_TIMEOUT_MS / 1000} s`));
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
          this.logger.error({ thread: index + 1, err: { message: message.message } }, 'webhook thread failed');
          if (!ready) {
            clearTimeout(timer);
            reject(new Error(`webhook thread ${index + 1} failed to start: ${message.message}`));
          }
        }
      });
      worker.on('error', (error) => {
        slot.down = error.message;
        this.logger.error({ thread: index + 1, err: error }, 'webhook thread crashed');
      });
      worker.on('exit', (code) => {
        slot.worker = null;
        if (this.stopping) return;
        slot.down ??= `exited with code ${code}`;
        clearTimeout(timer);
        if (!ready) {
          reject(new Error(`webhook thread ${index + 1} exited before it was ready (code ${code}): ${slot.down}`));
          return;
        }
        this.logger.error({ thread: index + 1, code }, `webhook thread exited; starting it again in ${RESPAWN_DELAY_MS / 1000} s`);
        setTimeout(() => {
          if (!this.stopping) this.start(index).catch((error: Error) => this.logger.error({ thread: index + 1, err: error }, 'webhook thread did not start again'));
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
      this.logger.warn(`a webhook thread did not stop within ${STOP_TIMEOUT_MS / 1000} s; terminating it (its claims go back to the queue when they expire)`);
      void worker.terminate();
    }, STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * The publisher and delivery worker roles of the engine, in WEBHOOK_THREADS worker threads (see
 * WebhookThreads). They open no store on the main thread.
 */
@Module({})
export class WebhookThreadsModule {
  static forRoot(app: Composition): DynamicModule {
    const { config, logger } = app;
    const module: DynamicModule = {
      module: WebhookThreadsModule,
      providers: [
        { provide: WebhookThreads, useValue: new WebhookThreads(config, logger) },
        { provide: WEBHOOK_THREADS_HEALTH, inject: [WebhookThreads], useFactory: (threads: WebhookThreads) => threads.indicator() },
      ],
      exports: [WEBHOOK_THREADS_HEALTH],
    };
    app.addRole('publisher');
    app.addRole('delivery-worker', { module, token: WEBHOOK_THREADS_HEALTH });
    return module;
  }
}
