import { announce, field, h, when } from './dom.js';
import type { PortalLink } from './types.js';
import { onSubmit } from './forms.js';

/** What differs between the portals' link cards: the words, and how the link is minted. */
export interface PortalLinkCardOptions {
  /** Mints the link (`POST …/portal-links`) for this long. */
  mint: (expiresInSeconds: number) => Promise<PortalLink>;
  /** The card's accessible name. */
  name: string;
  /** A line above the form, if any. */
  intro?: string;
  /** The duration select's label. */
  lastsLabel: string;
  button: string;
  buttonClass?: string;
  /** The minted link's field label. */
  linkLabel: string;
  /** After "Works until <date>; ": who holding the link sees what. */
  reach: string;
  announcement: string;
}

/** Mints a link to a read-only portal and shows it to copy (the link is its only credential). */
export function portalLinkCard(options: PortalLinkCardOptions): HTMLElement {
  const result = h('div');
  const days = h(
    'select',
    { name: 'expires' },
    [1, 7, 30, 90].map((d) => h('option', { value: String(d * 86400), selected: d === 7 }, `${d} day${d === 1 ? '' : 's'}`)),
  );
  const form = h(
    'form',
    {
      class: 'row',
      onsubmit: onSubmit(result, async () => {
        const link = await options.mint(Number(days.value));
        const url = h('input', { readonly: true, value: link.url, size: 80 });
        result.replaceChildren(field(options.linkLabel, url), h('p', { class: 'muted' }, `Works until ${when(link.expiresAt)}; ${options.reach}`));
        url.select();
        announce(options.announcement);
      }),
    },
    field(options.lastsLabel, days),
    h('button', { type: 'submit', class: options.buttonClass }, options.button),
  );
  return h('section', { class: 'card', 'aria-label': options.name }, options.intro ? h('p', { class: 'muted' }, options.intro) : null, form, result);
}
