import type { Op, QueryOf } from '../api.js';
import { announce, field, h, selected, when } from '../dom.js';
import type { PageContext } from '../main.js';
import type { LoggedEvent } from '../types.js';
import { errorBox } from '../forms.js';

type EventsQuery = QueryOf<Op<'/v1/programs/{pid}/events', 'get'>>;

const PAGE = 100;
const FOLLOW_EVERY_MS = 2000;

/**
 * The program's event log: filter by stream prefix, type and position, newest or oldest first,
 * open an event to read its data and metadata, and follow the live tail. Reads the NDJSON feed
 * (`GET …/events`), a page at a time, so a long history costs a page, not the log.
 */
export async function eventsPage({ api, programId }: PageContext): Promise<HTMLElement> {
  const stream = h('input', { name: 'stream', size: 34, placeholder: `e.g. partner-${programId}.` });
  const type = h('input', { name: 'type', size: 26, placeholder: 'e.g. TransactionCreated' });
  const position = h('input', { name: 'position', inputmode: 'numeric', size: 10 });
  const order = h('select', { name: 'order' }, h('option', { value: 'backwards' }, 'Newest first'), h('option', { value: 'forwards' }, 'Oldest first'));
  const follow = h('input', { type: 'checkbox', name: 'follow' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Older events');
  const tbody = h('tbody');
  const caption = h('caption', { class: 'muted' });
  const table = h(
    'table',
    { 'aria-label': 'Events' },
    caption,
    h(
      'thead',
      {},
      h('tr', {}, h('th', { scope: 'col', class: 'num' }, 'Position'), h('th', { scope: 'col' }, 'Time'), h('th', { scope: 'col' }, 'Stream'), h('th', { scope: 'col' }, 'Type')),
    ),
    tbody,
  );
  const problem = h('div');
  let shown: LoggedEvent[] = [];
  let timer: number | undefined;

  const read = (query: EventsQuery): Promise<LoggedEvent[]> => api.lines('/v1/programs/{pid}/events', { pid: programId }, { stream: stream.value.trim(), type: type.value.trim(), ...query });
  const direction = () => selected<NonNullable<EventsQuery['direction']>>(order);

  const row = (e: LoggedEvent) =>
    h(
      'tr',
      { 'data-position': e.position },
      h('td', { class: 'num' }, e.position),
      h('td', { class: 'nowrap' }, when(e.created)),
      h('td', {}, h('code', {}, `${e.stream} #${e.revision}`)),
      h(
        'td',
        {},
        h(
          'details',
          {},
          h('summary', {}, e.type),
          h('p', { class: 'muted' }, 'Data'),
          h('pre', { class: 'json' }, JSON.stringify(e.data, null, 2)),
          h('p', { class: 'muted' }, 'Metadata'),
          h('pre', { class: 'json' }, JSON.stringify(e.metadata, null, 2)),
        ),
      ),
    );

  const render = (hasMore: boolean) => {
    tbody.replaceChildren(...shown.map(row));
    caption.textContent = shown.length ? `${shown.length} event${shown.length === 1 ? '' : 's'}` : 'No event matches.';
    more.hidden = !hasMore;
    more.textContent = order.value === 'backwards' ? 'Older events' : 'Newer events';
  };

  const guarded = async (work: () => Promise<void>) => {
    problem.replaceChildren();
    try {
      await work();
    } catch (error) {
      problem.replaceChildren(errorBox(error));
    }
  };

  const load = () =>
    guarded(async () => {
      shown = await read({ fromPosition: position.value.trim(), direction: direction(), limit: String(PAGE) });
      render(shown.length === PAGE);
    });

  const loadMore = () =>
    guarded(async () => {
      const last = shown.at(-1);
      if (!last) return;
      const backwards = order.value === 'backwards';
      if (backwards && BigInt(last.position) <= 1n) return render(false);
      const next = BigInt(last.position) + (backwards ? -1n : 1n);
      const page = await read({ fromPosition: String(next), direction: direction(), limit: String(PAGE) });
      shown = shown.concat(page);
      render(page.length === PAGE);
    });

  /** New events since the newest shown: added at the top (newest first) or the bottom. */
  const poll = () =>
    guarded(async () => {
      const newest = shown.reduce((max, e) => (BigInt(e.position) > max ? BigInt(e.position) : max), 0n);
      const fresh = await read({ fromPosition: String(newest + 1n), direction: 'forwards', limit: String(PAGE) });
      if (!fresh.length) return;
      shown = order.value === 'backwards' ? [...fresh.reverse(), ...shown] : [...shown, ...fresh];
      render(!more.hidden);
      announce(`${fresh.length} new event${fresh.length === 1 ? '' : 's'}`);
    });

  const stopFollowing = () => {
    if (timer !== undefined) window.clearInterval(timer);
    timer = undefined;
  };
  follow.addEventListener('change', () => {
    stopFollowing();
    if (!follow.checked) return;
    timer = window.setInterval(() => {
      // The operator left the page: the timer goes with it.
      if (!table.isConnected) return stopFollowing();
      void poll();
    }, FOLLOW_EVERY_MS);
  });
  more.addEventListener('click', () => void loadMore());

  await load();
  return h(
    'div',
    {},
    h('h1', {}, 'Events'),
    h('p', { class: 'sub' }, 'The log of this program as the engine recorded it; every read model and webhook is derived from it.'),
    h(
      'form',
      {
        class: 'row',
        'aria-label': 'Filter events',
        onsubmit: (event: Event) => {
          event.preventDefault();
          void load();
        },
      },
      field('Stream prefix', stream),
      field('Types (comma-separated)', type),
      field('From position', position),
      field('Order', order),
      h('button', { type: 'submit' }, 'Show events'),
      field('Follow new events', follow, 'inline'),
    ),
    problem,
    table,
    more,
  );
}
