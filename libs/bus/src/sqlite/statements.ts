import type Database from 'better-sqlite3';
import type { Row } from './rows.js';

/** Every statement the bus runs more than once, prepared once per bus. */
export function prepareBusStatements(db: Database.Database) {
  // The shared connection may return bigints (the event store turns safe integers on).
  const prepare = <P extends unknown[] | object = unknown[], R = unknown>(sql: string) => db.prepare<P, R>(sql).safeIntegers(false);
  return {
    insert: prepare(
      `INSERT INTO bus_messages (queue, message_id, topic, endpoint_id, body, headers, first_enqueued_at, visible_at)
       VALUES (@queue, @messageId, @topic, @endpointId, @body, @headers, @now, @now)`,
    ),
    claim: prepare<{ queue: string; now: number; until: number; token: string; limit: number }, Row>(
      `UPDATE bus_messages SET lease_token = @token, visible_at = @until, deliveries = deliveries + 1
       WHERE seq IN (SELECT seq FROM bus_messages WHERE queue = @queue AND state = 'ready' AND visible_at <= @now
                     ORDER BY visible_at, seq LIMIT @limit)
       RETURNING *`,
    ),
    renew: prepare('UPDATE bus_messages SET visible_at = ? WHERE seq = ? AND lease_token = ?'),
    ack: prepare('DELETE FROM bus_messages WHERE seq = ? AND lease_token = ?'),
    retry: prepare(
      `UPDATE bus_messages SET attempt = attempt + 1, step = @step, visible_at = @visibleAt, lease_token = NULL,
              deliveries = 0, last_error = @error
       WHERE seq = @seq AND lease_token = @token`,
    ),
    // Not an attempt: attempt and step stay; the lease ends and the hand-out count starts again.
    defer: prepare('UPDATE bus_messages SET visible_at = @visibleAt, lease_token = NULL, deliveries = 0 WHERE seq = @seq AND lease_token = @token'),
    bury: prepare(
      `UPDATE bus_messages SET state = 'dead', dead_reason = @reason, dead_at = @now, lease_token = NULL
       WHERE seq = @seq AND lease_token = @token`,
    ),
    nextVisible: prepare<[string], { at: number | null }>(`SELECT MIN(visible_at) AS at FROM bus_messages WHERE queue = ? AND state = 'ready'`),
    stats: prepare<{ queue: string; now: number }, { ready: number | null; delayed: number | null; dead: number | null }>(
      `SELECT SUM(state = 'ready' AND visible_at <= @now) AS ready,
              SUM(state = 'ready' AND visible_at > @now AND lease_token IS NULL) AS delayed,
              SUM(state = 'dead') AS dead
       FROM bus_messages WHERE queue = @queue`,
    ),
    requeue: prepare(
      `UPDATE bus_messages SET state = 'ready', attempt = 1, step = 0, deliveries = 0, visible_at = @now,
              first_enqueued_at = @now, lease_token = NULL, last_error = NULL, dead_reason = NULL, dead_at = NULL
       WHERE queue = @queue AND state = 'dead' AND message_id = @messageId AND endpoint_id = @endpointId`,
    ),
  };
}

export type BusStatements = ReturnType<typeof prepareBusStatements>;
