import { Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { assertNever, formatAmount, invalid, LEDGER_EVENT_TYPES, type LedgerEvent, notFound, type TransactionEvent, transactionKeyOf, transactionStream } from '@partner-ledger/domain';
import { type EventStore, isRecordedOf, type RecordedEvent } from '@partner-ledger/event-store';
import { ConversionHistoryDto } from '../../shared/conversion-responses.dto.js';
import { ApiController, position } from '../../shared/http.js';
import { Lookups } from '../../shared/lookups.js';
import { EVENT_STORE } from '../../shared/tokens.js';
import { commissionView } from '../../shared/views.js';
import { decodeCursor, encodeCursor, parseLimit } from '../read-models.js';

type Recorded = RecordedEvent<TransactionEvent>;
const TRANSACTION_EVENTS = new Set<string>(['TransactionRecorded', 'ConversionCreated', 'ConversionApproved', 'ConversionDenied', 'ConversionReopened', 'TransactionRefunded']);
const isTransactionEvent = (e: RecordedEvent): e is Recorded => TRANSACTION_EVENTS.has(e.type) && isRecordedOf<LedgerEvent>(LEDGER_EVENT_TYPES, e);

/** One entry of a conversion's timeline, or null for the transaction's own events. */
function entryOf(e: Recorded) {
  const common = { at: e.created.toISOString(), position: position(e.position), revision: Number(e.revision) };
  const actor = 'actor' in e.data ? (e.data.actor ?? null) : null;
  switch (e.type) {
    case 'TransactionRecorded':
      return null;
    case 'ConversionCreated': {
      const d = e.data;
      return {
        type: 'CREATED',
        status: 'PENDING',
        ...common,
        actor,
        reason: null,
        commissions: commissionView(d.commissions, d.currency),
        flags: d.flags ?? [],
        flagReasons: d.flagReasons ?? [],
        ...(d.approval ? { approval: d.approval } : {}),
      };
    }
    case 'ConversionApproved':
      return {
        type: 'APPROVED',
        status: 'APPROVED',
        ...common,
        actor,
        reason: e.data.reason ?? null,
        commissions: commissionView(e.data.commissions, e.data.currency),
        ...(e.data.approval ? { approval: e.data.approval } : {}),
      };
    case 'ConversionDenied':
      return { type: 'DENIED', status: 'DENIED', ...common, actor, reason: e.data.reason ?? null, commissions: commissionView(e.data.commissions, e.data.currency) };
    case 'ConversionReopened': {
      const d = e.data;
      return {
        type: 'REOPENED',
        status: 'PENDING',
        ...common,
        actor,
        reason: d.reason ?? null,
        commissions: commissionView(d.commissions, d.currency),
        reversals: commissionView(d.reversals, d.currency),
      };
    }
    case 'TransactionRefunded': {
      const d = e.data;
      return {
        type: 'REFUNDED',
        status: d.conversionStatus,
        ...common,
        actor,
        reason: d.reason ?? null,
        refundId: d.refundId,
        amount: formatAmount(d.amountMinor, d.currency),
        fullyRefunded: d.fullyRefunded,
        reversals: commissionView(d.reversals, d.currency),
      };
    }
    default:
      return assertNever(e);
  }
}
type Entry = NonNullable<ReturnType<typeof entryOf>>;

function revisionOf(cursor: string | undefined): bigint {
  const values = decodeCursor(cursor);
  if (values === undefined) return 0n;
  if (values.length !== 1 || typeof values[0] !== 'string' || !/^\d{1,19}$/.test(values[0])) throw invalid('invalid_cursor', 'cursor is not one this API returned', 'cursor');
  return BigInt(values[0]);
}

/**
 * A conversion's timeline, read from its transaction's stream (the event log, not a read model), so
 * it is exact and never behind: every decision with who made it and why. A stream grows with each
 * refund, so it is read a page at a time from the cursor's revision.
 */
@ApiController('conversions')
export class ConversionHistoryController {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly lookups: Lookups,
  ) {}

  @Get('programs/:pid/conversions/:id/history')
  @ApiOperation({
    summary: "A conversion's timeline from its events: created, approved, denied, reopened, refunded, each with actor, reason, time and position",
    description: 'Oldest first; `nextCursor` continues it. Read from the event store, so it needs no `minPosition`.',
  })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 50' })
  @ApiResponse({ status: 200, type: ConversionHistoryDto })
  @ApiResponse({ status: 404, description: '`conversion_not_found`' })
  async history(@Param('pid') pid: string, @Param('id') id: string, @Query('cursor') cursor?: string, @Query('limit') limit?: string) {
    await this.lookups.requireProgram(pid);
    const n = parseLimit(limit);
    let from = revisionOf(cursor);
    const missing = () => notFound('conversion_not_found', `conversion ${id} not found`);
    const key = transactionKeyOf(id);
    if (key === null) throw missing();
    const stream = transactionStream(pid, key);
    // The conversion is created in the transaction's first append: its first two events say whether it exists.
    const head = await this.events.readStream(stream, { maxCount: 2 });
    if (!head.some((e) => e.type === 'ConversionCreated')) throw missing();

    const items: Entry[] = [];
    let next: bigint | null = null;
    for (;;) {
      const batch = await this.events.readStream(stream, { fromRevision: from, maxCount: n + 1 });
      for (const e of batch) {
        const entry = isTransactionEvent(e) ? entryOf(e) : null;
        if (!entry) continue;
        if (items.length === n) {
          next = e.revision;
          break;
        }
        items.push(entry);
      }
      if (next !== null || batch.length < n + 1) break;
      from = batch[batch.length - 1].revision + 1n;
    }
    return { conversionId: id, transactionKey: key, items, nextCursor: next === null ? null : encodeCursor([String(next)]) };
  }
}
