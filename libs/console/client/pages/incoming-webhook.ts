import { announce, badge, field, fill, h, when } from '../dom.js';
import type { PageContext } from '../main.js';
import { poll } from '../poll.js';
import type { IncomingRequest } from '../types.js';
import { mappingEditor } from './incoming-mapping.js';

/** How often the page asks whether a request arrived: the samples and the log show up without a reload. */
const POLL_MS = 1000;
const LOG_SHOWN = 20;

/**
 * One incoming webhook, Partnero's flow as a page: copy the test URL, watch a sample arrive with
 * every path in it, map the action's fields to those paths, see the dry run, save, then copy the
 * production URL. The page polls the request log (one small read a second) and reads the webhook
 * again only when a request arrived.
 */
export async function incomingWebhookPage({ api, programId, itemId: webhookId }: PageContext): Promise<HTMLElement> {
  const ids = { pid: programId, id: webhookId! };
  const requests = () => api.get('/v1/programs/{pid}/incoming-webhooks/{id}/requests', ids, { limit: String(LOG_SHOWN) });
  let [webhook, log] = await Promise.all([api.get('/v1/programs/{pid}/incoming-webhooks/{id}', ids), requests()]);
  let lastRequest = log.items[0]?.id ?? null;

  const status = h('p', { class: 'sub' });
  const renderStatus = () =>
    fill(status, webhook.action ? ['Mapped to ', h('code', {}, webhook.action), '.'] : 'Not mapped yet: the production URL refuses payloads until a mapping is saved.');

  const sampleBox = h('div');
  const pathsBox = h('div');
  const logBox = h('div');
  const renderSample = () => {
    const n = webhook.samples.length;
    fill(
      sampleBox,
      n
        ? [
            h('p', {}, `${n} sample${n === 1 ? '' : 's'} kept. The newest, received ${when(webhook.samples[0].receivedAt)}:`),
            h('pre', { class: 'payload sample', tabindex: 0, role: 'region', 'aria-label': 'Newest sample' }, JSON.stringify(webhook.sample, null, 2)),
          ]
        : h('p', {}, 'Waiting for a sample: POST a JSON object to the test URL. This page shows it as soon as it arrives.'),
    );
    fill(
      pathsBox,
      webhook.paths.length
        ? h(
            'table',
            { 'aria-label': 'Paths in the samples' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Path'), h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Example'))),
            h(
              'tbody',
              {},
              webhook.paths.map((p) => h('tr', {}, h('td', {}, h('code', {}, p.path)), h('td', {}, p.type), h('td', {}, h('code', {}, JSON.stringify(p.example))))),
            ),
          )
        : null,
      webhook.pathsTruncated ? h('p', { class: 'muted' }, 'The sample has more paths than are listed.') : null,
    );
  };

  const renderLog = () =>
    logBox.replaceChildren(
      log.items.length
        ? h(
            'table',
            { 'aria-label': 'Request log' },
            h('caption', { class: 'muted' }, `The newest ${log.items.length} request${log.items.length === 1 ? '' : 's'}`),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, 'Received'),
                h('th', { scope: 'col' }, 'URL'),
                h('th', { scope: 'col' }, 'Outcome'),
                h('th', { scope: 'col', class: 'num' }, 'Status'),
                h('th', { scope: 'col' }, 'Details'),
              ),
            ),
            h(
              'tbody',
              {},
              log.items.map((r) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'nowrap' }, when(r.at)),
                  h('td', {}, r.url),
                  h('td', {}, badge(r.outcome)),
                  h('td', { class: 'num' }, String(r.status)),
                  h('td', {}, requestDetails(r)),
                ),
              ),
            ),
          )
        : h('p', {}, 'No request yet.'),
    );

  const editor = mappingEditor(api, programId, webhook, (saved) => {
    webhook = { ...webhook, action: saved.action, mapping: saved.mapping };
    renderStatus();
  });

  renderStatus();
  renderSample();
  renderLog();
  const root = h(
    'div',
    {},
    h('p', {}, h('a', { href: `#/programs/${programId}/incoming-webhooks` }, '← All incoming webhooks')),
    h('h1', {}, webhook.name),
    status,
    h(
      'section',
      { class: 'card', 'aria-label': 'URLs' },
      urlField('Test URL', webhook.testUrl, 'Send sample data here: it is kept as a sample and nothing is written.'),
      urlField('Production URL', webhook.productionUrl, 'Send live data here once the mapping is saved: it writes what the dry run shows.'),
    ),
    h('h2', {}, 'Samples'),
    sampleBox,
    pathsBox,
    h('h2', {}, 'Mapping'),
    editor.element,
    h('h2', {}, 'Request log'),
    logBox,
  );

  poll(root, POLL_MS, async () => {
    const fresh = await requests();
    const newest = fresh.items[0]?.id ?? null;
    if (newest === lastRequest) return;
    lastRequest = newest;
    log = fresh;
    renderLog();
    const next = await api.get('/v1/programs/{pid}/incoming-webhooks/{id}', ids);
    if (next.samples.length !== webhook.samples.length || next.samples[0]?.receivedAt !== webhook.samples[0]?.receivedAt) {
      webhook = { ...next, action: webhook.action, mapping: webhook.mapping };
      renderSample();
      editor.update(next);
      announce('New sample received');
    }
  });
  return root;
}

/** A URL to copy: read-only text (selectable by hand too) and a button that copies it. */
function urlField(label: string, url: string, note: string): HTMLElement {
  const input = h('input', { readonly: true, value: url, size: 90, name: label.toLowerCase().replace(' ', '-') });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      announce(`${label} copied`);
    } catch {
      // No clipboard (an insecure origin, a refused permission): select it for Ctrl+C instead.
      input.focus();
      input.select();
      announce(`${label} selected: press Ctrl+C to copy it`);
    }
  };
  return h(
    'div',
    { class: 'row' },
    field(label, input),
    h('button', { type: 'button', class: 'secondary', onclick: () => void copy() }, `Copy ${label.charAt(0).toLowerCase()}${label.slice(1)}`),
    h('p', { class: 'muted note' }, note),
  );
}

/** A log row's story: what was created or found, or why it was refused. */
function requestDetails(r: IncomingRequest): string {
  if (r.error) return `${r.error.code}: ${r.error.detail}`;
  if (r.outcome === 'sampled') return 'kept as a sample';
  // A dry run's entry keeps the dry run (what the production URL would do); the others what was done.
  const logged = r.result;
  const run = logged && 'wouldSucceed' in logged ? logged : null;
  const result = logged && 'wouldSucceed' in logged ? logged.result : logged;
  const prefix = run ? (run.wouldSucceed ? 'dry run: would write ' : 'dry run: would be refused') : '';
  if (run && !run.wouldSucceed) return `${prefix} (${run.error?.code ?? run.status})`;
  const parts: string[] = [];
  if (result?.partner) parts.push(`partner ${result.partner.id}`);
  if (result?.customer) parts.push(`customer ${result.customer.id}${result.customer.created ? ' (new)' : ''}`);
  if (result?.transaction) parts.push(`sale ${result.transaction.key}${result.transaction.created === false ? ' (already recorded)' : ''}`);
  return prefix + (parts.join(', ') || 'nothing');
}
