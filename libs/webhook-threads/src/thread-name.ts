/**
 * Webhook thread N's name (1-based): its Worker's name, its OS name (`pl-webhooks-N`, telemetry's
 * `nameThisThread`), its label in /metrics; its row in the write lock's shared counters is N too,
 * row 0 being the main thread's.
 */
export const webhookThreadName = (thread: number): string => `webhooks-${thread}`;
