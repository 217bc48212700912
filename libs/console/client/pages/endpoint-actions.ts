import { type Op, type Success } from '../api.js';
import { announce, field, h, when } from '../dom.js';
import { errorBox, onSubmit } from '../forms.js';

/** The program's routes' answers; the webhook portal's routes answer the same. */
export interface EndpointActionsSource {
  test(): Promise<Success<Op<'/v1/programs/{pid}/webhook-endpoints/{id}/test', 'post'>>>;
  rotate(overlapSeconds: number): Promise<Success<Op<'/v1/programs/{pid}/webhook-endpoints/{id}/rotate-secret', 'post'>>>;
}

/** The signing secret, shown this once in a named region (creation and rotation answer it, nothing else does). */
export function secretRegion(label: string, text: string, secret: string): HTMLElement {
  return h('div', { role: 'region', 'aria-label': label }, h('p', {}, text), h('p', { class: 'secret' }, secret));
}

const OVERLAPS: [number, string][] = [
  [0, 'No overlap'],
  [3600, '1 hour'],
  [86400, '1 day'],
  [7 * 86400, '7 days'],
];

/**
 * Send a test event and rotate the signing secret: the same controls in the console's endpoint
 * page and in the webhook portal. `sent` runs after a test is queued (the deliveries follow it).
 */
export function endpointActions(source: EndpointActionsSource, sent: () => void): HTMLElement {
  const result = h('div');
  const fail = (error: unknown) => result.replaceChildren(errorBox(error));
  const overlap = h(
    'select',
    { name: 'overlap' },
    OVERLAPS.map(([seconds, label]) => h('option', { value: String(seconds), selected: seconds === 86400 }, label)),
  );
  const test = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        result.replaceChildren();
        try {
          const queued = await source.test();
          result.replaceChildren(h('p', {}, `Test event (${queued.topic}) queued as `, h('code', {}, queued.eventId), '. It shows in the deliveries below once sent.'));
          announce('Test event queued');
          sent();
        } catch (error) {
          fail(error);
        }
      },
    },
    'Send test event',
  );
  const rotate = h(
    'form',
    {
      class: 'row',
      onsubmit: onSubmit(result, async () => {
        const rotated = await source.rotate(Number(overlap.value));
        const until = rotated.previousSecretsExpireAt
          ? ` The previous secret keeps signing beside it until ${when(rotated.previousSecretsExpireAt)}.`
          : ' The previous secret no longer signs.';
        result.replaceChildren(secretRegion('New signing secret', `New signing secret, shown this once: keep it now.${until}`, rotated.secret));
        announce('Signing secret rotated');
      }),
    },
    field('Previous secret keeps signing for', overlap),
    h('button', { type: 'submit', class: 'secondary' }, 'Rotate secret'),
  );
  return h('div', {}, h('div', { class: 'toolbar' }, test, rotate), result);
}
