import { ApiError } from '../api.js';
import { alertBox, announce, badge, field, h, when } from '../dom.js';
import type { PageContext } from '../main.js';
import type { Payout } from '../types.js';
import { errorBox } from '../forms.js';

/**
 * Payout batches: create one (what is approved and unpaid, per partner, up to a cut-off), review
 * it, download its CSV for the payment provider, confirm it once the money went out, or cancel it.
 */
export async function payoutsPage({ api, programId }: PageContext): Promise<HTMLElement> {
  const pid = { pid: programId };
  const program = await api.get('/v1/programs/{pid}', pid);
  const list = h('div');
  const problem = h('div');
  const upTo = h('input', { type: 'datetime-local', name: 'upTo' });
  const minimum = h('input', { name: 'minimumAmount', inputmode: 'decimal', size: 10, placeholder: 'none' });
  const create = h('button', { type: 'submit' }, 'Create payout batch');

  const load = async (minPosition?: string) => {
    const page = await api.get('/v1/programs/{pid}/payouts', pid, { limit: '50', minPosition });
    list.replaceChildren(
      page.items.length
        ? h(
            'table',
            { 'aria-label': 'Payout batches' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Batch', 'Status', 'Partners', 'Total', 'Up to', 'Created'].map((c, i) => h('th', { scope: 'col', class: i === 2 || i === 3 ? 'num' : null }, c)),
              ),
            ),
            h(
              'tbody',
              {},
              page.items.map((p) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('a', { href: `#/programs/${programId}/payouts/${p.id}` }, h('code', {}, p.id))),
                  h('td', {}, badge(p.status)),
                  h('td', { class: 'num' }, String(p.items.length)),
                  h('td', { class: 'num' }, `${p.total} ${p.currency}`),
                  h('td', {}, when(p.upTo)),
                  h('td', {}, when(p.createdAt)),
                ),
              ),
            ),
          )
        : h('p', {}, 'No payout batch yet.'),
    );
  };

  const form = h(
    'form',
    {
      class: 'row',
      'aria-label': 'New payout batch',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        problem.replaceChildren();
        create.disabled = true;
        try {
          const body: { upTo?: string; minimumAmount?: string } = {};
          // datetime-local has no zone: the console works in UTC, as its dates are shown.
          if (upTo.value) body.upTo = new Date(`${upTo.value}:00Z`).toISOString();
          if (minimum.value.trim()) body.minimumAmount = minimum.value.trim();
          const payout = await api.post('/v1/programs/{pid}/payouts', pid, body);
          announce(`Payout batch created: ${payout.total} ${payout.currency} for ${payout.items.length} partner${payout.items.length === 1 ? '' : 's'}`);
          location.hash = `#/programs/${programId}/payouts/${payout.id}`;
        } catch (error) {
          const nothing = error instanceof ApiError && error.code === 'nothing_to_pay';
          problem.replaceChildren(alertBox(nothing ? `Nothing to pay: ${error.message}` : error instanceof Error ? error.message : String(error)));
        } finally {
          create.disabled = false;
        }
      },
    },
    field('Commission approved up to (UTC, default now)', upTo),
    field(`Minimum per partner (${program.currency})`, minimum),
    create,
  );

  await load();
  return h(
    'div',
    {},
    h('h1', {}, 'Payouts'),
    h('p', { class: 'sub' }, `A batch pays each partner the approved commission not yet paid, net of clawbacks, in ${program.currency}.`),
    form,
    problem,
    list,
  );
}

/** One batch: its items by partner, the CSV, and confirming or cancelling it while it is a draft. */
export async function payoutPage({ api, programId, itemId }: PageContext): Promise<HTMLElement> {
  const body = h('div');
  const partners = await api.get('/v1/programs/{pid}/partners', { pid: programId }, { limit: '500' });
  const names = new Map(partners.items.map((p) => [p.id, p.name]));

  const render = (payout: Payout) => {
    const problem = h('div');
    const reference = h('input', { name: 'reference', size: 28, maxlength: 200 });
    const ids = { pid: programId, id: payout.id };
    const act = async (action: 'confirm' | 'cancel') => {
      problem.replaceChildren();
      try {
        const done =
          action === 'confirm'
            ? await api.post('/v1/programs/{pid}/payouts/{id}/confirm', ids, reference.value.trim() ? { reference: reference.value.trim() } : {})
            : await api.post('/v1/programs/{pid}/payouts/{id}/cancel', ids);
        render(await api.get('/v1/programs/{pid}/payouts/{id}', ids, { minPosition: done.position }));
        announce(action === 'confirm' ? 'Payout confirmed as paid' : 'Payout cancelled: its commission is payable again');
        document.querySelector<HTMLElement>('main h1')?.focus();
      } catch (error) {
        problem.replaceChildren(errorBox(error));
      }
    };
    const download = async () => {
      problem.replaceChildren();
      try {
        const csv = await api.text('/v1/programs/{pid}/payouts/{id}/export', ids, { format: 'csv' });
        const link = h('a', { href: URL.createObjectURL(new Blob([csv], { type: 'text/csv' })), download: `${payout.id}.csv` });
        link.click();
        window.setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
        announce('CSV downloaded');
      } catch (error) {
        problem.replaceChildren(errorBox(error));
      }
    };
    body.replaceChildren(
      h('h1', {}, `Payout ${payout.id}`),
      h(
        'p',
        { class: 'sub' },
        badge(payout.status),
        ` ${payout.total} ${payout.currency} · commission approved up to ${when(payout.upTo)} · created ${when(payout.createdAt)}`,
        payout.paidAt ? ` · paid ${when(payout.paidAt)}${payout.reference ? ` (reference ${payout.reference})` : ''}` : '',
        payout.cancelledAt ? ` · cancelled ${when(payout.cancelledAt)}` : '',
      ),
      h(
        'table',
        { 'aria-label': 'Payout items' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Partner'), h('th', { scope: 'col', class: 'num' }, 'Conversions'), h('th', { scope: 'col', class: 'num' }, 'Amount'))),
        h(
          'tbody',
          {},
          payout.items.map((item) =>
            h(
              'tr',
              {},
              h('td', {}, h('a', { href: `#/programs/${programId}/partners/${item.partnerId}` }, names.get(item.partnerId) ?? item.partnerId)),
              h('td', { class: 'num' }, String(item.conversionIds.length)),
              h('td', { class: 'num' }, `${item.amount} ${payout.currency}`),
            ),
          ),
        ),
      ),
      h(
        'div',
        { class: 'toolbar', role: 'group', 'aria-label': 'Payout actions' },
        h('button', { type: 'button', class: 'secondary', onclick: () => void download() }, 'Download CSV'),
        payout.status === 'DRAFT'
          ? [
              field('Provider reference (optional)', reference),
              h('button', { type: 'button', onclick: () => void act('confirm') }, 'Confirm as paid'),
              h('button', { type: 'button', class: 'danger', onclick: () => void act('cancel') }, 'Cancel batch'),
            ]
          : null,
      ),
      problem,
      h('p', {}, h('a', { href: `#/programs/${programId}/payouts` }, 'All payouts')),
    );
  };
  render(await api.get('/v1/programs/{pid}/payouts/{id}', { pid: programId, id: itemId! }));
  return body;
}
