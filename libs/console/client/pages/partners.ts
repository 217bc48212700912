import { announce, badge, field, h, selected, when } from '../dom.js';
import type { PageContext } from '../main.js';
import { portalLinkCard } from '../portal-link-card.js';
import type { Partner, PartnerWithTotals } from '../types.js';
import { totalsFigures } from './totals.js';
import { errorBox, onSubmit } from '../forms.js';

const STATUSES = ['', 'ACTIVE', 'PENDING', 'DISABLED', 'DENIED'];
/** The list reads one page this size; the search narrows it in the browser (the API has no text search). */
const LIST_LIMIT = 500;

export async function partnersPage({ api, programId }: PageContext): Promise<HTMLElement> {
  const list = h('div');
  const status = h(
    'select',
    { name: 'status' },
    STATUSES.map((s) => h('option', { value: s }, s ? s.charAt(0) + s.slice(1).toLowerCase() : 'All')),
  );
  const search = h('input', { type: 'search', name: 'search', placeholder: 'name, email or key' });
  let partners: Partner[] = [];
  let truncated = false;

  const render = () => {
    const needle = search.value.trim().toLowerCase();
    const shown = needle ? partners.filter((p) => [p.name, p.email, p.key, p.id].some((v) => v.toLowerCase().includes(needle))) : partners;
    list.replaceChildren(
      shown.length
        ? h(
            'table',
            { 'aria-label': 'Partners' },
            h('caption', { class: 'muted' }, `${shown.length} partner${shown.length === 1 ? '' : 's'}${truncated ? ` (searching the newest ${LIST_LIMIT})` : ''}`),
            h(
              'thead',
              {},
              h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Email'), h('th', { scope: 'col' }, 'Referral key'), h('th', { scope: 'col' }, 'Status')),
            ),
            h(
              'tbody',
              {},
              shown.map((p) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('a', { href: `#/programs/${programId}/partners/${p.id}` }, p.name)),
                  h('td', {}, p.email),
                  h('td', {}, h('code', {}, p.key)),
                  h('td', {}, badge(p.status)),
                ),
              ),
            ),
          )
        : h('p', {}, partners.length ? 'No partner matches the search.' : status.value ? 'No partner with that status.' : 'No partner here yet.'),
    );
  };

  const load = async (minPosition?: string) => {
    const page = await api.get('/v1/programs/{pid}/partners', { pid: programId }, { status: selected<Partner['status']>(status), limit: String(LIST_LIMIT), minPosition });
    partners = page.items;
    truncated = page.nextCursor !== null;
    render();
  };

  const name = h('input', { name: 'name', required: true });
  const email = h('input', { type: 'email', name: 'email', required: true });
  const key = h('input', { name: 'key', placeholder: 'generated when empty' });
  const result = h('div');
  const form = h(
    'form',
    {
      class: 'row',
      onsubmit: onSubmit(result, async () => {
        const created = await api.post('/v1/programs/{pid}/partners', { pid: programId }, { name: name.value, email: email.value, ...(key.value ? { key: key.value } : {}) });
        form.reset();
        await load(created.position);
        result.replaceChildren(h('p', {}, 'Partner ', h('a', { href: `#/programs/${programId}/partners/${created.id}` }, created.name), ` created (referral key ${created.key}).`));
        announce(`Partner ${created.name} created`);
      }),
    },
    field('Name', name),
    field('Email', email),
    field('Referral key (optional)', key),
    h('button', { type: 'submit' }, 'Create partner'),
  );

  status.addEventListener('change', () => void load());
  search.addEventListener('input', render);
  await load();
  return h(
    'div',
    {},
    h('h1', {}, 'Partners'),
    h('div', { class: 'toolbar', role: 'search', 'aria-label': 'Partners' }, field('Status', status), field('Search', search)),
    list,
    h('h2', {}, 'Create a partner'),
    h('section', { class: 'card' }, form, result),
  );
}

