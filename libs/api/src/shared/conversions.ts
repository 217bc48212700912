import { type ApproveConversion, type DenyConversion, notFound, type ReopenConversion, transactionDecider, transactionKeyOf, transactionStream } from '@partner-ledger/domain';
import type { ExpectedRevision } from '@partner-ledger/event-store';
import type { CommandContext } from './command-context.js';
import type { Versioned } from './etag.js';
import { position } from './http.js';
import type { Lookups } from './lookups.js';
import type { StreamRunner } from './stream-runner.js';
import { conversionView } from './views.js';

/** `appended`: whether this decision appended an event (false for an idempotent repeat); not part of the answer. */
export type DecidedConversion = Versioned<NonNullable<ReturnType<typeof conversionView>> & { position: string }> & { appended: boolean };

/**
 * Approve, deny and reopen all act on the conversion held in its transaction's stream: the id names the
 * stream, an unknown one is 404 before anything is decided, and the answer is the conversion's view
 * with the transaction stream's revision as its ETag.
 */
export async function decideConversion(
  runner: StreamRunner,
  lookups: Lookups,
  target: { programId: string; conversionId: string; expectedRevision?: ExpectedRevision; ctx: CommandContext },
  decision: ApproveConversion | DenyConversion | ReopenConversion,
): Promise<DecidedConversion> {
  const { programId, conversionId, expectedRevision, ctx } = target;
  await lookups.requireProgram(programId);
  const missing = () => notFound('conversion_not_found', `conversion ${conversionId} not found`);
  const key = transactionKeyOf(conversionId);
  if (key === null) throw missing();
  const stream = transactionStream(programId, key);
  if (!(await runner.exists(stream))) throw missing();
  const result = await runner.handle(stream, transactionDecider, { ...decision, actor: ctx.actor }, ctx, { expectedRevision });
  const view = result.state.exists ? conversionView(result.state) : null;
  if (!view) throw missing();
  return { body: { ...view, position: position(result.position) }, revision: result.revision as bigint, appended: result.events.length > 0 };
}
