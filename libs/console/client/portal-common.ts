import { ApiError } from './api.js';
import { alertBox, h } from './dom.js';

/**
 * What the portal pages share: a link's token, read from the URL fragment (which the browser never
 * sends to a server nor in a Referer), and why a link was refused, said plainly.
 */
const WHY: Record<string, string> = {
  portal_link_expired: 'This link has expired. Ask the program for a new one.',
  invalid_portal_token: 'This link is not valid. Check that it was copied whole, or ask the program for a new one.',
  missing_portal_token: 'This address has no link token. Open the whole link the program sent you.',
  portal_closed: 'This portal is closed.',
};

export const linkToken = (): string => location.hash.slice(1);

/** Swaps the page in and moves focus to its heading. */
export function showPortal(page: HTMLElement, title: string): void {
  const main = document.getElementById('main')!;
  main.replaceChildren(page);
  document.title = `${title} · partner-ledger`;
  const heading = main.querySelector('h1');
  heading?.setAttribute('tabindex', '-1');
  heading?.focus();
}

/** The page a refused link gets: nothing of the data, only why. */
export function refusedPage(error: unknown): HTMLElement {
  const message = error instanceof ApiError ? (WHY[error.code] ?? error.message) : String(error);
  return h('div', {}, h('h1', {}, 'Link not accepted'), alertBox(message));
}
