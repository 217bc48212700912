import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Bus } from '@partner-ledger/bus';
import { programStreamPrefixes } from '@partner-ledger/domain';
import type { AllFilter, EventStore, RecordedEvent } from '@partner-ledger/event-store';
import { subscribesTo } from '@partner-ledger/webhooks';
import { publishLoop } from '../delivery/publish-loop.js';
import type { Sequencer } from '../ordering/sequencer.js';
import type { WebhookEndpoint } from '../endpoints/endpoint-repository.js';
import type { ReplayJob, ReplayProgress } from './replay-job-repository.js';

export interface ReplayRunOptions {
  batchSize: number;
  /** Asked before each batch: true ends the run there (a cancel or a shutdown). */
  shouldStop(): Promise<boolean>;
  /** Called once each batch past the resume point is durable on the bus, with the progress to save. */
  progressed(progress: ReplayProgress): Promise<void>;
  /** The bodies as first numbered for the endpoint (`recordedSequences`); default: without `sequence`. */
  sequencer?: Sequencer;
}

/** The position of the program's newest event, where a replay started now ends. */
export async function programHead(events: EventStore, programId: string): Promise<bigint | null> {
  const [last] = await events.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1, filter: { streamPrefixes: programStreamPrefixes(programId) } });
  return last?.position ?? null;
}

/**
 * Runs (or resumes) one replay job: queues for its endpoint every event of the program up to the
 * job's head position whose topic and creation time the job selects, in the payloads they had
 * then. The publisher view is folded from the program's first event, but only the program's
 * streams are read (a `$all` filter both adapters support), so memory is bounded by one program,
 * not the log. A resumed job folds again from the start and sends only what follows
 * `lastPosition`. Answers whether it reached the head (false: stopped before).
 */
export async function runReplay(events: EventStore, bus: Bus, endpoint: WebhookEndpoint, job: ReplayJob, options: ReplayRunOptions): Promise<boolean> {
  const { from, to, topics } = job;
  const after = job.progress.lastPosition === null ? null : BigInt(job.progress.lastPosition);
  const head = job.progress.headPosition === null ? null : BigInt(job.progress.headPosition);
  let progress = job.progress;
  let scanned = 0;
  let reachedHead = head === null;
  const pages = async function* (): AsyncGenerator<RecordedEvent[]> {
    if (head === null) return;
    const filter: AllFilter = { streamPrefixes: programStreamPrefixes(job.programId) };
    let position: bigint | 'start' = 'start';
    for (;;) {
      if (await options.shouldStop()) return;
      const page = await events.readAll({ fromPosition: position, maxCount: options.batchSize, filter });
      const kept = page.filter((e) => e.position <= head);
      scanned += kept.filter((e) => after === null || e.position > after).length;
      if (kept.length) yield kept;
      if (page.length < options.batchSize || kept.length < page.length) {
        reachedHead = true;
        return;
      }
      position = page[page.length - 1].position + 1n;
      // Between batches, requests and other jobs get their turn.
      await nextTurn();
    }
  };
  await publishLoop(pages(), {
    bus,
    after,
    sequencer: options.sequencer,
    recipients: async (event, payload) => {
      if ((event.data as { programId?: string }).programId !== endpoint.programId) return [];
      const created = event.created.toISOString();
      if ((from && created < from) || (to && created >= to)) return [];
      return subscribesTo(topics, payload.topic) && subscribesTo(endpoint.topics, payload.topic) ? [endpoint] : [];
    },
    published: async (position, queued) => {
      progress = { ...progress, eventsScanned: progress.eventsScanned + scanned, lastPosition: String(position), messagesQueued: progress.messagesQueued + queued };
      scanned = 0;
      await options.progressed(progress);
    },
  });
  return reachedHead;
}
