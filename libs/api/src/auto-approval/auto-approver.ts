import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Logger } from 'pino';
import { AUTO_AFTER_HOLD_RULE, AUTO_APPROVAL_ACTOR, DomainError } from '@partner-ledger/domain';
import { CLOCK, type Clock } from '@partner-ledger/platform';
import { APPROVAL_DUE, type ReadSide } from '@partner-ledger/projections';
import type { Query, Scalar, StoredDoc } from '@partner-ledger/read-store';
import type { CommandContext } from '../shared/command-context.js';
import type { DecidedConversion } from '../shared/conversions.js';
import { READ_SIDE } from '../shared/tokens.js';
import { ApproveConversionCommand } from '../use-cases/approve-conversion/approve-conversion.command.js';

export const AUTO_APPROVER_OPTIONS = Symbol('AUTO_APPROVER_OPTIONS');

export interface AutoApproverOptions {
  /** Due documents read (and approved) at a time; a look goes on page by page until none is left. */
  batchSize: number;
  logger?: Logger;
}

/** What one look did. */
export interface AutoApprovalRun {
  /** Conversions this look approved (each one ConversionApproved appended). */
  approved: number;
  /** Due documents whose approval was refused or found done (already decided, refunded, projection behind): nothing appended. */
  skipped: number;
}

/**
 * The engine's approvals by the AUTO_AFTER_HOLD rule. Each look reads the `approval_due` read model
 * (conversions sold under the rule, not flagged, not decided) for documents due by the clock, in
 * batches, and approves each through the CommandBus, the same path as
 * `POST …/conversions/:id/approve`, as the actor `{type: ENGINE, rule: AUTO_AFTER_HOLD}`. The read
 * model only says where to look: the decider re-checks the conversion's stream (pending, not
 * flagged, not reopened by a person, hold passed at the clock's now, not fully refunded) and the
 * append's expected revision makes a second approval impossible, whoever races (another instance,
 * a person). So a refusal or a no-op is expected (the read model trails the log) and is only
 * counted; any other error ends the look and is the caller's to report.
 */
@Injectable()
export class AutoApprover {
  /** Approvals made since start, for the metrics. */
  approvedTotal = 0;

  constructor(
    private readonly commands: CommandBus,
    @Inject(READ_SIDE) private readonly readSide: ReadSide,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(AUTO_APPROVER_OPTIONS) private readonly options: AutoApproverOptions,
  ) {}

  /** Due by the clock's now, in due order, one page (the backlog gauge counts these). */
  dueNow(limit: number): Promise<StoredDoc[]> {
    return this.due(this.clock.now(), limit);
  }

  /** Due documents by `now`, in due order, one page. */
  async due(now: Date, limit: number, after?: Scalar[]): Promise<StoredDoc[]> {
    const namespace = await this.readSide.activeNamespace();
    // `lt` one millisecond later: due at or before now.
    const query: Query = {
      where: { status: 'DUE' },
      range: { field: 'dueAt', lt: new Date(now.getTime() + 1).toISOString() },
      orderBy: [{ field: 'dueAt', direction: 'asc' }],
      limit,
      ...(after ? { after } : {}),
    };
    return this.readSide.store.find(namespace, APPROVAL_DUE, query);
  }

  /** One look: every conversion due by the clock's now, page by page. `shouldStop` ends it between approvals. */
  async run(shouldStop: () => boolean = () => false): Promise<AutoApprovalRun> {
    const now = this.clock.now();
    const result: AutoApprovalRun = { approved: 0, skipped: 0 };
    let after: Scalar[] | undefined;
    for (;;) {
      const page = await this.due(now, this.options.batchSize, after);
      for (const doc of page) {
        if (shouldStop()) return result;
        if (await this.approve(doc)) result.approved += 1;
        else result.skipped += 1;
      }
      // Only an empty page ends the look: a short one may be short because another instance's
      // approvals left the due set while this look paged, and due documents may follow it.
      if (page.length === 0) break;
      const last = page[page.length - 1];
      after = [last.dueAt as string, last._id];
    }
    if (result.approved || result.skipped) this.options.logger?.info({ ...result, at: now.toISOString() }, 'auto-approval look done');
    return result;
  }

  /** True when this call appended the approval. */
  private async approve(doc: StoredDoc): Promise<boolean> {
    const programId = doc.programId as string;
    const conversionId = doc.conversionId as string;
    const ctx: CommandContext = { correlationId: `auto-approval-${randomUUID()}`, source: 'system', actor: AUTO_APPROVAL_ACTOR };
    try {
      const decided = await this.commands.execute<ApproveConversionCommand, DecidedConversion>(new ApproveConversionCommand({ programId, conversionId, byRule: AUTO_AFTER_HOLD_RULE, ctx }));
      if (!decided.appended) return false;
      this.approvedTotal += 1;
      this.options.logger?.info({ programId, conversionId, holdDays: doc.holdDays, dueAt: doc.dueAt, correlationId: ctx.correlationId }, 'conversion approved after its hold');
      return true;
    } catch (error) {
      // A store that cannot be reached is a failure of the look, not a refusal of this conversion.
      if (!(error instanceof DomainError) || error.kind === 'unavailable') throw error;
      this.options.logger?.debug({ programId, conversionId, code: error.code }, 'auto-approval not applied');
      return false;
    }
  }
}
