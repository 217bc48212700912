import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import {
  buildConsoleAssets,
  expectStatus,
  launchChromium,
  MovableClock,
  newProgram,
  type ProgramClient,
  startTestEngine,
  type TestEngine,
  until,
  webhookReceiver,
  type WebhookReceiver,
} from '@partner-ledger/testing';
import { chromiumOrSkip, shot as photograph, VIEWPORT } from './console-browser.js';

/** Node's request headers as the standardwebhooks package takes them. */
const plain = (headers: Record<string, unknown>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));

/**
 * The Outgoing webhooks pages and the webhook-consumer portal in headless Chromium against a real
 * engine, with a real HTTP receiver on loopback, driven by role and accessible name as
 * console.browser.spec.ts does: create an endpoint (its secret shown once), send it a test event
 * from the keyboard, see the delivery and its attempt, resend it, rotate, disable, replay; then the
 * endpoint's portal link, showing that endpoint's deliveries and not another's, refused once altered
 * or expired. Each page is scanned by axe-core and photographed at 1280×800 (console-browser.ts).
 */
const chromiumPath = chromiumOrSkip('outgoing webhooks in a browser');

if (chromiumPath) {
  describe('outgoing webhooks in a browser', () => {
    let engine: TestEngine;
    let browser: Browser;
    let page: Page;
    let assets: string;
    let sink: WebhookReceiver;
    let program: ProgramClient;
    let secret = '';
    let endpointUrl = '';
    let other: any;
    let portalUrl = '';
    // Runs with real time; the portal test moves it past a link's expiry instead of waiting.
    const clock = new MovableClock(new Date(), { running: true });

    beforeAll(async () => {
      assets = await buildConsoleAssets();
      sink = await webhookReceiver();
      [engine, browser] = await Promise.all([startTestEngine({ consoleAssetsDir: assets, clock, env: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8' } }), launchChromium(chromiumPath)]);
      program = await newProgram(engine, { name: 'Acme referrals' });
      // Another endpoint of the same program, made through the API: its portal must not show here.
      const created = await program.post('/webhook-endpoints', { url: sink.url('/other'), topics: ['NEW_AFFILIATE'] });
      expectStatus(created, 201);
      other = created.body;
      page = await browser.newPage({ viewport: VIEWPORT });
      page.setDefaultTimeout(5000);
    });
    afterAll(async () => {
      await browser?.close();
      await engine?.stop();
      await sink?.close();
      if (assets) rmSync(assets, { recursive: true, force: true });
    });

    const shot = (name: string, on: Page = page) => photograph(on, name);
    const heading = (name: string, on: Page = page) => on.getByRole('heading', { level: 1, name }).waitFor();
    const tests = (path: string) => sink.got.filter((r) => r.path === path && JSON.parse(r.body).test === true);

    it('creates an endpoint in the page, with topics picked from the catalogue, and shows its secret once', async () => {
      await page.goto(`${engine.url}/console`);
      await page.getByLabel('API key (admin or program)').fill(program.key);
      await page.keyboard.press('Enter');
      await heading('Acme referrals');
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Outgoing webhooks' }).click();
      await heading('Outgoing webhooks');

      endpointUrl = sink.url('/hooks');
      await page.getByLabel('URL', { exact: true }).fill(endpointUrl);
      await page.getByLabel('Description (optional)').fill('Our receiver');
      await page.getByRole('checkbox', { name: 'NEW_AFFILIATE', exact: true }).check();
      await page.getByRole('checkbox', { name: 'APPROVED_CONVERSION', exact: true }).check();
      await page.getByRole('button', { name: 'Create endpoint' }).click();
      secret = (await page.getByRole('region', { name: 'New endpoint secret' }).locator('.secret').innerText()).trim();
      expect(secret).toMatch(/^whsec_/);
      const table = page.getByRole('table', { name: 'Webhook endpoints' });
      const row = table.getByRole('row').filter({ has: page.getByRole('link', { name: endpointUrl }) });
      await row.filter({ hasText: 'APPROVED_CONVERSION, NEW_AFFILIATE' }).filter({ hasText: 'ENABLED' }).waitFor();
      expect(await table.getByRole('row').count()).toBe(3); // the header, the API's endpoint and this one
      await shot('webhooks');

      // What the page made is what the engine keeps.
      const listed = (await engine.call('GET', program.path('/webhook-endpoints'))).body.items;
      expect(listed.find((e: any) => e.url === endpointUrl)).toMatchObject({ topics: ['APPROVED_CONVERSION', 'NEW_AFFILIATE'], description: 'Our receiver', enabled: true });
    });

    it('sends a test event from the keyboard to the loopback receiver, shows the delivery and its attempt, and resends it', async () => {
      await page.getByRole('table', { name: 'Webhook endpoints' }).getByRole('link', { name: endpointUrl }).click();
      await heading(endpointUrl);
      await page.getByText('Nothing has been sent to this endpoint yet.').waitFor();
      // Focus is on the heading: the next Tab reaches the first action.
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement?.textContent')).toBe('Send test event');
      await page.keyboard.press('Enter');

      const [got] = await until('the test event at the receiver', () => tests('/hooks').length === 1 && tests('/hooks'));
      // A test carries the endpoint's first topic, in the catalogue's order.
      expect(new Webhook(secret).verify(got.body, plain(got.headers))).toMatchObject({ test: true, topic: 'APPROVED_CONVERSION' });
      const webhookId = String(got.headers['webhook-id']);
      const deliveries = page.getByRole('table', { name: 'Deliveries' });
      const row = deliveries.getByRole('row').filter({ hasText: webhookId });
      await row.filter({ hasText: 'delivered' }).filter({ hasText: 'APPROVED_CONVERSION' }).waitFor();
      const attempts = page.getByRole('list', { name: `Attempts of ${webhookId}` });
      await attempts.getByRole('listitem').filter({ hasText: 'HTTP 200' }).filter({ hasText: ' ms ·' }).filter({ hasText: 'ok' }).waitFor();

      await page.getByRole('button', { name: `Resend APPROVED_CONVERSION ${webhookId}` }).click();
      await until('the resend at the receiver', () => tests('/hooks').length === 2);
      expect(tests('/hooks').map((r) => r.headers['webhook-id'])).toEqual([webhookId, webhookId]);
      await attempts.getByRole('listitem').nth(1).waitFor();
      expect(await attempts.getByRole('listitem').count()).toBe(2);
      expect(await deliveries.getByRole('row').count()).toBe(2); // the header and the one delivery
      await shot('webhook-endpoint');
    });

    it('rotates the secret, disables and enables the endpoint, and replays its history as a job with progress', async () => {
      await page.getByRole('button', { name: 'Rotate secret' }).click();
      const rotated = (await page.getByRole('region', { name: 'New signing secret' }).locator('.secret').innerText()).trim();
      expect(rotated).toMatch(/^whsec_/);
      expect(rotated).not.toBe(secret);

      await page.getByRole('button', { name: 'Disable endpoint' }).click();
      await page.getByRole('button', { name: 'Enable endpoint' }).waitFor();
      await page.getByText('disabled: disabled by request').waitFor();
      await page.getByRole('button', { name: 'Enable endpoint' }).click();
      await page.getByRole('button', { name: 'Disable endpoint' }).waitFor();

      // A partner made before the replay: the replay sends its NEW_AFFILIATE again.
      const ada = await program.partner({ name: 'Ada Lovelace' });
      const adas = () => sink.got.filter((r) => r.path === '/hooks' && r.body.includes(ada.email));
      await until('the live delivery', () => adas().length === 1);
      await page.getByRole('button', { name: 'Replay', exact: true }).click();
      const jobs = page.getByRole('table', { name: 'Replay jobs' });
      await jobs.getByRole('row').filter({ hasText: 'SUCCEEDED' }).filter({ hasText: '1 queued' }).waitFor({ timeout: 15_000 });
      await until('the replayed delivery', () => adas().length === 2);
      expect(adas()[1].headers['webhook-id']).toBe(adas()[0].headers['webhook-id']);
    });

    it("the endpoint's consumer portal link shows its deliveries and none of another endpoint's, sends a test, and is refused once altered or expired", async () => {
      await page.getByLabel('Portal link lasts').selectOption({ label: '1 day' });
      await page.getByRole('button', { name: 'Create consumer portal link' }).click();
      portalUrl = await page.getByRole('textbox', { name: 'Consumer portal link' }).inputValue();
      expect(portalUrl).toMatch(new RegExp(`^${engine.url}/portal/webhook-endpoint#plw1\\.`));
      // The other endpoint has deliveries too (Ada's NEW_AFFILIATE): none of them may show.
      const theirs = await until('a delivery to the other endpoint', async () => (await engine.call('GET', program.path(`/webhook-endpoints/${other.id}/deliveries`))).body.items[0]);

      // A fresh context: no console session, the link is the only credential.
      const context = await browser.newContext({ viewport: VIEWPORT });
      const portal = await context.newPage();
      portal.setDefaultTimeout(5000);
      try {
        await portal.goto(portalUrl);
        await heading('Webhooks from Acme referrals', portal);
        await portal.getByText(endpointUrl).waitFor();
        const deliveries = portal.getByRole('table', { name: 'Deliveries' });
        const mine = (await engine.call('GET', program.path(`/webhook-endpoints/${await endpointId()}/deliveries`))).body.items as any[];
        await deliveries.getByRole('row').nth(mine.length).waitFor();
        expect(await deliveries.getByRole('row').count()).toBe(mine.length + 1);
        const text = await portal.locator('body').innerText();
        for (const foreign of [other.id, '/other', theirs.webhookId, secret]) expect(text).not.toContain(foreign);
        expect(await portal.getByRole('navigation').count()).toBe(0);

        await portal.getByRole('button', { name: 'Send test event' }).click();
        await until('the portal’s test at the receiver', () => tests('/hooks').length === 3);
        await deliveries
          .getByRole('row')
          .nth(mine.length + 1)
          .waitFor();
        await shot('webhook-portal', portal);

        // Another endpoint's id under the same signature: nothing.
        const [prefix, body, signature] = portalUrl.split('#')[1].split('.');
        const grant = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
        const swapped = Buffer.from(JSON.stringify({ ...grant, a: other.id })).toString('base64url');
        await portal.goto(`${portalUrl.split('#')[0]}#${prefix}.${swapped}.${signature}`);
        await portal.reload();
        await heading('Link not accepted', portal);
        await portal.getByRole('alert').filter({ hasText: 'This link is not valid' }).waitFor();
        expect(await portal.locator('body').innerText()).not.toContain('/other');

        await portal.goto(portalUrl);
        await portal.reload();
        await heading('Webhooks from Acme referrals', portal);
        clock.advance(86_400_000 + 1000);
        await portal.reload();
        await heading('Link not accepted', portal);
        await portal.getByRole('alert').filter({ hasText: 'This link has expired' }).waitFor();
        expect(await portal.locator('body').innerText()).not.toContain(endpointUrl);
        await shot('webhook-portal-expired', portal);
      } finally {
        await context.close();
      }
    });

    const endpointId = async () => (await engine.call('GET', program.path('/webhook-endpoints'))).body.items.find((e: any) => e.url === endpointUrl).id as string;
  });
}
