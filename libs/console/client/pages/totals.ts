import { h } from '../dom.js';
import type { Bucket, Totals } from '../types.js';

const STATUSES: [keyof Totals, string][] = [
  ['pending', 'Pending'],
  ['approved', 'Approved'],
  ['denied', 'Denied'],
  ['reversed', 'Reversed'],
  ['paid', 'Paid'],
];

/** Commission by status: a named group of figures, each itself a group named by its status. */
export function totalsFigures(totals: Totals, label: string): HTMLElement {
  const figure = (name: string, amount: string, note?: string) =>
    h(
      'div',
      { class: 'total', role: 'group', 'aria-label': name },
      h('span', { class: 'name' }, name),
      h('span', { class: 'amount' }, `${amount} ${totals.currency}`),
      note ? h('small', {}, note) : null,
    );
  return h(
    'div',
    { class: 'totals', role: 'group', 'aria-label': label },
    STATUSES.map(([field, name]) => {
      const bucket = totals[field] as Bucket;
      return figure(name, bucket.amount, `${bucket.count} conversion${bucket.count === 1 ? '' : 's'}`);
    }),
    figure('Balance', totals.balance, 'approved − paid'),
  );
}
