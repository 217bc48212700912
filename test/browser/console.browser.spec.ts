import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_KEY, buildConsoleAssets, email, expectStatus, launchChromium, MovableClock, startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { chromiumOrSkip, shot as photograph, VIEWPORT } from './console-browser.js';

/**
 * The operator console driven in headless Chromium against a real engine, the way a person with a
 * keyboard or a screen reader would: every control is found by its role and accessible name, so a
 * control without a name fails the suite. Writes a 1280×800 screenshot of each page (see
 * console-browser.ts for where).
 */
const chromiumPath = chromiumOrSkip('console in a browser');

if (chromiumPath) {
  describe('console in a browser', () => {
    let engine: TestEngine;
    let browser: Browser;
    let page: Page;
    let assets: string;
    let programId = '';
    let programKey = '';
    // Runs with real time; the portal test moves it past a link's expiry instead of waiting.
    const clock = new MovableClock(new Date(), { running: true });

    beforeAll(async () => {
      assets = await buildConsoleAssets();
      [engine, browser] = await Promise.all([startTestEngine({ consoleAssetsDir: assets, clock }), launchChromium(chromiumPath)]);
      page = await browser.newPage({ viewport: VIEWPORT });
      page.setDefaultTimeout(5000);
    });
    afterAll(async () => {
      await browser?.close();
      await engine?.stop();
      if (assets) rmSync(assets, { recursive: true, force: true });
    });

    /** Every page the suite visits is photographed and scanned by axe-core: no serious or critical violation. */
    const shot = (name: string, on: Page = page) => photograph(on, name);
    const heading = (name: string) => page.getByRole('heading', { level: 1, name }).waitFor();
    const figure = (group: string, status: string) => page.getByRole('group', { name: group }).getByRole('group', { name: status, exact: true });

    it('serves the console and its modules from the engine itself, with no request leaving it', async () => {
      const foreign: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith(engine.url)) foreign.push(request.url());
      });
      const answer = await page.goto(`${engine.url}/console`);
      expect(answer?.status()).toBe(200);
      await heading('Sign in');
      expect(foreign).toEqual([]);
      const missing = await fetch(`${engine.url}/console/assets/nope.js`);
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as any).code).toBe('console_asset_not_found');
    });

    it('refuses a wrong key, then signs the admin in with the keyboard alone; the key is kept in sessionStorage only', async () => {
      await shot('sign-in');
      // The page moves focus to its heading, so one Tab reaches the key.
      expect(await page.evaluate('document.activeElement?.textContent')).toBe('Sign in');
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement?.getAttribute("name")')).toBe('key');
      await page.keyboard.type('not-a-key-0123456789');
      await page.keyboard.press('Enter');
      await page.getByRole('alert').filter({ hasText: 'not the admin key nor a program key' }).waitFor();

      await page.getByLabel('API key (admin or program)').fill(ADMIN_KEY);
      await page.keyboard.press('Enter');
      await heading('Programs');
      // Strings, not functions: they run in the page, and this file is type-checked without the DOM.
      const storage = (await page.evaluate('({ session: JSON.stringify(sessionStorage), local: JSON.stringify(localStorage), cookie: document.cookie })')) as Record<string, string>;
      expect(storage.session).toContain(ADMIN_KEY);
      expect(storage.local).not.toContain(ADMIN_KEY);
      expect(storage.cookie).toBe('');
    });

    it('the admin creates a program and sees its key once', async () => {
      await page.getByLabel('Name').fill('Acme referrals');
      await page.getByLabel('Currency').fill('USD');
      await page.getByLabel('Commission type').selectOption({ label: 'Percent of sale' });
      await page.getByLabel('Commission amount').fill('10');
      await page.getByRole('button', { name: 'Create program' }).click();
      const secret = page.getByRole('region', { name: 'New program key' });
      programKey = (await secret.locator('.secret').innerText()).trim();
      expect(programKey).toMatch(/^plk_prg_/);
      const link = page.getByRole('link', { name: 'Acme referrals' }).first();
      programId = /programs\/(prg_[0-9a-f]+)\//.exec((await link.getAttribute('href'))!)![1];
      await page.getByRole('table').getByRole('link', { name: 'Acme referrals' }).waitFor();
      await shot('programs');
    });

    it('the overview shows totals by status, the top partners and each projection', async () => {
      // Three sales through the API with the key the page showed: two partners, one sale flagged
      // because the customer is the partner (SELF_REFERRAL).
      const call = (path: string, body: unknown) => engine.call('POST', `/v1/programs/${programId}${path}`, body, programKey);
      const ada = (await call('/partners', { name: 'Ada Lovelace', email: email('ada'), key: 'ada' })).body;
      const bob = (await call('/partners', { name: 'Bob Marley', email: email('bob'), key: 'bob' })).body;
      const sale = async (partner: any, customerEmail: string, key: string, amount: string) => {
        const customer = await call('/customers', { name: 'Customer', email: customerEmail, key: `c-${key}`, partner: { id: partner.id } });
        expectStatus(customer, 201);
        const tx = await call('/transactions', { key, customerKey: `c-${key}`, amount });
        expectStatus(tx, 201);
        return tx.body;
      };
      await sale(ada, email('c1'), 'ORD-1', '100.00');
      await sale(bob, email('c2'), 'ORD-2', '50.00');
      const flagged = await sale(ada, ada.email, 'ORD-3', '30.00');
      expect(flagged.conversion.flags).toEqual(['SELF_REFERRAL']);

      await page.getByRole('table').getByRole('link', { name: 'Acme referrals' }).click();
      await heading('Acme referrals');
      await figure('Program totals', 'Pending').filter({ hasText: '18.00 USD' }).filter({ hasText: '3 conversions' }).waitFor();
      // Commission over time: today's bar, named by its gist, and the same figures in a table.
      await page.getByRole('img', { name: /: 18\.00 USD earned, 0\.00 USD approved$/ }).waitFor();
      await page.getByText('The figures').click();
      await page.getByRole('table', { name: 'Commission per day' }).getByRole('row').filter({ hasText: '18.00' }).waitFor();
      const top = page.getByRole('table', { name: 'Top partners by approved commission' });
      await top.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
      await top.getByRole('link', { name: 'Bob Marley' }).waitFor();
      const lag = page.getByRole('table', { name: 'Projection lag' });
      for (const projection of ['partners', 'conversions', 'payouts']) await lag.getByRole('cell', { name: projection, exact: true }).waitFor();
      await shot('overview');
    });

    it('the pending queue comes first, with flags and reasons; approve one, deny the rest, totals follow', async () => {
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Conversions' }).click();
      await heading('Conversions');
      expect(await page.getByRole('combobox', { name: 'Status', exact: true }).inputValue()).toBe('PENDING');
      const table = page.getByRole('table', { name: 'Conversions' });
      await table.getByRole('row').filter({ hasText: 'ORD-1' }).getByRole('link', { name: 'Ada Lovelace' }).waitFor();
      await table.getByRole('row').filter({ hasText: 'ORD-3' }).filter({ hasText: 'SELF_REFERRAL' }).filter({ hasText: 'customer is partner' }).waitFor();
      expect(await table.getByRole('row').count()).toBe(4); // the header and three pending
      await shot('conversions');

      await page.getByRole('button', { name: 'Approve ORD-1' }).click();
      await figure('Commission by status', 'Approved').filter({ hasText: '10.00 USD' }).filter({ hasText: '1 conversion' }).waitFor();
      await figure('Commission by status', 'Pending').filter({ hasText: '8.00 USD' }).filter({ hasText: '2 conversions' }).waitFor();
      await page.getByRole('button', { name: 'Approve ORD-1' }).waitFor({ state: 'detached' });
      // Focus stays in the queue (the next row's first button), so the keyboard goes on from there.
      expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toMatch(/^Approve ORD-[23]$/);

      await page.getByRole('checkbox', { name: 'Select every pending conversion shown' }).check();
      await page.getByLabel('Reason (optional, recorded with the decision)').fill('test orders');
      await page.getByRole('button', { name: 'Deny selected (2)' }).click();
      await figure('Commission by status', 'Denied').filter({ hasText: '8.00 USD' }).filter({ hasText: '2 conversions' }).waitFor();
      await figure('Commission by status', 'Pending').filter({ hasText: '0.00 USD' }).waitFor();
      await page.getByText('The queue is empty').waitFor();

      // What the page did is what the engine recorded.
      const denied = await engine.call('GET', `/v1/programs/${programId}/conversions?status=DENIED`);
      expect(denied.body.items.map((c: any) => [c.transactionKey, c.reason]).sort()).toEqual([
        ['ORD-2', 'test orders'],
        ['ORD-3', 'test orders'],
      ]);
    });

    it('partners: create one, filter by status, search, open the details with totals', async () => {
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Partners' }).click();
      await heading('Partners');
      await page.getByLabel('Name').fill('Grace Hopper');
      await page.getByLabel('Email').fill('grace@example.com');
      await page.getByLabel('Referral key (optional)').fill('grace');
      await page.getByRole('button', { name: 'Create partner' }).click();
      const list = page.getByRole('table', { name: 'Partners' });
      await list.getByRole('link', { name: 'Grace Hopper' }).waitFor();
      expect(await list.getByRole('row').count()).toBe(4);

      await page.getByRole('searchbox', { name: 'Search' }).fill('grace@');
      await list.getByRole('row').nth(2).waitFor({ state: 'detached' });
      expect(await list.getByRole('link').allInnerTexts()).toEqual(['Grace Hopper']);
      await page.getByRole('searchbox', { name: 'Search' }).fill('');
      // Bob disabled through the API; the filter asks the engine for that status only.
      const bob = (await engine.call('GET', `/v1/programs/${programId}/partners`)).body.items.find((p: any) => p.name === 'Bob Marley');
      expectStatus(await engine.call('POST', `/v1/programs/${programId}/partners/${bob.id}/status`, { status: 'DISABLED' }), 200);
      const statusFilter = page.getByRole('combobox', { name: 'Status', exact: true });
      await statusFilter.selectOption({ label: 'Disabled' });
      await list.getByRole('link', { name: 'Grace Hopper' }).waitFor({ state: 'detached' });
      expect(await list.getByRole('link').allInnerTexts()).toEqual(['Bob Marley']);
      await statusFilter.selectOption({ label: 'Pending' });
      await page.getByText('No partner with that status.').waitFor();
      await statusFilter.selectOption({ label: 'All' });
      await list.getByRole('link', { name: 'Grace Hopper' }).waitFor();
      await shot('partners');

      await list.getByRole('link', { name: 'Ada Lovelace' }).click();
      await heading('Ada Lovelace');
      await figure('Commission in USD', 'Approved').filter({ hasText: '10.00 USD' }).waitFor();
      await figure('Commission in USD', 'Denied').filter({ hasText: '3.00 USD' }).waitFor();
      await page.getByRole('table', { name: 'Conversions of Ada Lovelace' }).getByRole('row').filter({ hasText: 'ORD-1' }).filter({ hasText: 'APPROVED' }).waitFor();
      await shot('partner');
    });

    it("a partner portal link from the partner's page shows that partner's conversion and nothing of another partner, and is refused once expired", async () => {
      await page.getByLabel('Link lasts').selectOption({ label: '1 day' });
      await page.getByRole('button', { name: 'Create portal link' }).click();
      const url = await page.getByRole('textbox', { name: 'Portal link' }).inputValue();
      expect(url).toMatch(new RegExp(`^${engine.url}/portal/partner#plp1\\.`));

      // A fresh context: no console session, the link is the only credential.
      const context = await browser.newContext({ viewport: VIEWPORT });
      const portal = await context.newPage();
      portal.setDefaultTimeout(5000);
      try {
        await portal.goto(url);
        await portal.getByRole('heading', { level: 1, name: 'Ada Lovelace' }).waitFor();
        await portal.getByText('referral key').getByText('ada', { exact: true }).waitFor();
        const conversions = portal.getByRole('table', { name: 'Your conversions' });
        await conversions.getByRole('row').filter({ hasText: 'ORD-1' }).filter({ hasText: '10.00 USD' }).filter({ hasText: 'APPROVED' }).waitFor();
        expect(await conversions.getByRole('row').count()).toBe(3); // the header, ORD-1 and ORD-3 (Ada's two)
        await portal.getByRole('group', { name: 'Commission in USD' }).getByRole('group', { name: 'Approved', exact: true }).filter({ hasText: '10.00 USD' }).waitFor();
        const text = await portal.locator('body').innerText();
        for (const foreign of ['Bob', 'bob', 'ORD-2', 'Grace']) expect(text).not.toContain(foreign);
        expect(await portal.getByRole('navigation').count()).toBe(0);
        await shot('portal', portal);

        clock.advance(86_400_000 + 1000);
        await portal.reload();
        await portal.getByRole('heading', { level: 1, name: 'Link not accepted' }).waitFor();
        await portal.getByRole('alert').filter({ hasText: 'This link has expired' }).waitFor();
        expect(await portal.locator('body').innerText()).not.toContain('ORD-1');
        await shot('portal-expired', portal);
      } finally {
        await context.close();
      }
    });

    it('a program key signs in to its own program only: no program list, no projection lag', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await heading('Sign in');
      expect(await page.evaluate('sessionStorage.length')).toBe(0);
      await page.getByLabel('API key (admin or program)').fill(programKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await heading('Acme referrals');
      await page.getByText('Projection lag is shown to the admin key only.').waitFor();
      expect(await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Programs' }).count()).toBe(0);
    });
  });
}
