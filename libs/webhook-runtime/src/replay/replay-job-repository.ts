import { DURABLE, type ReadStore, type Scalar, type StoredDoc } from '@partner-ledger/read-store';
import type { TopicSelection } from '@partner-ledger/webhooks';
import { CONFIG_NAMESPACE } from '../endpoints/endpoint-repository.js';

export const REPLAY_JOBS = 'webhook_replay_jobs';
/** One document per claim of a left job (see `claim`): tiny, one per resume, never read back. */
export const REPLAY_JOB_CLAIMS = 'webhook_replay_job_claims';

export type ReplayJobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface ReplayProgress {
  /** Events of the program read and folded since the job started (a resumed job counts on). */
  eventsScanned: number;
  /** Position of the last event whose messages are durable on the bus; a resume starts after it. */
  lastPosition: string | null;
  /** The program's last event when the job first ran: the replay ends there (later ones the publisher sends). */
  headPosition: string | null;
  messagesQueued: number;
}

export interface ReplayJob {
  id: string;
  programId: string;
  endpointId: string;
  status: ReplayJobStatus;
  /** ISO times: events created in [from, to); null = unbounded. */
  from: string | null;
  to: string | null;
  /** The topics sent, within those the endpoint subscribes to. */
  topics: TopicSelection;
  progress: ReplayProgress;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  /** The process running it (or that queued it); null once a shutdown has released it for the next start. */
  owner: string | null;
  /** Last save: a running job saves after every batch, so an old one tells a crashed owner. */
  updatedAt: string;
}

export const UNFINISHED: readonly ReplayJobStatus[] = ['queued', 'running'];
export const isFinished = (job: ReplayJob) => !UNFINISHED.includes(job.status);

const fromDoc = ({ _id: _i, pos: _p, ...rest }: StoredDoc) => rest as unknown as ReplayJob;

/** Replay jobs and their progress, in the read store's config namespace (no rebuild touches it). */
export class ReplayJobRepository {
  constructor(private readonly store: ReadStore) {}

  async get(programId: string, id: string): Promise<ReplayJob | null> {
    const doc = await this.store.get(CONFIG_NAMESPACE, REPLAY_JOBS, id);
    const job = doc ? fromDoc(doc) : null;
    return job && job.programId === programId ? job : null;
  }

  async save(job: ReplayJob): Promise<void> {
    await this.store.put(CONFIG_NAMESPACE, REPLAY_JOBS, { _id: job.id, pos: 0, ...job }, DURABLE);
  }

  /**
   * Takes a job left by a shutdown or a crash, for `owner`, exactly once among every process that
   * saw it in the same state: the claim is a document named by the job and the time of its last
   * save, created only if it does not exist yet (the store's compare-and-set), so of two API
   * instances resuming the same orphan at once one wins and the other leaves it. A later save
   * changes `updatedAt`, so the job can be claimed again should it be left again.
   */
  claim(job: ReplayJob, owner: string): Promise<boolean> {
    return this.store.replaceIf(CONFIG_NAMESPACE, REPLAY_JOB_CLAIMS, { _id: `${job.id}@${job.updatedAt}`, pos: 0, jobId: job.id, owner, claimedAt: new Date().toISOString() }, null);
  }

  /** A program's jobs, newest first. */
  async page(programId: string, after: Scalar[] | undefined, limit: number): Promise<ReplayJob[]> {
    const docs = await this.store.find(CONFIG_NAMESPACE, REPLAY_JOBS, { where: { programId }, orderBy: [{ field: 'createdAt', direction: 'desc' }], after, limit });
    return docs.map(fromDoc);
  }

  /** The endpoint's queued or running job, if any. */
  async unfinishedOf(endpointId: string): Promise<ReplayJob | null> {
    for (const status of UNFINISHED) {
      const [doc] = await this.store.find(CONFIG_NAMESPACE, REPLAY_JOBS, { where: { endpointId, status }, orderBy: [], limit: 1 });
      if (doc) return fromDoc(doc);
    }
    return null;
  }

  /** Every queued or running job, oldest first: what a start resumes. */
  async unfinished(): Promise<ReplayJob[]> {
    const jobs: ReplayJob[] = [];
    for (const status of UNFINISHED) {
      const docs = await this.store.find(CONFIG_NAMESPACE, REPLAY_JOBS, { where: { status }, orderBy: [{ field: 'createdAt', direction: 'asc' }], limit: 10_000 });
      jobs.push(...docs.map(fromDoc));
    }
    return jobs.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }
}
