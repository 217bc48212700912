import { announce, badge, field, h, when } from '../dom.js';
import type { PageContext } from '../main.js';
import type { HistoryEntry } from '../types.js';
import { errorBox } from '../forms.js';

const actorOf = (e: HistoryEntry): string => {
  if (!e.actor) return '';
  if (e.actor.type === 'ENGINE') return `the engine${e.actor.rule ? ` (${e.actor.rule.replaceAll('_', ' ').toLowerCase()})` : ''}`;
  return e.actor.type.replaceAll('_', ' ').toLowerCase();
};

/**
 * One conversion's history, read from its transaction's stream (never behind), oldest first: who
 * created, decided, reopened or refunded it, when and why; and a refund of the sale, whole or part.
 */
export async function conversionPage({ api, programId, itemId }: PageContext): Promise<HTMLElement> {
  const partners = await api.get('/v1/programs/{pid}/partners', { pid: programId }, { limit: '500' });
  const names = new Map(partners.items.map((p) => [p.id, p.name]));
  const body = h('div');

  const render = async () => {
    const history = await api.get('/v1/programs/{pid}/conversions/{id}/history', { pid: programId, id: itemId! }, { limit: '500' });
    const current = history.items.at(-1);
    const refunded = history.items.some((e) => e.type === 'REFUNDED' && e.fullyRefunded);
    const amount = h('input', { name: 'amount', inputmode: 'decimal', size: 10, placeholder: 'all that is left' });
    const reason = h('input', { name: 'reason', size: 28, maxlength: 500 });
    const problem = h('div');
    const refund = h(
      'form',
      {
        class: 'row',
        'aria-label': 'Refund the sale',
        onsubmit: async (event: Event) => {
          event.preventDefault();
          problem.replaceChildren();
          try {
            await api.post(
              '/v1/programs/{pid}/transactions/{key}/refund',
              { pid: programId, key: history.transactionKey },
              {
                ...(amount.value.trim() ? { amount: amount.value.trim() } : {}),
                ...(reason.value.trim() ? { reason: reason.value.trim() } : {}),
              },
            );
            await render();
            announce('Refund recorded; the commission it takes back is reversed');
            document.querySelector<HTMLElement>('main h1')?.focus();
          } catch (error) {
            problem.replaceChildren(errorBox(error));
          }
        },
      },
      field('Refund amount (optional)', amount),
      field('Reason (optional)', reason),
      h('button', { type: 'submit', class: 'danger' }, 'Refund'),
    );
    body.replaceChildren(
      h('p', {}, h('a', { href: `#/programs/${programId}/conversions` }, '← Conversions')),
      h('h1', {}, `Sale ${history.transactionKey}`),
      h('p', { class: 'sub' }, 'Conversion ', h('code', {}, history.conversionId), current ? [' · ', badge(current.status)] : null),
      h('h2', {}, 'History'),
      h(
        'ol',
        { class: 'timeline', 'aria-label': 'History of the conversion' },
        history.items.map((e) =>
          h(
            'li',
            {},
            h('strong', {}, e.type.toLowerCase()),
            ` ${when(e.at)}`,
            e.actor ? ` by ${actorOf(e)}` : '',
            e.type === 'REFUNDED' && e.amount ? ` · ${e.amount}${e.fullyRefunded ? ' (all of it)' : ''}` : '',
            e.commissions?.length ? ` · commission ${e.commissions.map((c) => `${c.amount} to ${names.get(c.partnerId) ?? c.partnerId}`).join(', ')}` : '',
            e.reason ? h('div', { class: 'muted' }, `Reason: ${e.reason}`) : null,
            h('div', { class: 'muted' }, `position ${e.position} · then ${e.status}`),
          ),
        ),
      ),
      h('h2', {}, 'Refund'),
      refunded ? h('p', {}, 'The sale is refunded in full.') : h('div', {}, refund, problem),
    );
  };
  await render();
  return body;
}
