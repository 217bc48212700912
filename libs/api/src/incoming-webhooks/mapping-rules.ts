import { DomainError, notFound, unprocessable } from '@partner-ledger/domain';
import type { IncomingWebhook, IncomingWebhookRepository } from '@partner-ledger/webhook-runtime';
import { type FieldBindings, type IncomingAction, mappingIssues } from '@partner-ledger/webhooks';
import type { Lookups } from '../shared/lookups.js';

/** The program's incoming webhook, or `404 incoming_webhook_not_found` (another program's looks the same). */
export async function requireIncomingWebhook(lookups: Lookups, webhooks: IncomingWebhookRepository, pid: string, id: string): Promise<IncomingWebhook> {
  await lookups.requireProgram(pid);
  const webhook = await webhooks.get(pid, id);
  if (!webhook) throw notFound('incoming_webhook_not_found', `incoming webhook ${id} not found`);
  return webhook;
}

/**
 * Refuses a mapping the webhook's samples cannot carry: `422 no_sample` before any sample, `422
 * invalid_mapping` with every problem (unknown target, unbound required one, path in no sample or
 * holding an object) in `errors`. Saving a mapping and dry-running one refuse alike.
 */
export function checkMapping(webhook: IncomingWebhook, action: IncomingAction, fields: FieldBindings): void {
  if (webhook.samples.length === 0) {
    throw unprocessable('no_sample', 'send a sample payload to the test URL first: a mapping binds paths of a sample');
  }
  const issues = mappingIssues(
    action,
    fields,
    webhook.samples.map((s) => s.body),
  );
  if (issues.length > 0) {
    throw new DomainError(
      'unprocessable',
      'invalid_mapping',
      issues.map((i) => `${i.field}: ${i.reason}`).join('; '),
      undefined,
      issues.map((i) => ({ ...i, field: `fields.${i.field}` })),
    );
  }
}

/** What a valid mapping may still get wrong, said when it is saved or dry-run. */
export function mappingWarnings(action: IncomingAction, fields: FieldBindings): string[] {
  return action === 'create_transaction' && fields.transactionKey === undefined
    ? ['transactionKey is not bound: every POST to the production URL records a new transaction, so a re-sent payload is counted twice']
    : [];
}
