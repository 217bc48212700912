import { randomBytes } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Bus } from '@partner-ledger/bus';
import { conflict, DomainError, notFound } from '@partner-ledger/domain';
import type { EventStore } from '@partner-ledger/event-store';
import type { ReadStore } from '@partner-ledger/read-store';
import type { TopicSelection } from '@partner-ledger/webhooks';
import { EndpointRepository, type WebhookEndpoint } from '../endpoints/endpoint-repository.js';
import { isFinished, type ReplayJob, ReplayJobRepository } from './replay-job-repository.js';
import { programHead, runReplay } from './replay-run.js';
import { recordedSequences, type Sequencer } from '../ordering/sequencer.js';

export interface ReplayRequest {
  from: string | null;
  to: string | null;
  topics: TopicSelection;
}

interface Active {
  job: ReplayJob;
  /** Why it should stop at its next batch: a cancel ends it; a shutdown leaves it to resume. */
  stop: 'cancel' | 'shutdown' | null;
  done: Promise<void>;
}

const inProgress = (job: ReplayJob) => conflict('replay_in_progress', `replay job ${job.id} is already ${job.status} for this endpoint; cancel it or wait for it to finish`);

export interface ReplayJobsOptions {
  batchSize: number;
  logger?: Logger;
  /**
   * This process alone uses the read store (the engine on its SQLite file): at start every
   * unfinished job is its own, left by a shutdown or a crash. Otherwise (API instances sharing
   * MongoDB) a start takes only jobs a shutdown released and jobs not saved for `staleAfterMs`.
   */
  soleInstance: boolean;
  staleAfterMs?: number;
}

/**
 * Replay jobs of this process: each runs in the background, one at a time per endpoint, in batches
 * of `batchSize` events, saving its progress after each. A cancel stops a job at its next batch;
 * `stop()` (shutdown) does the same but leaves the job `queued` with its progress and no owner,
 * and `resume()` (start-up) runs such jobs again after their last saved position.
 */
export class ReplayJobs {
  private readonly jobs: ReplayJobRepository;
  private readonly endpoints: EndpointRepository;
  /** By endpoint id: the one job this process runs for it. */
  private readonly active = new Map<string, Active>();
  private closing = false;
  /** A replayed event goes out with the body it was first numbered with. */
  private readonly sequencer: Sequencer;
  private readonly instance = `rpi_${randomBytes(6).toString('hex')}`;

  constructor(
    private readonly events: EventStore,
    private readonly bus: Bus,
    store: ReadStore,
    private readonly options: ReplayJobsOptions,
  ) {
    this.jobs = new ReplayJobRepository(store);
    this.sequencer = recordedSequences(store);
    this.endpoints = new EndpointRepository(store);
  }

  /** Jobs this process is running now (for the `/metrics` gauge). */
  get running(): number {
    return [...this.active.values()].filter((a) => a.job.status === 'running').length;
  }

  get(programId: string, id: string): Promise<ReplayJob | null> {
    return this.jobs.get(programId, id);
  }

  page(programId: string, after: (string | number | boolean | null)[] | undefined, limit: number): Promise<ReplayJob[]> {
    return this.jobs.page(programId, after, limit);
  }

  /** Queues a job for `endpoint` and starts it in the background; answers it as queued. */
  async submit(endpoint: WebhookEndpoint, request: ReplayRequest): Promise<ReplayJob> {
    if (this.closing) throw shuttingDown();
    const mine = this.active.get(endpoint.id);
    if (mine) throw inProgress(mine.job);
    const now = new Date().toISOString();
    const job: ReplayJob = {
      id: `rpj_${randomBytes(10).toString('hex')}`,
      programId: endpoint.programId,
      endpointId: endpoint.id,
      status: 'queued',
      ...request,
      progress: { eventsScanned: 0, lastPosition: null, headPosition: null, messagesQueued: 0 },
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      error: null,
      owner: this.instance,
      updatedAt: now,
    };
    // Claimed before the first await, so two requests to this process cannot both pass the check.
    const active: Active = { job, stop: null, done: Promise.resolve() };
    this.active.set(endpoint.id, active);
    try {
      const other = await this.jobs.unfinishedOf(endpoint.id);
      if (other) throw inProgress(other);
      await this.jobs.save(job);
    } catch (error) {
      this.active.delete(endpoint.id);
      throw error;
    }
    active.done = this.run(active, endpoint);
    return job;
  }

