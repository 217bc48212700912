/**
 * One table holds every message of every queue: live ones (`state = 'ready'`) and dead letters.
 * A live message is claimable when `visible_at <= now`. Claiming it sets a lease: a random token
 * plus `visible_at = now + lease`, so a crashed worker's message becomes claimable again when the
 * lease runs out, with no sweeper. Every outcome is fenced by the token: a worker whose lease was
 * taken over cannot ack, retry or bury a message it no longer holds.
 */
export const BUS_SCHEMA = `
CREATE TABLE IF NOT EXISTS bus_messages (
  seq               INTEGER PRIMARY KEY AUTOINCREMENT,
  queue             TEXT    NOT NULL,
  message_id        TEXT    NOT NULL,
  topic             TEXT    NOT NULL,
  endpoint_id       TEXT    NOT NULL,
  body              TEXT    NOT NULL,
  headers           TEXT,
  attempt           INTEGER NOT NULL DEFAULT 1,
  step              INTEGER NOT NULL DEFAULT 0,
  first_enqueued_at INTEGER NOT NULL,
  visible_at        INTEGER NOT NULL,
  state             TEXT    NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'dead')),
  lease_token       TEXT,
  deliveries        INTEGER NOT NULL DEFAULT 0,
  last_error        TEXT,
  dead_reason       TEXT,
  dead_at           INTEGER
);
CREATE INDEX IF NOT EXISTS bus_messages_visible ON bus_messages (queue, state, visible_at);
CREATE INDEX IF NOT EXISTS bus_messages_key ON bus_messages (queue, message_id, endpoint_id);
`;
