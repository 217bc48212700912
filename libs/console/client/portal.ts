import { Api } from './api.js';
import { badge, h, when } from './dom.js';
import { totalsFigures } from './pages/totals.js';
import { linkToken, refusedPage, showPortal } from './portal-common.js';
import type { PortalView } from './types.js';

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

/**
 * The partner portal (`/portal/partner#<token>`): read-only, one partner. The token comes from the
 * URL fragment, which the browser never sends to a server nor in a Referer; it is sent only as the
 * bearer of `GET /v1/portal/partner`, which chooses the partner from it alone.
 */
async function load(): Promise<void> {
  try {
    showPortal(render(await new Api(linkToken()).get('/v1/portal/partner', {})), 'Partner portal');
  } catch (error) {
    showPortal(refusedPage(error), 'Link not accepted');
  }
}

void load();