  /** Stops a queued or running job at its next batch and answers it cancelled. */
  async cancel(programId: string, id: string): Promise<ReplayJob> {
    const job = await this.jobs.get(programId, id);
    if (!job) throw notFound('replay_job_not_found', `replay job ${id} not found`);
    const active = this.active.get(job.endpointId);
    if (active?.job.id === id) {
      active.stop ??= 'cancel';
      await active.done;
      if (active.job.status === 'queued') throw shuttingDown();
      if (active.job.status !== 'cancelled') throw finished(active.job);
      return active.job;
    }
    if (isFinished(job)) throw finished(job);
    // Not running here (another API instance, or left by a crash): the runner sees it before its next batch.
    const now = new Date().toISOString();
    const cancelled: ReplayJob = { ...job, status: 'cancelled', finishedAt: now, updatedAt: now };
    await this.jobs.save(cancelled);
    return cancelled;
  }

  /** Start-up: runs again, after its saved position, every unfinished job no live process owns. */
  async resume(): Promise<void> {
    const staleBefore = Date.now() - (this.options.staleAfterMs ?? 120_000);
    for (const left of await this.jobs.unfinished()) {
      const orphan = this.options.soleInstance || left.owner === null || Date.parse(left.updatedAt) < staleBefore;
      if (!orphan || this.active.has(left.endpointId)) continue;
      // Another instance starting at the same time may see the same orphan: one of us takes it.
      if (!this.options.soleInstance && !(await this.jobs.claim(left, this.instance))) continue;
      const now = new Date().toISOString();
      const endpoint = await this.endpoints.get(left.programId, left.endpointId);
      if (!endpoint) {
        await this.jobs.save({ ...left, status: 'failed', finishedAt: now, error: 'the webhook endpoint was deleted', owner: null, updatedAt: now });
        continue;
      }
      const job: ReplayJob = { ...left, owner: this.instance, updatedAt: now };
      await this.jobs.save(job);
      this.options.logger?.info({ job: job.id, endpoint: job.endpointId, after: job.progress.lastPosition }, 'resuming replay job');
      const active: Active = { job, stop: null, done: Promise.resolve() };
      this.active.set(job.endpointId, active);
      active.done = this.run(active, endpoint);
    }
  }

  /** Shutdown: every job stops at its next batch with its progress saved, left queued to resume. */
  async stop(): Promise<void> {
    this.closing = true;
    for (const active of this.active.values()) active.stop ??= 'shutdown';
    await Promise.all([...this.active.values()].map((a) => a.done));
  }

  private async run(active: Active, endpoint: WebhookEndpoint): Promise<void> {
    // Not inside the request that queued it.
    await nextTurn();
    const save = async (job: ReplayJob) => {
      active.job = { ...job, updatedAt: new Date().toISOString() };
      await this.jobs.save(active.job);
    };
    try {
      let job = active.job;
      const headPosition = job.progress.headPosition ?? (await programHead(this.events, job.programId))?.toString() ?? null;
      await save({ ...job, status: 'running', startedAt: job.startedAt ?? new Date().toISOString(), progress: { ...job.progress, headPosition } });
      job = active.job;
      const reachedHead = await runReplay(this.events, this.bus, endpoint, job, {
        batchSize: this.options.batchSize,
        shouldStop: () => this.shouldStop(active),
        progressed: (progress) => save({ ...active.job, progress }),
        sequencer: this.sequencer,
      });
      if (reachedHead) await save({ ...active.job, status: 'succeeded', finishedAt: new Date().toISOString() });
      else if (active.stop === 'shutdown') await save({ ...active.job, status: 'queued', owner: null });
      else await save({ ...active.job, status: 'cancelled', finishedAt: new Date().toISOString() });
    } catch (error) {
      this.options.logger?.error({ err: error, job: active.job.id }, 'replay job failed');
      await save({ ...active.job, status: 'failed', finishedAt: new Date().toISOString(), error: (error as Error).message }).catch(() => undefined);
    } finally {
      this.active.delete(endpoint.id);
    }
  }

  private async shouldStop(active: Active): Promise<boolean> {
    if (active.stop) return true;
    // A cancel through another API instance is only in the store.
    const stored = await this.jobs.get(active.job.programId, active.job.id);
    if (stored?.status === 'cancelled') active.stop = 'cancel';
    return active.stop !== null;
  }
}

const shuttingDown = () => new DomainError('unavailable', 'shutting_down', 'the server is shutting down; try again once it is back');
const finished = (job: ReplayJob) => conflict('replay_job_finished', `replay job ${job.id} already ${job.status}`);
