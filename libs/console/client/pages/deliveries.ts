import { type Op, type QueryOf, type Success } from '../api.js';
import { announce, field, h, selected, when } from '../dom.js';
import type { Attempt, Delivery } from '../webhook-types.js';
import { errorBox } from '../forms.js';

/** The program's deliveries route; the webhook portal's answers the same page to the same query. */
type DeliveriesRoute = Op<'/v1/programs/{pid}/webhook-endpoints/{id}/deliveries', 'get'>;
export type DeliveriesQuery = QueryOf<DeliveriesRoute>;

/** Where a deliveries panel reads and resends: the program's routes in the console, the link's in the webhook portal. */
export interface DeliveriesSource {
  list(query: DeliveriesQuery): Promise<Success<DeliveriesRoute>>;
  resend(delivery: Delivery): Promise<unknown>;
}

export interface DeliveriesPanel {
  element: HTMLElement;
  /** Reads the first page again with the current search. */
  refresh(): Promise<void>;
  /**
   * Reads again every half second until a delivery or an attempt appears (a test or a resend is
   * sent by a worker a moment later), for 15 s at most, or until the page is left.
   */
  follow(): void;
}

const PAGE_SIZE = 25;
/** Shown of each answer: the log keeps the first 1 KiB, a table row needs less. */
const EXCERPT = 160;

/** Every delivery to one endpoint with its attempts (status, latency, answer excerpt), searched by status and topic, each resendable. */
export function deliveriesPanel(source: DeliveriesSource, topics: readonly string[]): DeliveriesPanel {
  const list = h('div');
  const problem = h('div');
  const status = h(
    'select',
    { name: 'deliveryStatus' },
    [
      ['', 'All'],
      ['pending', 'Pending (retrying)'],
      ['delivered', 'Delivered'],
      ['dead', 'Dead (retries exhausted)'],
      ['event', 'Circuit events'],
    ].map(([value, label]) => h('option', { value }, label)),
  );
  const topic = h(
    'select',
    { name: 'deliveryTopic' },
    h('option', { value: '' }, 'All'),
    topics.map((t) => h('option', { value: t }, t)),
  );
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more deliveries');
  let shown: Delivery[] = [];
  let cursor: string | null = null;
  let following = 0;

  const attempts = (items: Delivery[]) => items.reduce((n, d) => n + d.attempts.length, 0);

  const render = () => {
    // The table is built anew: keep the keyboard on the control it was on (found again by its name).
    const focused = list.contains(document.activeElement) ? document.activeElement?.getAttribute('aria-label') : null;
    list.replaceChildren(
      shown.length
        ? h(
            'table',
            { 'aria-label': 'Deliveries' },
            h('caption', { class: 'muted' }, `${shown.length} deliver${shown.length === 1 ? 'y' : 'ies'}, newest first${cursor ? ' (more below)' : ''}`),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['First attempt', 'Topic', 'Status', 'Event and webhook id', 'Attempts', 'Resend'].map((name) => h('th', { scope: 'col' }, name)),
              ),
            ),
            h(
              'tbody',
              {},
              shown.map((d) =>
                h(
                  'tr',
                  { 'data-delivery': d.id },
                  h('td', { class: 'nowrap' }, when(d.createdAt)),
                  h('td', {}, d.topic),
                  h('td', {}, h('span', { class: `badge ${d.status}` }, d.status)),
                  h('td', {}, h('code', {}, d.eventId), h('br'), h('code', { class: 'muted' }, d.webhookId)),
                  h('td', {}, h('ol', { class: 'attempts', 'aria-label': `Attempts of ${d.webhookId}` }, d.attempts.map(attemptItem))),
                  // An `event` row notes the endpoint's circuit opening or closing: nothing to send again.
                  h(
                    'td',
                    {},
                    d.status === 'event'
                      ? null
                      : h('button', { type: 'button', class: 'secondary', 'aria-label': `Resend ${d.topic} ${d.webhookId}`, onclick: () => void resend(d) }, 'Resend'),
                  ),
                ),
              ),
            ),
          )
        : h('p', {}, status.value || topic.value ? 'No delivery matches.' : 'Nothing has been sent to this endpoint yet. Send a test event to try it.'),
    );
    more.hidden = cursor === null;
    if (focused) list.querySelector<HTMLElement>(`[aria-label="${CSS.escape(focused)}"]`)?.focus();
  };

  const query = (after?: string): DeliveriesQuery => ({
    status: selected<NonNullable<DeliveriesQuery['status']>>(status),
    topic: selected<NonNullable<DeliveriesQuery['topic']>>(topic),
    limit: String(PAGE_SIZE),
    cursor: after,
  });

  const refresh = async () => {
    const page = await source.list(query());
    shown = page.items;
    cursor = page.nextCursor;
    render();
  };

  const loadMore = async () => {
    if (!cursor) return;
    const page = await source.list(query(cursor));
    shown = [...shown, ...page.items];
    cursor = page.nextCursor;
    render();
  };

  const follow = () => {
    const run = ++following;
    const before = attempts(shown);
    const count = shown.length;
    let tries = 0;
    const tick = async () => {
      if (run !== following || !element.isConnected || tries++ >= 30) return;
      try {
        await refresh();
      } catch {
        /* the next tick tries again */
      }
      if (shown.length > count || attempts(shown) > before) {
        announce('Deliveries updated');
        return;
      }
      window.setTimeout(() => void tick(), 500);
    };
    window.setTimeout(() => void tick(), 300);
  };

  const resend = async (d: Delivery) => {
    problem.replaceChildren();
    try {
      await source.resend(d);
      announce(`Delivery ${d.webhookId} queued again`);
      follow();
    } catch (error) {
      problem.replaceChildren(errorBox(error));
    }
  };

  const guarded = (load: () => Promise<void>) => () => void load().catch((error: unknown) => problem.replaceChildren(errorBox(error)));
  status.addEventListener('change', guarded(refresh));
  topic.addEventListener('change', guarded(refresh));
  more.addEventListener('click', guarded(loadMore));

  const element = h(
    'div',
    {},
    h(
      'div',
      { class: 'toolbar', role: 'search', 'aria-label': 'Deliveries' },
      field('Delivery status', status),
      field('Topic', topic),
      h('button', { type: 'button', class: 'secondary', onclick: guarded(refresh) }, 'Refresh deliveries'),
    ),
    problem,
    list,
    more,
  );
  return { element, refresh, follow };
}

function attemptItem(a: Attempt): HTMLElement {
  const outcome = a.status === null ? 'no answer' : `HTTP ${a.status}`;
  const answer = (a.error ?? a.response ?? '').trim();
  return h(
    'li',
    {},
    h('span', { class: a.status !== null && a.status >= 200 && a.status < 300 ? 'good' : 'error' }, outcome),
    ` · ${a.latencyMs} ms · ${when(a.at)}`,
    answer ? [h('br'), h('code', { class: 'excerpt' }, answer.length > EXCERPT ? `${answer.slice(0, EXCERPT)}…` : answer)] : null,
  );
}
