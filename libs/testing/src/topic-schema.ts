// Test support (not built): checks the webhook bodies a test captured against their topic's JSON
// Schema in the catalogue (libs/webhooks/src/topic-schemas.ts), so every spec that asserts a
// topic's payloads also holds them to the published contract.
import { isTopic, topicBodyErrors } from '@partner-ledger/webhooks';

/** A captured webhook: a bus message (`topic`) or a request to a receiver (`refersion-topic` header). */
export type CapturedWebhook = { topic: string; body: string } | { headers: Record<string, unknown>; body: string };

const topicOfCaptured = (w: CapturedWebhook): string => ('topic' in w ? w.topic : String(w.headers['refersion-topic']));

/**
 * Every way the captured bodies break their topic's schema, as "TOPIC #i /path: message" lines
 * (empty when all validate). With `topic`, only the bodies of that topic are checked, and none
 * captured is itself a problem: a check that saw nothing would prove nothing.
 */
export function topicSchemaProblems(captured: readonly CapturedWebhook[], topic?: string): string[] {
  const checked = captured.filter((w) => topic === undefined || topicOfCaptured(w) === topic);
  if (topic !== undefined && checked.length === 0) return [`no ${topic} body was captured`];
  return checked.flatMap((w, i) => {
    const t = topicOfCaptured(w);
    if (!isTopic(t)) return [`#${i}: ${JSON.stringify(t)} is not a topic`];
    return topicBodyErrors(t, JSON.parse(w.body)).map((e) => `${t} #${i} ${e}`);
  });
}
