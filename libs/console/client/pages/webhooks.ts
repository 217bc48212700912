import { announce, badge, field, h, when } from '../dom.js';
import type { PageContext } from '../main.js';
import { portalLinkCard } from '../portal-link-card.js';
import type { ReplayJob, WebhookEndpoint } from '../webhook-types.js';
import { deliveriesPanel } from './deliveries.js';
import { endpointActions, secretRegion } from './endpoint-actions.js';
import { errorBox, onSubmit } from '../forms.js';

const ALL = 'ALL';
const state = (e: WebhookEndpoint) => badge(e.enabled ? 'ENABLED' : 'DISABLED');
const topicsText = (topics: string[]) => (topics.includes(ALL) ? 'All topics' : topics.join(', '));

/** Outgoing webhooks: the program's endpoints, a form to add one (its secret shown once), and the replay jobs. */
export async function webhooksPage({ api, programId }: PageContext): Promise<HTMLElement> {
  const pid = { pid: programId };
  const list = h('div');
  const result = h('div');
  const catalogue = await api.get('/v1/webhook-topics', {});
  let endpoints: WebhookEndpoint[] = [];

  const load = async () => {
    endpoints = (await api.get('/v1/programs/{pid}/webhook-endpoints', pid, { limit: '200' })).items;
    list.replaceChildren(
      endpoints.length
        ? h(
            'table',
            { 'aria-label': 'Webhook endpoints' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['URL', 'Description', 'Topics', 'State', 'Created'].map((name) => h('th', { scope: 'col' }, name)),
              ),
            ),
            h(
              'tbody',
              {},
              endpoints.map((e) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('a', { href: `#/programs/${programId}/outgoing-webhooks/${e.id}` }, e.url)),
                  h('td', {}, e.description ?? ''),
                  h('td', {}, topicsText(e.topics)),
                  h('td', {}, state(e)),
                  h('td', { class: 'nowrap' }, when(e.createdAt)),
                ),
              ),
            ),
          )
        : h('p', {}, 'No endpoint yet: add the first one below.'),
    );
  };

  const url = h('input', { type: 'url', name: 'url', required: true, size: 48, placeholder: 'https://hooks.example.com/partner-ledger' });
  const description = h('input', { name: 'description', maxlength: 500, size: 28 });
  const all = h('input', { type: 'checkbox', name: 'topic', value: ALL });
  const boxes = catalogue.items.map((t) => h('input', { type: 'checkbox', name: 'topic', value: t.topic }));
  // "All topics" covers the rest (and any topic added later): the others are greyed while it is on.
  all.addEventListener('change', () => {
    for (const b of boxes) b.disabled = all.checked;
  });
  const form = h(
    'form',
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        result.replaceChildren();
        const topics = all.checked ? [ALL] : boxes.filter((b) => b.checked).map((b) => b.value);
        try {
          const created = await api.post('/v1/programs/{pid}/webhook-endpoints', pid, { url: url.value, topics, ...(description.value ? { description: description.value } : {}) });
          form.reset();
          for (const b of boxes) b.disabled = false;
          await load();
          result.replaceChildren(
            secretRegion('New endpoint secret', `Endpoint created. Its signing secret is shown this once: give it to the receiver now.`, created.secret),
            h('p', {}, h('a', { href: `#/programs/${programId}/outgoing-webhooks/${created.id}` }, `Open ${created.url}`)),
          );
          announce('Webhook endpoint created');
        } catch (error) {
          result.replaceChildren(errorBox(error));
        }
      },
    },
    h('div', { class: 'toolbar' }, field('URL', url), field('Description (optional)', description)),
    h(
      'fieldset',
      { class: 'checks' },
      h('legend', {}, 'Topics'),
      field('All topics', all, 'inline'),
      catalogue.items.map((t, i) => field(t.topic, boxes[i], 'inline')),
    ),
    h('button', { type: 'submit' }, 'Create endpoint'),
  );

  const jobs = replayJobsTable(api, programId, () => endpoints);
  await load();
  await jobs.refresh();
  return h(
    'div',
    {},
    h('h1', {}, 'Outgoing webhooks'),
    h('p', { class: 'sub' }, 'Endpoints receive a signed POST for each event of the topics they subscribe to. Open one for its deliveries, tests, secret and replays.'),
    list,
    h('h2', {}, 'Add an endpoint'),
    h('section', { class: 'card' }, form, result),
    h('h2', {}, 'Replay jobs'),
    jobs.element,
  );
}

