import type { FilterOptions } from './proto.js';

export interface FilterableEvent {
  streamName: string;
  type: string;
}

export type EventFilter = (event: FilterableEvent) => boolean;

/**
 * `EventFilter.DefaultAllFilter`: applied to every read of `$all`, filtered or not. It hides the
 * server's epoch records and the checkpoints / parked messages of persistent subscriptions to $all.
 */
export const defaultAllFilter: EventFilter = ({ streamName }) => {
  if (!streamName.startsWith('$')) return true;
  if (streamName === '$epoch-information') return false;
  const psAll = '$persistentsubscription-$all::';
  if (streamName.startsWith(psAll) && (streamName.endsWith('-checkpoint') || streamName.endsWith('-parked'))) return false;
  return true;
};

/**
 * `ConvertToEventFilter(isAllStream: true, …)`: a non-empty regex wins over prefixes; the target is
 * the stream name or the event type; the default $all filter applies first.
 *
 * The server matches with .NET `Regex.Match` (unanchored) and `string.StartsWith`; the double uses
 * JavaScript `RegExp.test` and `startsWith`. They agree on ordinary patterns and ASCII names; a
 * pattern only .NET accepts (e.g. inline `(?i)`) fails here as an exception in the handler.
 */
export function fromFilterOptions(options: FilterOptions): EventFilter {
  const onStream = options.hasStreamIdentifier();
  const expression = onStream ? options.getStreamIdentifier() : options.getEventType();
  if (!expression) throw new Error(`'${options.getFilterCase()}' is not a valid filter`);
  const target = (e: FilterableEvent) => (onStream ? e.streamName : e.type);
  const regex = expression.getRegex();
  if (regex) {
    const compiled = new RegExp(regex);
    return (e) => defaultAllFilter(e) && compiled.test(target(e));
  }
  const prefixes = expression.getPrefixList();
  return (e) => defaultAllFilter(e) && prefixes.some((prefix) => target(e).startsWith(prefix));
}