/** One partner: who they are, their commission by status, and their latest conversions. */
export async function partnerPage({ api, programId, partnerId }: PageContext): Promise<HTMLElement> {
  const ids = { pid: programId, partnerId: partnerId! };
  const [partner, conversions] = await Promise.all([
    api.get('/v1/programs/{pid}/partners/{partnerId}', ids),
    api.get('/v1/programs/{pid}/conversions', { pid: programId }, { partnerId, limit: '50' }),
  ]);
  const commission = h('div', {}, commissionOf(partner));
  let statusBadge = badge(partner.status);
  return h(
    'div',
    {},
    h('p', {}, h('a', { href: `#/programs/${programId}/partners` }, '← All partners')),
    h('h1', {}, partner.name),
    h('p', { class: 'sub' }, partner.email, ' · referral key ', h('code', {}, partner.key), ' · ', statusBadge, ' · id ', h('code', {}, partner.id)),
    statusForm(api, ids, partner, (p) => statusBadge.replaceWith((statusBadge = badge(p.status)))),
    portalLinkCard({
      mint: (expiresInSeconds) => api.post('/v1/programs/{pid}/partners/{partnerId}/portal-links', ids, { expiresInSeconds }),
      name: 'Partner portal link',
      lastsLabel: 'Link lasts',
      button: 'Create portal link',
      linkLabel: 'Portal link',
      reach: "anyone holding it sees this partner's portal.",
      announcement: 'Portal link created',
    }),
    h('h2', {}, 'Commission'),
    asOfCard(api, ids, commission),
    h('h2', {}, 'Latest conversions'),
    conversions.items.length
      ? h(
          'table',
          { 'aria-label': `Conversions of ${partner.name}` },
          h(
            'thead',
            {},
            h('tr', {}, h('th', { scope: 'col' }, 'Sale'), h('th', { scope: 'col', class: 'num' }, 'Amount'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Created')),
          ),
          h(
            'tbody',
            {},
            conversions.items.map((c) =>
              h('tr', {}, h('td', {}, h('code', {}, c.transactionKey)), h('td', { class: 'num' }, `${c.amount} ${c.currency}`), h('td', {}, badge(c.status)), h('td', {}, when(c.createdAt))),
            ),
          ),
        )
      : h('p', {}, 'No conversion yet.'),
  );
}

/** The partner's ids in the path templates. */
type PartnerIds = { pid: string; partnerId: string };

/** Changes the partner's status (with an optional reason, recorded in the log); the badge follows. */
function statusForm(api: PageContext['api'], ids: PartnerIds, partner: { status: string }, changed: (p: { status: string }) => void): HTMLElement {
  const status = h(
    'select',
    { name: 'newStatus' },
    STATUSES.filter(Boolean).map((s) => h('option', { value: s, selected: s === partner.status }, s.toLowerCase())),
  );
  const reason = h('input', { name: 'statusReason', size: 28, maxlength: 500 });
  const problem = h('div');
  return h(
    'div',
    {},
    h(
      'form',
      {
        class: 'row',
        'aria-label': 'Partner status',
        onsubmit: async (event: Event) => {
          event.preventDefault();
          problem.replaceChildren();
          try {
            const updated = await api.post('/v1/programs/{pid}/partners/{partnerId}/status', ids, {
              status: status.value as Partner['status'],
              ...(reason.value.trim() ? { reason: reason.value.trim() } : {}),
            });
            changed(updated);
            announce(`Status is now ${updated.status.toLowerCase()}`);
          } catch (error) {
            problem.replaceChildren(errorBox(error));
          }
        },
      },
      field('New status', status),
      field('Reason (optional)', reason),
      h('button', { type: 'submit' }, 'Change status'),
    ),
    problem,
  );
}

const commissionOf = (partner: PartnerWithTotals): HTMLElement | HTMLElement[] =>
  partner.commissionTotals?.length ? partner.commissionTotals.map((t) => totalsFigures(t, `Commission in ${t.currency}`)) : h('p', {}, 'No commission yet.');

/**
 * "As of": the partner's totals as they were at a past time, answered by the engine from the log
 * (`asOf`), not from today's read model; "Now" goes back to the current figures.
 */
function asOfCard(api: PageContext['api'], ids: PartnerIds, commission: HTMLElement): HTMLElement {
  const at = h('input', { type: 'datetime-local', name: 'asOf', step: 1 });
  const said = h('p', { class: 'muted' }, 'Now.');
  const problem = h('div');
  const show = async (asOf?: string) => {
    problem.replaceChildren();
    try {
      const partner = await api.get('/v1/programs/{pid}/partners/{partnerId}', ids, { asOf });
      commission.replaceChildren(...[commissionOf(partner)].flat());
      said.textContent = asOf ? `As of ${when(asOf)}.` : 'Now.';
      announce(said.textContent);
    } catch (error) {
      problem.replaceChildren(errorBox(error));
    }
  };
  return h(
    'div',
    {},
    h(
      'form',
      {
        class: 'row',
        'aria-label': 'Commission as of a time',
        onsubmit: (event: Event) => {
          event.preventDefault();
          // datetime-local has no zone: the console works in UTC, as its dates are shown.
          if (at.value) void show(new Date(`${at.value.length === 16 ? `${at.value}:00` : at.value}Z`).toISOString());
        },
      },
      field('As of (UTC)', at),
      h('button', { type: 'submit' }, 'Show as of'),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            at.value = '';
            void show();
          },
        },
        'Now',
      ),
    ),
    problem,
    said,
    commission,
  );
}