/** One endpoint: test it, rotate its secret, turn it off or on, hand its developer a portal link, replay a time range, and every delivery. */
export async function webhookEndpointPage({ api, programId, itemId: id }: PageContext): Promise<HTMLElement> {
  const ids = { pid: programId, id: id! };
  const [endpoint, catalogue] = await Promise.all([api.get('/v1/programs/{pid}/webhook-endpoints/{id}', ids), api.get('/v1/webhook-topics', {})]);
  const topics = endpoint.topics.includes(ALL) ? catalogue.items.map((t) => t.topic) : endpoint.topics;

  const deliveries = deliveriesPanel(
    {
      list: (query) => api.get('/v1/programs/{pid}/webhook-endpoints/{id}/deliveries', ids, query),
      resend: (d) => api.post('/v1/programs/{pid}/deliveries/{deliveryId}/resend', { pid: programId, deliveryId: d.id }),
    },
    topics,
  );
  const actions = endpointActions(
    {
      test: () => api.post('/v1/programs/{pid}/webhook-endpoints/{id}/test', ids),
      rotate: (overlapSeconds) => api.post('/v1/programs/{pid}/webhook-endpoints/{id}/rotate-secret', ids, { overlapSeconds }),
    },
    deliveries.follow,
  );

  const stateLine = h('p', { class: 'sub' });
  const toggleResult = h('div');
  const toggle = h('button', { type: 'button', class: 'danger' });
  const showState = (e: WebhookEndpoint) => {
    stateLine.replaceChildren(
      state(e),
      ` · ${topicsText(e.topics)}`,
      e.description ? ` · ${e.description}` : '',
      ' · id ',
      h('code', {}, e.id),
      e.disabledReason ? ` · disabled: ${e.disabledReason}` : '',
    );
    toggle.textContent = e.enabled ? 'Disable endpoint' : 'Enable endpoint';
    toggle.className = e.enabled ? 'danger' : '';
  };
  toggle.addEventListener('click', async () => {
    toggleResult.replaceChildren();
    try {
      const next = await api.patch('/v1/programs/{pid}/webhook-endpoints/{id}', ids, { enabled: toggle.textContent === 'Enable endpoint' });
      showState(next);
      announce(next.enabled ? 'Endpoint enabled' : 'Endpoint disabled: nothing more is sent to it');
    } catch (error) {
      toggleResult.replaceChildren(errorBox(error));
    }
  });
  showState(endpoint);

  const jobs = replayJobsTable(api, programId, () => [endpoint], endpoint.id);
  await Promise.all([deliveries.refresh(), jobs.refresh()]);
  return h(
    'div',
    {},
    h('p', {}, h('a', { href: `#/programs/${programId}/outgoing-webhooks` }, '← All endpoints')),
    h('h1', {}, endpoint.url),
    stateLine,
    h('section', { class: 'card', 'aria-label': 'Endpoint actions' }, actions, h('div', { class: 'toolbar' }, toggle), toggleResult),
    portalLinkCard({
      mint: (expiresInSeconds) => api.post('/v1/programs/{pid}/webhook-endpoints/{id}/portal-links', ids, { expiresInSeconds }),
      name: 'Consumer portal link',
      intro: 'The developer receiving these webhooks can follow them in a portal of their own.',
      lastsLabel: 'Portal link lasts',
      button: 'Create consumer portal link',
      buttonClass: 'secondary',
      linkLabel: 'Consumer portal link',
      reach: "anyone holding it sees this endpoint's deliveries, resends, sends tests and rotates its secret.",
      announcement: 'Consumer portal link created',
    }),
    h('h2', {}, 'Replay a time range'),
    h('section', { class: 'card' }, replayForm(api, ids, jobs.refresh), jobs.element),
    h('h2', {}, 'Deliveries'),
    deliveries.element,
  );
}

