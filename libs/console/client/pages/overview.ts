import { ApiError } from '../api.js';
import { h } from '../dom.js';
import type { PageContext } from '../main.js';
import { commissionChart } from './commission-chart.js';
import { totalsFigures } from './totals.js';

/** The program at a glance: commission by status, the top partners, and how far each projection trails. */
export async function overviewPage({ api, programId }: PageContext): Promise<HTMLElement> {
  const pid = { pid: programId };
  const [program, totals, series] = await Promise.all([
    api.get('/v1/programs/{pid}', pid),
    api.get('/v1/programs/{pid}/commission-totals', pid, { limit: '5' }),
    api.get('/v1/programs/{pid}/commission-series', pid),
  ]);
  // The totals name partners by id; the top five's names are five reads of the partners model.
  const partners = await Promise.all(totals.items.map((t) => api.get('/v1/programs/{pid}/partners/{partnerId}', { ...pid, partnerId: t.partnerId! }).catch(() => null)));

  const top = totals.items.length
    ? h(
        'table',
        { 'aria-label': 'Top partners by approved commission' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Partner'),
            h('th', { scope: 'col', class: 'num' }, 'Approved'),
            h('th', { scope: 'col', class: 'num' }, 'Pending'),
            h('th', { scope: 'col', class: 'num' }, 'Balance'),
          ),
        ),
        h(
          'tbody',
          {},
          totals.items.map((t, i) =>
            h(
              'tr',
              {},
              h('td', {}, h('a', { href: `#/programs/${programId}/partners/${t.partnerId}` }, partners[i]?.name ?? t.partnerId)),
              h('td', { class: 'num' }, `${t.approved.amount} ${t.currency}`),
              h('td', { class: 'num' }, `${t.pending.amount} ${t.currency}`),
              h('td', { class: 'num' }, `${t.balance} ${t.currency}`),
            ),
          ),
        ),
      )
    : h('p', {}, 'No commission yet.');

  return h(
    'div',
    {},
    h('h1', {}, program.name),
    h(
      'p',
      { class: 'sub' },
      `Program `,
      h('code', {}, program.id),
      ` · ${program.currency} · commission ${program.commission.amount}${program.commission.type === 'PERCENT_OF_SALE' ? ' %' : ` ${program.currency} flat`}`,
    ),
    h('h2', {}, 'Commission by status'),
    totalsFigures(totals.program, 'Program totals'),
    h('h2', {}, 'Commission over the last 30 days'),
    commissionChart(series),
    h('h2', {}, 'Top partners'),
    top,
    h('h2', {}, 'Projections'),
    await projections(api),
  );
}

async function projections(api: PageContext['api']): Promise<HTMLElement> {
  let lag;
  try {
    lag = await api.get('/v1/projections', {});
  } catch (error) {
    if (error instanceof ApiError && error.code === 'admin_key_required') return h('p', { class: 'muted' }, 'Projection lag is shown to the admin key only.');
    throw error;
  }
  const failed = new Map(lag.failures.map((f) => [f.projection, f.error]));
  return h(
    'table',
    { 'aria-label': 'Projection lag' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Projection'),
        h('th', { scope: 'col', class: 'num' }, 'Position'),
        h('th', { scope: 'col', class: 'num' }, 'Events behind'),
        h('th', { scope: 'col', class: 'num' }, 'Seconds behind'),
        h('th', { scope: 'col' }, 'State'),
      ),
    ),
    h(
      'tbody',
      {},
      lag.items.map((l) =>
        h(
          'tr',
          {},
          h('td', {}, l.projection),
          h('td', { class: 'num' }, l.position ?? '–'),
          h('td', { class: 'num' }, String(l.eventsBehind)),
          h('td', { class: 'num' }, String(l.secondsBehind)),
          h('td', {}, failed.has(l.projection) ? h('span', { class: 'error' }, `failed: ${failed.get(l.projection)}`) : l.eventsBehind ? 'catching up' : 'up to date'),
        ),
      ),
    ),
  );
}
