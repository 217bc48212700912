import { Injectable } from '@nestjs/common';
import type { StoredDoc } from '@partner-ledger/read-store';
import type { FastifyReply } from 'fastify';
import { etagOf } from '../shared/etag.js';
import { StreamRunner } from '../shared/stream-runner.js';

/**
 * ETags of entity reads. The read models trail the log, so the ETag is not the stream's latest
 * revision but the revision the document reflects: a document records the global position of the
 * last event folded into it (`pos`), and the entity's ETag is the revision of the last event of its
 * stream at or before that position. An If-Match built from it can only fail on a stale read, never
 * pass one.
 */
@Injectable()
export class EntityEtags {
  constructor(private readonly runner: StreamRunner) {}

  async set(reply: FastifyReply, streamName: string, doc: StoredDoc): Promise<void> {
    const revision = await this.runner.revisionAt(streamName, BigInt(doc.pos));
    if (revision !== null) void reply.header('etag', etagOf(revision));
  }
}
