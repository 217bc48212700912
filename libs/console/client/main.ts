import { Api, ApiError } from './api.js';
import { alertBox, h } from './dom.js';
import { conversionPage } from './pages/conversion.js';
import { conversionsPage } from './pages/conversions.js';
import { eventsPage } from './pages/events.js';
import { incomingWebhookPage } from './pages/incoming-webhook.js';
import { incomingWebhooksPage } from './pages/incoming-webhooks.js';
import { overviewPage } from './pages/overview.js';
import { partnerPage, partnersPage } from './pages/partners.js';
import { payoutPage, payoutsPage } from './pages/payouts.js';
import { programsPage } from './pages/programs.js';
import { webhookEndpointPage, webhooksPage } from './pages/webhooks.js';
import { signInPage } from './pages/sign-in.js';
import { clearSession, loadSession, type Session } from './session.js';
import { errorBox } from './forms.js';

/** What a page gets: who is signed in, the API with their key, and the route's parameters. */
export interface PageContext {
  session: Session;
  api: Api;
  programId: string;
  partnerId?: string;
  /** The route's second id (a payout's, say). */
  itemId?: string;
}

type Page = (context: PageContext) => Promise<HTMLElement>;

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;

/** Hash routes, so the server serves one page and a reload stays where the operator was. */
const ROUTES: { pattern: RegExp; page: Page; title: string; section: string }[] = [
  { pattern: /^\/programs\/([\w-]+)\/overview$/, page: overviewPage, title: 'Overview', section: 'overview' },
  { pattern: /^\/programs\/([\w-]+)\/conversions$/, page: conversionsPage, title: 'Conversions', section: 'conversions' },
  { pattern: /^\/programs\/([\w-]+)\/conversions\/([\w-]+)$/, page: conversionPage, title: 'Conversion', section: 'conversions' },
  { pattern: /^\/programs\/([\w-]+)\/partners$/, page: partnersPage, title: 'Partners', section: 'partners' },
  { pattern: /^\/programs\/([\w-]+)\/partners\/([\w-]+)$/, page: partnerPage, title: 'Partner', section: 'partners' },
  { pattern: /^\/programs\/([\w-]+)\/payouts$/, page: payoutsPage, title: 'Payouts', section: 'payouts' },
  { pattern: /^\/programs\/([\w-]+)\/payouts\/([\w-]+)$/, page: payoutPage, title: 'Payout', section: 'payouts' },
  { pattern: /^\/programs\/([\w-]+)\/events$/, page: eventsPage, title: 'Events', section: 'events' },
  { pattern: /^\/programs\/([\w-]+)\/incoming-webhooks$/, page: incomingWebhooksPage, title: 'Incoming webhooks', section: 'incoming' },
  { pattern: /^\/programs\/([\w-]+)\/incoming-webhooks\/([\w-]+)$/, page: incomingWebhookPage, title: 'Incoming webhook', section: 'incoming' },
  { pattern: /^\/programs\/([\w-]+)\/outgoing-webhooks$/, page: webhooksPage, title: 'Outgoing webhooks', section: 'outgoing' },
  { pattern: /^\/programs\/([\w-]+)\/outgoing-webhooks\/([\w-]+)$/, page: webhookEndpointPage, title: 'Webhook endpoint', section: 'outgoing' },
];

function home(session: Session): string {
  return session.role === 'admin' ? '#/programs' : `#/programs/${session.programId}/overview`;
}

async function route(): Promise<void> {
  document.getElementById('status')!.textContent = '';
  const session = loadSession();
  if (!session) {
    renderNav(null, null, '');
    return show(await signInPage(() => void navigateHome()), 'Sign in');
  }
  const path = location.hash.slice(1);
  if (path === '/programs' && session.role === 'admin') {
    renderNav(session, null, 'programs');
    return show(await guarded(() => programsPage({ session, api: Api.of(session), programId: '' })), 'Programs');
  }
  for (const r of ROUTES) {
    const match = r.pattern.exec(path);
    if (!match) continue;
    const [, programId, partnerId] = match;
    renderNav(session, programId, r.section);
    return show(await guarded(() => r.page({ session, api: Api.of(session), programId, partnerId, itemId: partnerId })), r.title);
  }
  location.replace(home(session));
}

async function navigateHome(): Promise<void> {
  const session = loadSession();
  if (session && location.hash !== home(session)) location.hash = home(session);
  else await route();
}

/** A page that failed to load says why; a key that stopped working signs out. */
async function guarded(load: () => Promise<HTMLElement>): Promise<HTMLElement> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      clearSession();
      return h('div', {}, h('h1', { tabindex: -1 }, 'Signed out'), alertBox(`The key no longer works (${error.message}). Sign in again.`), h('p', {}, h('a', { href: '#/' }, 'Sign in')));
    }
    return h('div', {}, h('h1', { tabindex: -1 }, 'Something went wrong'), errorBox(error));
  }
}

/** Swaps the page in and moves focus to its heading, as a screen reader user expects after navigating. */
function show(page: HTMLElement, title: string): void {
  main.replaceChildren(page);
  document.title = `${title} · partner-ledger console`;
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

function renderNav(session: Session | null, programId: string | null, section: string): void {
  if (!session) return nav.replaceChildren();
  const link = (href: string, label: string, name: string) => h('a', { href, 'aria-current': section === name ? 'page' : null }, label);
  nav.replaceChildren(
    ...(session.role === 'admin' ? [link('#/programs', 'Programs', 'programs')] : []),
    ...(programId
      ? [
          link(`#/programs/${programId}/overview`, 'Overview', 'overview'),
          link(`#/programs/${programId}/conversions`, 'Conversions', 'conversions'),
          link(`#/programs/${programId}/partners`, 'Partners', 'partners'),
          link(`#/programs/${programId}/payouts`, 'Payouts', 'payouts'),
          link(`#/programs/${programId}/events`, 'Events', 'events'),
          link(`#/programs/${programId}/incoming-webhooks`, 'Incoming webhooks', 'incoming'),
          link(`#/programs/${programId}/outgoing-webhooks`, 'Outgoing webhooks', 'outgoing'),
        ]
      : []),
    h('span', { class: 'spacer' }),
    h('span', {}, session.role === 'admin' ? 'Admin' : 'Program key'),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        onclick: () => {
          clearSession();
          location.hash = '#/';
          void route();
        },
      },
      'Sign out',
    ),
  );
}

window.addEventListener('hashchange', () => void route());
void route();
