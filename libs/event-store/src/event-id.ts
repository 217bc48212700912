import { v7 } from 'uuid';

/**
 * The id of an event appended without one: a UUID version 7, whose leading bits are its time, so
 * consecutive events' ids sort together. SQLite keeps a unique index on the id; random (version 4)
 * ids landed each insert on a random page of it, and an append with a log of 200k events cost
 * 136-166 us of CPU against 91 with time-ordered ids (the same appends, alternated). EventStoreDB
 * takes any UUID. The time in an id is the append's, already in the event's `created`.
 */
export function newEventId(): string {
  return v7();
}
