import { field, h, when } from '../dom.js';
import type { PageContext } from '../main.js';
import { onSubmit } from '../forms.js';

/** A program's incoming webhooks, and a form to create one (which opens its page, to send a sample). */
export async function incomingWebhooksPage({ api, programId }: PageContext): Promise<HTMLElement> {
  const page = await api.get('/v1/programs/{pid}/incoming-webhooks', { pid: programId }, { limit: '500' });
  const name = h('input', { name: 'name', required: true, maxlength: 200, placeholder: 'e.g. Shop orders' });
  const result = h('div');
  const form = h(
    'form',
    {
      class: 'row',
      onsubmit: onSubmit(result, async () => {
        const created = await api.post('/v1/programs/{pid}/incoming-webhooks', { pid: programId }, { name: name.value });
        // Its page opens with focus on its heading, which says it to a screen reader.
        location.hash = `#/programs/${programId}/incoming-webhooks/${created.id}`;
      }),
    },
    field('Name', name),
    h('button', { type: 'submit' }, 'Create incoming webhook'),
  );

  return h(
    'div',
    {},
    h('h1', {}, 'Incoming webhooks'),
    h('p', { class: 'sub' }, 'Another app posts its own JSON to a test URL; you map its paths to a partner, customer or sale; its production URL then writes them.'),
    page.items.length
      ? h(
          'table',
          { 'aria-label': 'Incoming webhooks' },
          h('caption', { class: 'muted' }, `${page.items.length} incoming webhook${page.items.length === 1 ? '' : 's'}${page.nextCursor ? ' (first 500)' : ''}`),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Action'), h('th', { scope: 'col' }, 'Created'))),
          h(
            'tbody',
            {},
            page.items.map((w) =>
              h(
                'tr',
                {},
                h('td', {}, h('a', { href: `#/programs/${programId}/incoming-webhooks/${w.id}` }, w.name)),
                h('td', {}, w.action ? h('code', {}, w.action) : h('span', { class: 'muted' }, 'not mapped yet')),
                h('td', {}, when(w.createdAt)),
              ),
            ),
          ),
        )
      : h('p', {}, 'No incoming webhook yet: create the first one below.'),
    h('h2', {}, 'Create an incoming webhook'),
    h('section', { class: 'card' }, form, result),
  );
}
