import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { pino, type Logger } from 'pino';
import { type AppConfig, shareSignalsWithThreads, writeLockMemory } from '@partner-ledger/config';
import { webhookThreadName } from './thread-name.js';
import type { FromThread, ToThread, WebhookThreadData } from './webhook-thread.protocol.js';

/** The compiled entry beside this file (dist/libs/webhook-threads/src/); TypeScript sources have none. */
const ENTRY = new URL('./webhook-thread.entry.js', import.meta.url);
/** How long a thread may take to start, and to finish its attempts in flight when stopped. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;
/** How long a thread may take to answer a health request. */
const HEALTH_TIMEOUT_MS = 2_000;
/** Wait before starting again a thread that died. */
const RESPAWN_DELAY_MS = 1_000;
/** Log lines and errors kept while no logger is attached (a thread logs a few lines as it starts). */
const MAX_PENDING_LOGS = 1_000;

interface Slot {
  worker: Worker | null;
  /** Its modules loaded and stores open, waiting for `start`. */
  loaded: boolean;
  /** Why it is down, while it is. */
  down: string | null;
}

/** What the threads log through, once the app has its logger. */
type LogEntry = (logger: Logger, destination: { write(line: string): void }) => void;

/**
 * The engine's webhook roles in WEBHOOK_THREADS worker threads: the first runs the publisher and a
 * delivery worker, each other one a delivery worker. Mapping events to webhooks, signing, POSTing
 * and recording them then run on other cores than the thread answering commands and running the
 * projector. Each thread opens stores of its own (webhook-thread.entry.ts); appends, the queue's
 * publishes and endpoint changes reach it at once through thread signals (config's
 * thread-signal.ts), and its SQLite writes take turns with the other threads' on one lock
 * (config's write-lock.ts). A thread that dies is started again after a second, and /health fails
 * meanwhile; the engine stops them before it closes its own stores.
 *
 * This file loads nothing but the configuration and pino, so that the engine's main can start the
 * threads before it loads the rest of the engine: a thread then loads its own modules and opens its
 * stores on the other core while the main thread loads the app's, instead of after them (the
 * engine answered /health about a second later when the threads started from the Nest module), and
 * starts its roles when the app asks (`ready()`, from the role's onModuleInit). Until the app
 * attaches its logger (`attachLogger`), what the threads log waits here.
 */
export class WebhookThreads {
  private readonly slots: Slot[];
  private stopping = false;
  private nextHealthId = 0;
  private readonly started: Promise<void>;
  private logger: Logger | null = null;
  private pending: LogEntry[] = [];
  private dropped = 0;
  /** Whether the app asked for the roles to run (`ready()`); a thread started again after that starts them at once. */
  private go = false;

  /** Starts the threads at once; `logName` is the name the app's log lines carry. */
  constructor(
    private readonly config: AppConfig,
    private readonly logName: string | undefined,
  ) {
    this.slots = Array.from({ length: config.webhookThreads }, () => ({ worker: null, loaded: false, down: 'starting' }));
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
    // Awaited, and its error thrown, by `ready()`; not an unhandled rejection meanwhile.
    this.started.catch(() => undefined);
  }

  /** Where the threads' log lines and their errors go from now on, those kept so far first. */
  attachLogger(logger: Logger): void {
    this.logger = logger;
    const pending = this.pending;
    this.pending = [];
    for (const entry of pending) this.log(entry);
    if (this.dropped) logger.warn({ dropped: this.dropped }, 'webhook threads logged more lines before the app had its logger than were kept');
  }

  /**
   * Starts the threads' roles (each thread loads its modules and opens its stores at once, then
   * waits for this: the app calls it once its own modules have loaded, so that a publisher
   * catching up a long backlog does not take the core the app loads on). Resolves once every
   * thread runs its roles; throws why one did not.
   */
  ready(): Promise<void> {
    this.go = true;
    for (const slot of this.slots) if (slot.loaded && slot.worker) slot.worker.postMessage({ type: 'start' } satisfies ToThread);
    return this.started;
  }

  /** Lets each thread finish what it has in flight and close its stores (the app's stores close after). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.slots.map((slot) => this.stopSlot(slot)));
    this.log((logger) => logger.info({ threads: this.slots.length }, 'webhook threads stopped'));
  }

  /** What is wrong with each thread (empty when all run and answer): asks each one. */
  async problems(): Promise<string[]> {
    const problems = await Promise.all(this.slots.map((slot, i) => this.problemOf(slot).then((p) => (p ? `thread ${i + 1}: ${p}` : null))));
    return problems.filter((p) => p !== null);
  }

  get count(): number {
    return this.slots.length;
  }

  private log(entry: LogEntry): void {
    const logger = this.logger;
    if (logger) {
      // Lines the thread logged, written where the app's lines go (stdout, or a test's sink).
      entry(logger, (logger as unknown as Record<symbol, { write(line: string): void }>)[pino.symbols.streamSym]);
    } else if (this.pending.length < MAX_PENDING_LOGS) this.pending.push(entry);
    else this.dropped++;
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
      logLevel: this.config.logLevel,
      logName: this.logName,
      writeLock: writeLockMemory(),
      thread: index + 1,
      publisher: index === 0,
      projector: index === 0 && config.projectorThread === 'webhooks',
    };
    const worker = new Worker(ENTRY, { workerData: data, name: webhookThreadName(index + 1) });
    const slot = this.slots[index];
    slot.worker = worker;
    slot.loaded = false;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        if (ready) return;
        reject(new Error(`webhook thread ${index + 1} did not start within ${START_TIMEOUT_MS / 1000} s`));
        void worker.terminate();
      }, START_TIMEOUT_MS);
      worker.on('message', (message: FromThread) => {
        if (message.type === 'log') this.log((_, destination) => destination.write(message.line));
        else if (message.type === 'loaded') {
          slot.loaded = true;
          if (this.go) worker.postMessage({ type: 'start' } satisfies ToThread);
        } else if (message.type === 'ready') {
          ready = true;
          slot.down = null;
          clearTimeout(timer);
          resolve();
        } else if (message.type === 'failed') {
          slot.down = message.message.split('\n')[0];
          this.log((logger) => logger.error({ thread: index + 1, err: { message: message.message } }, 'webhook thread failed'));
          if (!ready) {
            clearTimeout(timer);
            reject(new Error(`webhook thread ${index + 1} failed to start: ${message.message}`));
          }
        }
      });
      worker.on('error', (error) => {
        slot.down = error.message;
        this.log((logger) => logger.error({ thread: index + 1, err: error }, 'webhook thread crashed'));
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
        this.log((logger) => logger.error({ thread: index + 1, code }, `webhook thread exited; starting it again in ${RESPAWN_DELAY_MS / 1000} s`));
        setTimeout(() => {
          if (!this.stopping) this.start(index).catch((error: Error) => this.log((logger) => logger.error({ thread: index + 1, err: error }, 'webhook thread did not start again')));
        }, RESPAWN_DELAY_MS).unref();
      });
    });
  }

  private async stopSlot(slot: Slot): Promise<void> {
    const worker = slot.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' } satisfies ToThread);
    const timer = setTimeout(() => {
      this.log((logger) => logger.warn(`a webhook thread did not stop within ${STOP_TIMEOUT_MS / 1000} s; terminating it (its claims go back to the queue when they expire)`));
      void worker.terminate();
    }, STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}