/** `datetime-local` has no zone: the form says UTC, so the value is read as UTC. */
const utc = (local: string) => (local ? new Date(`${local}${local.length === 16 ? ':00' : ''}Z`).toISOString() : undefined);

function replayForm(api: PageContext['api'], ids: { pid: string; id: string }, after: () => Promise<void>): HTMLElement {
  const from = h('input', { type: 'datetime-local', name: 'from' });
  const to = h('input', { type: 'datetime-local', name: 'to' });
  const result = h('div');
  const form = h(
    'form',
    {
      class: 'row',
      onsubmit: onSubmit(result, async () => {
        const job = await api.post('/v1/programs/{pid}/webhook-endpoints/{id}/replay', ids, { from: utc(from.value), to: utc(to.value) });
        announce(`Replay job ${job.id} queued`);
        await after();
      }),
    },
    field('From (UTC, empty: the start)', from),
    field('To (UTC, empty: now)', to),
    h('button', { type: 'submit' }, 'Replay'),
  );
  return h('div', {}, h('p', { class: 'muted' }, 'Sends every past event of its topics created in the range again, in the payloads they had then, with their webhook ids.'), form, result);
}

/**
 * Replay jobs newest first (of one endpoint, or of the program), with their progress, read again
 * every second while one is queued or running and the page is shown.
 */
function replayJobsTable(api: PageContext['api'], programId: string, endpoints: () => WebhookEndpoint[], endpointId?: string) {
  const element = h('div');
  let timer: number | undefined;
  const urlOf = (id: string) => endpoints().find((e) => e.id === id)?.url ?? id;
  const refresh = async (): Promise<void> => {
    window.clearTimeout(timer);
    const page = await api.get('/v1/programs/{pid}/replay-jobs', { pid: programId }, { limit: '50' });
    const jobs = endpointId ? page.items.filter((j) => j.endpointId === endpointId) : page.items;
    element.replaceChildren(
      jobs.length
        ? h(
            'table',
            { 'aria-label': 'Replay jobs' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                [...(endpointId ? [] : ['Endpoint']), 'Range', 'State', 'Progress', 'Created', 'Cancel'].map((name) => h('th', { scope: 'col' }, name)),
              ),
            ),
            h(
              'tbody',
              {},
              jobs.map((j) =>
                h(
                  'tr',
                  {},
                  endpointId ? null : h('td', {}, urlOf(j.endpointId)),
                  h('td', {}, `${j.from ? when(j.from) : 'the start'} → ${j.to ? when(j.to) : 'now'}`),
                  h('td', {}, badge(j.status.toUpperCase()), j.error ? ` ${j.error}` : ''),
                  h('td', {}, progressText(j)),
                  h('td', { class: 'nowrap' }, when(j.createdAt)),
                  h(
                    'td',
                    {},
                    j.status === 'queued' || j.status === 'running'
                      ? h(
                          'button',
                          {
                            type: 'button',
                            class: 'secondary',
                            'aria-label': `Cancel replay ${j.id}`,
                            onclick: async () => {
                              await api.post('/v1/programs/{pid}/replay-jobs/{jobId}/cancel', { pid: programId, jobId: j.id }).catch(() => undefined);
                              await refresh();
                            },
                          },
                          'Cancel',
                        )
                      : null,
                  ),
                ),
              ),
            ),
          )
        : h('p', {}, 'No replay job yet.'),
    );
    if (jobs.some((j) => j.status === 'queued' || j.status === 'running')) {
      timer = window.setTimeout(() => {
        if (element.isConnected) void refresh().catch(() => undefined);
      }, 1000);
    }
  };
  return { element, refresh };
}

function progressText(j: ReplayJob): string {
  const { eventsScanned, messagesQueued, lastPosition, headPosition } = j.progress;
  const where = lastPosition && headPosition ? ` · position ${lastPosition} of ${headPosition}` : '';
  return `${eventsScanned} event${eventsScanned === 1 ? '' : 's'} read · ${messagesQueued} queued${where}`;
}
