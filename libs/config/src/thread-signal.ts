import { EventEmitter } from 'node:events';
import { BroadcastChannel, isMainThread } from 'node:worker_threads';

/*
 * Lives in config, the one lib below all of its users (the SQLite event store's and bus's
 * wake-ups, the endpoint caches' invalidations), though it configures nothing.
 */

/**
 * A named signal for every thread of this process: `emit` calls this thread's listeners at once
 * (synchronously, as an EventEmitter does) and posts to the other threads, whose listeners run as
 * soon as their event loop turns. The engine runs its publisher and delivery worker in a worker
 * thread (WEBHOOK_THREADS), so an append, a publish or an endpoint change made on the main thread must reach it
 * there too. Other OS processes are not reached: they poll.
 */
export interface ThreadSignal {
  emit(payload: string): void;
  /** Answers the unsubscribe. */
  on(listener: (payload: string) => void): () => void;
}

const signals = new Map<string, ThreadSignal>();
/**
 * Whether there are other threads to tell: always in a worker thread; on the main thread once it
 * starts one (shareSignalsWithThreads). A process without threads posts nothing, so an append
 * there costs no message.
 */
let shared = !isMainThread;

/** Called by whoever starts worker threads, before starting them. */
export function shareSignalsWithThreads(): void {
  shared = true;
}

export function threadSignal(name: string): ThreadSignal {
  let signal = signals.get(name);
  if (!signal) {
    signal = createSignal(`partner-ledger:${name}`);
    signals.set(name, signal);
  }
  return signal;
}

function createSignal(channelName: string): ThreadSignal {
  const local = new EventEmitter();
  local.setMaxListeners(0);
  // One channel per thread and name: a channel never hears its own posts, so this thread's
  // listeners are called once, by `local`, and every other thread's once, by its channel.
  let channel: BroadcastChannel | null = null;
  const open = (): BroadcastChannel => {
    if (!channel) {
      channel = new BroadcastChannel(channelName);
      channel.onmessage = (message) => local.emit('signal', (message as { data: string }).data);
      // A channel must not keep a process (or a test) alive on its own.
      channel.unref();
    }
    return channel;
  };
  return {
    emit(payload) {
      local.emit('signal', payload);
      if (shared) open().postMessage(payload);
    },
    on(listener) {
      open();
      local.on('signal', listener);
      return () => local.off('signal', listener);
    },
  };
}
