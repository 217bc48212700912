import { ApiError, laterPosition } from '../api.js';
import { alertBox, announce, badge, type Child, field, h, selected, when } from '../dom.js';
import type { PageContext } from '../main.js';
import type { Conversion } from '../types.js';
import { totalsFigures } from './totals.js';

const STATUSES = [
  ['PENDING', 'Pending (review queue)'],
  ['APPROVED', 'Approved'],
  ['DENIED', 'Denied'],
  ['', 'All'],
] as const;

/**
 * The review queue first: pending conversions with their flags and why, approved or denied one at
 * a time or by selection. After a decision the list and the totals are read again at the position
 * the commands answered (`minPosition`), so they show the decision and never an older state.
 */
export async function conversionsPage({ api, programId }: PageContext): Promise<HTMLElement> {
  const pid = { pid: programId };
  const totals = h('div');
  const list = h('div');
  const problem = h('div');
  const status = h(
    'select',
    { name: 'status' },
    STATUSES.map(([value, label]) => h('option', { value }, label)),
  );
  const flagged = h('input', { type: 'checkbox', name: 'flagged' });
  const reason = h('input', { name: 'reason', size: 28, maxlength: 500 });
  const approveSelected = h('button', { type: 'button', disabled: true }, 'Approve selected');
  const denySelected = h('button', { type: 'button', class: 'danger', disabled: true }, 'Deny selected');
  let rows: { conversion: Conversion; box: HTMLInputElement }[] = [];
  // Conversions name their partner by id; one page of partners gives the names for the table.
  const names = new Map<string, string>();

  const ticked = () => rows.filter((r) => r.box.checked).map((r) => r.conversion);
  const refreshSelection = () => {
    const n = ticked().length;
    approveSelected.disabled = denySelected.disabled = n === 0;
    approveSelected.textContent = n ? `Approve selected (${n})` : 'Approve selected';
    denySelected.textContent = n ? `Deny selected (${n})` : 'Deny selected';
  };

  const load = async (minPosition?: string) => {
    const [page, sums, partners] = await Promise.all([
      api.get('/v1/programs/{pid}/conversions', pid, { status: selected<Conversion['status']>(status), flagged: flagged.checked ? 'true' : undefined, limit: '100', minPosition }),
      api.get('/v1/programs/{pid}/commission-totals', pid, { limit: '1', minPosition }),
      names.size ? null : api.get('/v1/programs/{pid}/partners', pid, { limit: '500' }),
    ]);
    for (const p of partners?.items ?? []) names.set(p.id, p.name);
    totals.replaceChildren(totalsFigures(sums.program, 'Commission by status'));
    rows = page.items.map((conversion) => ({
      conversion,
      box: h('input', { type: 'checkbox', 'aria-label': `Select conversion ${conversion.transactionKey}`, onchange: refreshSelection }),
    }));
    const selectAll = h('input', {
      type: 'checkbox',
      'aria-label': 'Select every pending conversion shown',
      onchange: (event: Event) => {
        const on = (event.target as HTMLInputElement).checked;
        for (const r of rows) if (r.conversion.status === 'PENDING') r.box.checked = on;
        refreshSelection();
      },
    });
    list.replaceChildren(
      rows.length
        ? h(
            'table',
            { 'aria-label': 'Conversions' },
            h('caption', { class: 'muted' }, `${rows.length} conversion${rows.length === 1 ? '' : 's'}${page.nextCursor ? ' (newest 100)' : ''}`),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, selectAll),
                h('th', { scope: 'col' }, 'Sale'),
                h('th', { scope: 'col' }, 'Partner'),
                h('th', { scope: 'col' }, 'Customer'),
                h('th', { scope: 'col', class: 'num' }, 'Amount'),
                h('th', { scope: 'col', class: 'num' }, 'Commission'),
                h('th', { scope: 'col' }, 'Status'),
                h('th', { scope: 'col' }, 'Flags'),
                h('th', { scope: 'col' }, 'Created'),
                h('th', { scope: 'col' }, 'Decide'),
              ),
            ),
            h(
              'tbody',
              {},
              rows.map((r) => row(r.conversion, r.box)),
            ),
          )
        : h('p', {}, status.value === 'PENDING' ? 'The queue is empty: nothing waits for a decision.' : 'No conversion matches.'),
    );
    refreshSelection();
  };

  const row = (c: Conversion, box: HTMLInputElement) => {
    const commission = c.commissions.find((l) => l.level === 1) ?? c.commissions[0];
    const pending = c.status === 'PENDING';
    box.disabled = !pending;
    return h(
      'tr',
      { 'data-conversion': c.id },
      h('td', {}, box),
      h('td', { class: 'nowrap' }, h('a', { href: `#/programs/${programId}/conversions/${c.id}`, 'aria-label': `History of ${c.transactionKey}` }, h('code', {}, c.transactionKey))),
      h('td', {}, h('a', { href: `#/programs/${programId}/partners/${c.partnerId}` }, names.get(c.partnerId) ?? c.partnerId)),
      h('td', {}, customerCell(c)),
      h('td', { class: 'num nowrap' }, `${c.amount} ${c.currency}`),
      h('td', { class: 'num nowrap' }, commission ? `${commission.amount} ${c.currency}` : '–'),
      h('td', {}, badge(c.status)),
      h(
        'td',
        {},
        c.flagReasons.length
          ? h(
              'ul',
              { class: 'plain' },
              c.flagReasons.map((f) => h('li', {}, h('span', { class: 'flag' }, f.flag), ' ', f.reason.replaceAll('_', ' '))),
            )
          : c.flags.map((f) => h('span', { class: 'flag' }, f)),
      ),
      h('td', {}, when(c.createdAt)),
      h(
        'td',
        { class: 'nowrap' },
        pending
          ? [
              h('button', { type: 'button', 'aria-label': `Approve ${c.transactionKey}`, onclick: () => decide('approve', [c]) }, 'Approve'),
              ' ',
              h('button', { type: 'button', class: 'danger', 'aria-label': `Deny ${c.transactionKey}`, onclick: () => decide('deny', [c]) }, 'Deny'),
            ]
          : null,
      ),
    );
  };

  /** One command per conversion (the API decides one at a time); the reads then wait for the last. */
  const decide = async (action: 'approve' | 'deny', conversions: Conversion[]) => {
    problem.replaceChildren();
    let position: string | undefined;
    const failures: string[] = [];
    for (const c of conversions) {
      try {
        const answer = await api.post(`/v1/programs/{pid}/conversions/{id}/${action}`, { pid: programId, id: c.id }, reason.value ? { reason: reason.value } : {});
        position = laterPosition(position, answer.position);
      } catch (error) {
        failures.push(`${c.transactionKey}: ${error instanceof ApiError ? error.message : String(error)}`);
      }
    }
    const done = conversions.length - failures.length;
    if (failures.length) problem.replaceChildren(alertBox(`Not ${action === 'approve' ? 'approved' : 'denied'}: ${failures.join('; ')}`));
    await load(position);
    // The decided rows' buttons are gone: keep the keyboard in the list, or on the page's heading.
    (list.querySelector<HTMLElement>('tbody button') ?? document.querySelector<HTMLElement>('main h1'))?.focus();
    announce(`${done} conversion${done === 1 ? '' : 's'} ${action === 'approve' ? 'approved' : 'denied'}`);
  };

  approveSelected.addEventListener('click', () => void decide('approve', ticked()));
  denySelected.addEventListener('click', () => void decide('deny', ticked()));
  status.addEventListener('change', () => void load());
  flagged.addEventListener('change', () => void load());

  await load();
  return h(
    'div',
    {},
    h('h1', {}, 'Conversions'),
    h('p', { class: 'sub' }, 'Pending conversions wait for a decision; flags say why one was held.'),
    totals,
    h(
      'div',
      { class: 'toolbar', role: 'group', 'aria-label': 'Filter and decide' },
      field('Status', status),
      field('Flagged only', flagged, 'inline'),
      field('Reason (optional, recorded with the decision)', reason),
      approveSelected,
      denySelected,
    ),
    problem,
    list,
  );
}

/** The customer by name, their email beneath; the key or the id when the answer has no name for them. */
function customerCell({ customer, customerId }: Conversion): Child {
  if (!customer) return h('code', {}, customerId);
  if (!customer.name) return customer.email || h('code', {}, customer.key);
  return [customer.name, customer.email ? [h('br'), h('span', { class: 'muted' }, customer.email)] : null];
}
