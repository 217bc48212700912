import { type Api, ApiError } from '../api.js';
import { announce, type Child, field, fill, h, when } from '../dom.js';
import type { IncomingWebhook, IncomingWebhookSummary, MappingDryRun, SamplePath, TargetField } from '../types.js';
import { errorBox } from '../forms.js';

const ACTION_LABELS: Record<string, string> = {
  create_transaction: 'Record a sale (create_transaction)',
  create_customer: 'Create a customer (create_customer)',
  create_partner: 'Create a partner (create_partner)',
};
/** How long the editor waits after a change before it asks for a dry run (a burst of changes asks once). */
const DRY_RUN_DELAY_MS = 250;

/** A sample value as an option shows it: short, and a string in quotes so "12" and 12 differ. */
function example(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

const bindable = (p: SamplePath) => p.type !== 'object' && p.type !== 'array';

/**
 * The mapping of one incoming webhook: the action, a path of the samples for each of its target
 * fields, and, before anything is saved, the dry run of that mapping on a kept sample (the events
 * the production URL would write, or why it would refuse). `update` takes a newer answer of the
 * webhook (a sample arrived): the choices follow it and the dry run runs again.
 */
export function mappingEditor(
  api: Api,
  programId: string,
  initial: IncomingWebhook,
  onSaved: (saved: IncomingWebhookSummary) => void,
): { element: HTMLElement; update(next: IncomingWebhook): void } {
  const ids = { pid: programId, id: initial.id };
  let webhook = initial;
  // Commission lines name partners by id; the dry run shows their names, each read once.
  const names = new Map<string, Promise<string>>();
  const partnerName = (id: string) => {
    if (!names.has(id))
      names.set(
        id,
        api.get('/v1/programs/{pid}/partners/{partnerId}', { pid: programId, partnerId: id }).then(
          (p) => p.name,
          () => id,
        ),
      );
    return names.get(id)!;
  };
  let selects = new Map<string, HTMLSelectElement>();
  let dryRunSeq = 0;
  let timer: number | undefined;

  const action = h(
    'select',
    { name: 'action' },
    Object.keys(webhook.targets).map((a) => h('option', { value: a, selected: a === (webhook.action ?? 'create_transaction') }, ACTION_LABELS[a] ?? a)),
  );
  /** The select offers the webhook's actions (its `targets`' keys). */
  const chosenAction = () => action.value as NonNullable<IncomingWebhook['action']>;
  const sample = h('select', { name: 'sample' });
  const targets = h('div');
  const saveResult = h('div');
  const summary = h('p', { 'aria-live': 'polite' });
  const dryDetails = h('div');

  const bindings = (): Record<string, string> => Object.fromEntries([...selects].filter(([, s]) => s.value !== '').map(([name, s]) => [name, s.value]));

  const pathOptions = (select: HTMLSelectElement, keep: string) => {
    const paths = webhook.paths.filter(bindable);
    const known = paths.some((p) => p.path === keep);
    fill(
      select,
      h('option', { value: '' }, '(not mapped)'),
      paths.map((p) => h('option', { value: p.path }, `${p.path} (${p.type}: ${example(p.example)})`)),
      keep && !known ? h('option', { value: keep }, `${keep} (not in the kept samples)`) : null,
    );
    select.value = keep;
  };

  const renderTargets = (values: Record<string, string>) => {
    const fields = webhook.targets[action.value] ?? [];
    selects = new Map();
    const row = (t: TargetField) => {
      const select = h('select', { name: `target-${t.name}`, id: `target-${t.name}`, required: t.required, 'aria-describedby': `target-${t.name}-about`, onchange: schedule });
      pathOptions(select, values[t.name] ?? '');
      selects.set(t.name, select);
      return h(
        'tr',
        {},
        h('th', { scope: 'row' }, h('label', { for: select.id }, h('code', {}, t.name))),
        h('td', {}, select),
        h('td', { id: `target-${t.name}-about` }, t.required ? h('strong', {}, 'Required. ') : null, t.description),
      );
    };
    targets.replaceChildren(
      h(
        'table',
        { 'aria-label': 'Target fields' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Target field'), h('th', { scope: 'col' }, 'Path in the sample'), h('th', { scope: 'col' }, 'What it is'))),
        h('tbody', {}, fields.map(row)),
      ),
    );
  };

  const renderSamples = () => {
    const keep = sample.value;
    sample.replaceChildren(...webhook.samples.map((s, i) => h('option', { value: String(i) }, `${i === 0 ? 'Newest' : `#${i + 1}`}, received ${when(s.receivedAt)}`)));
    sample.value = keep && Number(keep) < webhook.samples.length ? keep : '0';
  };

  function schedule(): void {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void dryRun(), DRY_RUN_DELAY_MS);
  }

  const dryRun = async () => {
    const seq = ++dryRunSeq;
    try {
      const answer = await api.post('/v1/programs/{pid}/incoming-webhooks/{id}/mapping/dry-run', ids, { action: chosenAction(), fields: bindings(), sample: Number(sample.value || 0) });
      if (seq === dryRunSeq) renderDryRun(answer);
    } catch (error) {
      if (seq !== dryRunSeq) return;
      if (error instanceof ApiError && error.code === 'invalid_mapping') {
        summary.textContent = 'Not complete yet: this mapping cannot be saved as it is.';
        dryDetails.replaceChildren(
          h(
            'ul',
            { 'aria-label': 'What the mapping lacks' },
            error.errors.map((e) => h('li', {}, h('code', {}, e.field.replace(/^fields\./, '')), ': ', e.reason)),
          ),
        );
      } else {
        summary.textContent = '';
        dryDetails.replaceChildren(errorBox(error));
      }
    }
  };

  const renderDryRun = (answer: MappingDryRun) => {
    const { dryRun: run } = answer;
    const n = run.events.length;
    summary.textContent = !run.wouldSucceed
      ? `The production URL would refuse this sample: ${run.status} ${run.error?.code ?? ''}.`
      : n === 0
        ? `Nothing new would be written: this sample is already applied (${run.status}).`
        : `The production URL would write ${n} event${n === 1 ? '' : 's'} (${run.status}).`;
    fill(
      dryDetails,
      answer.warnings.length
        ? h(
            'ul',
            { class: 'warnings', 'aria-label': 'Warnings' },
            answer.warnings.map((w) => h('li', {}, w)),
          )
        : null,
      run.error ? h('p', { class: 'error' }, run.error.detail) : null,
      run.wouldSucceed ? outcome(answer, partnerName) : null,
      n
        ? h(
            'table',
            { 'aria-label': 'Events the production URL would write' },
            h(
              'thead',
              {},
              h('tr', {}, h('th', { scope: 'col', class: 'num' }, '#'), h('th', { scope: 'col' }, 'Event'), h('th', { scope: 'col' }, 'Stream'), h('th', { scope: 'col' }, 'Data')),
            ),
            h(
              'tbody',
              {},
              run.events.map((e, i) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'num' }, String(i + 1)),
                  h('td', {}, h('code', {}, e.type)),
                  h('td', {}, h('code', {}, e.stream)),
                  h('td', {}, h('details', {}, h('summary', {}, `Data of ${e.type}`), h('pre', { class: 'payload', tabindex: 0 }, JSON.stringify(e.data, null, 2)))),
                ),
              ),
            ),
          )
        : null,
    );
  };

  const save = async (event: Event) => {
    event.preventDefault();
    saveResult.replaceChildren();
    try {
      const saved = await api.put('/v1/programs/{pid}/incoming-webhooks/{id}/mapping', ids, { action: chosenAction(), fields: bindings() });
      webhook = { ...webhook, action: saved.action, mapping: saved.mapping };
      const count = Object.keys(saved.mapping ?? {}).length;
      fill(
        saveResult,
        h('p', { class: 'good' }, `Mapping saved: ${saved.action} with ${count} field${count === 1 ? '' : 's'}. The production URL now writes what the dry run shows.`),
        saved.warnings.length
          ? h(
              'ul',
              { class: 'warnings' },
              saved.warnings.map((w) => h('li', {}, w)),
            )
          : null,
      );
      announce('Mapping saved');
      onSaved(saved);
    } catch (error) {
      fill(
        saveResult,
        errorBox(error),
        error instanceof ApiError && error.errors.length
          ? h(
              'ul',
              {},
              error.errors.map((e) => h('li', {}, h('code', {}, e.field.replace(/^fields\./, '')), ': ', e.reason)),
            )
          : null,
      );
    }
  };

  const form = h(
    'form',
    { onsubmit: save, 'aria-label': 'Mapping' },
    h('div', { class: 'row' }, field('Action', action), field('Dry run on sample', sample)),
    targets,
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Save mapping')),
    saveResult,
  );
  const waiting = h('p', {}, 'Send a sample to the test URL first: its paths become the choices here.');
  const element = h('div', {}, webhook.samples.length ? form : waiting, h('h2', {}, 'Dry run'), summary, dryDetails);

  action.addEventListener('change', () => {
    renderTargets(action.value === webhook.action ? (webhook.mapping ?? {}) : bindings());
    schedule();
  });
  sample.addEventListener('change', schedule);

  const start = () => {
    renderSamples();
    renderTargets(webhook.action === action.value ? (webhook.mapping ?? {}) : {});
    void dryRun();
  };
  if (webhook.samples.length) start();
  else summary.textContent = 'No sample yet: nothing to dry-run.';

  return {
    element,
    update(next: IncomingWebhook) {
      const first = webhook.samples.length === 0 && next.samples.length > 0;
      webhook = { ...next, action: webhook.action, mapping: webhook.mapping };
      if (first) {
        waiting.replaceWith(form);
        start();
        return;
      }
      renderSamples();
      sample.value = '0';
      for (const select of selects.values()) pathOptions(select, select.value);
      schedule();
    },
  };
}

/** What the dry run would create or find, in words: the customer, the sale and its commission, or the partner. */
function outcome(answer: MappingDryRun, partnerName: (id: string) => Promise<string>): HTMLElement | null {
  // Reads the answer's own result (decimal amounts) and the events' data for what the result leaves out (a new customer's name).
  const result = answer.dryRun.result ?? {};
  const created = (type: string) => answer.dryRun.events.find((e) => e.type === type)?.data as Record<string, string> | undefined;
  const facts: [string, Child][] = [];
  const customer = created('CustomerCreated');
  if (customer) facts.push(['Customer', `${customer.name} <${customer.email}>, new`]);
  else if (result.customer) facts.push(['Customer', `existing, ${result.customer.name ?? result.customer.key ?? result.customer.id}`]);
  const tx = result.transaction;
  if (tx) {
    facts.push(['Sale', `${tx.key} of ${tx.amount} ${tx.currency}${tx.created ? '' : ', already recorded'}`]);
    const lines = tx.conversion?.commissions ?? [];
    const who = (id: string) => {
      const name = h('span', {}, id);
      void partnerName(id).then((n) => (name.textContent = n));
      return name;
    };
    facts.push([
      'Commission',
      lines.length ? lines.map((l, i) => [i ? '; ' : '', `${l.amount} ${tx.currency} to `, who(l.partnerId), ` (level ${l.level})`]) : 'none (no partner attributed)',
    ]);
  }
  const partner = result.partner;
  if (partner) facts.push(['Partner', `${partner.name} <${partner.email}>, key ${partner.key}${created('PartnerCreated') ? ', new' : ', existing'}`]);
  if (!facts.length) return null;
  return h(
    'dl',
    { class: 'facts' },
    facts.map(([term, text]) => [h('dt', {}, term), h('dd', {}, text)]),
  );
}
