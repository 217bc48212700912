import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@partner-ledger/platform';
import { ReplayJobs } from '@partner-ledger/webhook-runtime';

/**
 * Replay jobs belong to the API role: started jobs a previous process left unfinished resume once
 * the app is up, and a shutdown stops the running ones at their next batch with their progress
 * saved. The API module imports the stores, so Nest runs this before it closes them.
 */
@Injectable()
export class ReplayJobsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly jobs: ReplayJobs,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    new Gauge({
      name: 'webhook_replay_jobs_running',
      help: 'Webhook replay jobs this process is running',
      registers: [registry],
      collect() {
        this.set(jobs.running);
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.resume();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.jobs.stop();
  }
}
