import { Api } from './api.js';
import { badge, h, when } from './dom.js';
import { deliveriesPanel } from './pages/deliveries.js';
import { endpointActions } from './pages/endpoint-actions.js';
import { linkToken, refusedPage, showPortal } from './portal-common.js';

/**
 * The webhook-consumer portal (`/portal/webhook-endpoint#<token>`): one endpoint, for the developer
 * receiving its webhooks: its deliveries and attempts, resend, a test event, a new signing secret.
 * The token comes from the URL fragment and is sent only as the bearer of `/v1/portal/webhook-endpoint`,
 * which chooses the endpoint from it alone.
 */
async function load(): Promise<void> {
  const api = new Api(linkToken());
  let view;
  try {
    view = await api.get('/v1/portal/webhook-endpoint', {});
  } catch (error) {
    return showPortal(refusedPage(error), 'Link not accepted');
  }
  const { endpoint, program } = view;
  const deliveries = deliveriesPanel(
    {
      list: (query) => api.get('/v1/portal/webhook-endpoint/deliveries', {}, query),
      resend: (d) => api.post('/v1/portal/webhook-endpoint/deliveries/{deliveryId}/resend', { deliveryId: d.id }),
    },
    view.subscribedTopics,
  );
  const actions = endpointActions(
    {
      test: () => api.post('/v1/portal/webhook-endpoint/test', {}),
      rotate: (overlapSeconds) => api.post('/v1/portal/webhook-endpoint/rotate-secret', {}, { overlapSeconds }),
    },
    deliveries.follow,
  );
  try {
    await deliveries.refresh();
  } catch (error) {
    return showPortal(refusedPage(error), 'Link not accepted');
  }
  showPortal(
    h(
      'div',
      {},
      h('h1', {}, 'Webhooks from ', program.name),
      h(
        'p',
        { class: 'sub' },
        'To ',
        h('code', {}, endpoint.url),
        ' · ',
        badge(endpoint.enabled ? 'ENABLED' : 'DISABLED'),
        ` · ${endpoint.topics.includes('ALL') ? 'all topics' : endpoint.topics.join(', ')} · this link works until ${when(view.expiresAt)}`,
      ),
      endpoint.enabled
        ? null
        : h('p', { role: 'note' }, `Nothing is sent to this endpoint while it is disabled (${endpoint.disabledReason ?? 'no reason given'}). Ask the program to enable it.`),
      h('section', { class: 'card', 'aria-label': 'Endpoint actions' }, actions),
      h('h2', {}, 'Deliveries'),
      deliveries.element,
    ),
    'Webhook portal',
  );
}

void load();
