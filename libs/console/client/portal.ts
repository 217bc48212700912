import { Api, ApiError } from './api.js';
import { alertBox, badge, h, when } from './dom.js';
import { totalsFigures } from './pages/totals.js';
import type { PortalView } from './types.js';

/**
 * The partner portal (`/portal/partner#<token>`): read-only, one partner. The token comes from the
 * URL fragment, which the browser never sends to a server nor in a Referer; it is sent only as the
 * bearer of `GET /v1/portal/partner`, which chooses the partner from it alone.
 */
const main = document.getElementById('main')!;

const WHY: Record<string, string> = {
  portal_link_expired: 'This link has expired. Ask the program for a new one.',
  invalid_portal_token: 'This link is not valid. Check that it was copied whole, or ask the program for a new one.',
  missing_portal_token: 'This address has no link token. Open the whole link the program sent you.',
  portal_closed: 'This portal is closed.',
};

function show(page: HTMLElement, title: string): void {
  main.replaceChildren(page);
  document.title = `${title} · partner-ledger`;
  const heading = main.querySelector('h1');
  heading?.setAttribute('tabindex', '-1');
  heading?.focus();
}

function table(label: string, head: string[], rows: (string | Node)[][], numeric: number[]): HTMLElement {
  return h(
    'table',
    { 'aria-label': label },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        head.map((name, i) => h('th', { scope: 'col', class: numeric.includes(i) ? 'num' : null }, name)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((cells) =>
        h(
          'tr',
          {},
          cells.map((cell, i) => h('td', { class: numeric.includes(i) ? 'num' : null }, cell)),
        ),
      ),
    ),
  );
}

function render(view: PortalView): HTMLElement {
  const { partner, program } = view;
  return h(
    'div',
    {},
    h('h1', {}, partner.name),
    h('p', { class: 'sub' }, `Partner of ${program.name} · referral key `, h('code', {}, partner.key), ` · this link works until ${when(view.expiresAt)}`),
    h('h2', {}, 'Commission'),
    view.totals.length ? view.totals.map((t) => totalsFigures(t, `Commission in ${t.currency}`)) : h('p', {}, 'No commission yet.'),
    h('h2', {}, 'Conversions'),
    view.conversions.length
      ? table(
          'Your conversions',
          ['Sale', 'Amount', 'Your commission', 'Status', 'Created'],
          view.conversions.map((c) => [h('code', {}, c.transactionKey), `${c.amount} ${c.currency}`, `${c.commission} ${c.currency}`, badge(c.status), when(c.createdAt)]),
          [1, 2],
        )
      : h('p', {}, 'No conversion yet.'),
    h('h2', {}, 'Payouts'),
    view.payouts.length
      ? table(
          'Your payouts',
          ['Payout', 'Amount', 'Status', 'Created', 'Paid'],
          view.payouts.map((p) => [h('code', {}, p.id), `${p.amount} ${p.currency}`, badge(p.status), when(p.createdAt), p.paidAt ? when(p.paidAt) : '—']),
          [1],
        )
      : h('p', {}, 'No payout yet.'),
  );
}

async function load(): Promise<void> {
  const token = location.hash.slice(1);
  try {
    show(render(await new Api(token).get<PortalView>('/v1/portal/partner')), 'Partner portal');
  } catch (error) {
    const message = error instanceof ApiError ? (WHY[error.code] ?? error.message) : String(error);
    show(h('div', {}, h('h1', {}, 'Link not accepted'), alertBox(message)), 'Link not accepted');
  }
}

void load();
