import { announce, field, h, when } from '../dom.js';
import type { PageContext } from '../main.js';
import { onSubmit } from '../forms.js';

/** The admin's start page: every program, and a form to create one (its key is shown once). */
export async function programsPage({ api }: PageContext): Promise<HTMLElement> {
  const list = h('div');
  const result = h('div');

  const load = async () => {
    const page = await api.get('/v1/programs', {}, { limit: '500' });
    list.replaceChildren(
      page.items.length
        ? h(
            'table',
            {},
            h('caption', { class: 'muted' }, `${page.items.length} program${page.items.length === 1 ? '' : 's'}${page.nextCursor ? ' (first 500)' : ''}`),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Id'), h('th', { scope: 'col' }, 'Currency'), h('th', { scope: 'col' }, 'Created'))),
            h(
              'tbody',
              {},
              page.items.map((p) =>
                h('tr', {}, h('td', {}, h('a', { href: `#/programs/${p.id}/overview` }, p.name)), h('td', {}, h('code', {}, p.id)), h('td', {}, p.currency), h('td', {}, when(p.createdAt))),
              ),
            ),
          )
        : h('p', {}, 'No program yet: create the first one below.'),
    );
  };

  const name = h('input', { name: 'name', required: true });
  const currency = h('input', { name: 'currency', value: 'USD', required: true, maxlength: 3, size: 5, pattern: '[A-Za-z]{3}' });
  const type = h('select', { name: 'commissionType' }, h('option', { value: 'PERCENT_OF_SALE' }, 'Percent of sale'), h('option', { value: 'FLAT_RATE' }, 'Flat rate'));
  const amount = h('input', { name: 'commissionAmount', value: '10', required: true, inputmode: 'decimal', size: 8 });
  const form = h(
    'form',
    {
      class: 'row',
      onsubmit: onSubmit(result, async () => {
        const created = await api.post(
          '/v1/programs',
          {},
          {
            name: name.value,
            currency: currency.value.toUpperCase(),
            commission: { type: type.value as 'PERCENT_OF_SALE' | 'FLAT_RATE', amount: amount.value },
          },
        );
        result.replaceChildren(
          h(
            'div',
            { role: 'region', 'aria-label': 'New program key' },
            h('p', {}, 'Program ', h('a', { href: `#/programs/${created.id}/overview` }, created.name), ' created. Its API key is shown this once: keep it now.'),
            h('p', { class: 'secret' }, created.apiKey),
          ),
        );
        announce(`Program ${created.name} created`);
        form.reset();
        await load();
      }),
    },
    field('Name', name),
    field('Currency', currency),
    field('Commission type', type),
    field('Commission amount', amount),
    h('button', { type: 'submit' }, 'Create program'),
  );

  await load();
  return h(
    'div',
    {},
    h('h1', {}, 'Programs'),
    h('p', { class: 'sub' }, 'Every program on this engine.'),
    list,
    h('h2', {}, 'Create a program'),
    h('section', { class: 'card' }, form, result),
  );
}
