import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ADMIN_KEY, buildConsoleAssets, launchChromium, PARTNERO_SEED_MAPPING, PARTNERO_SEED_ORDER, startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { chromiumOrSkip, shot, VIEWPORT } from './console-browser.js';

/**
 * Partnero's complete flow done only through the console's incoming-webhook page, in Chromium
 * against a real engine: the test plays the shop (it POSTs the seed's order to the URLs the page
 * shows) and the operator (every other step through the page's controls, found by role and
 * accessible name, some with the keyboard alone).
 */
const chromiumPath = chromiumOrSkip('incoming webhooks in a browser');

if (chromiumPath) {
  describe('incoming webhooks in a browser', () => {
    let engine: TestEngine;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let assets: string;
    let programId = '';
    let testUrl = '';
    let productionUrl = '';

    beforeAll(async () => {
      assets = await buildConsoleAssets();
      [engine, browser] = await Promise.all([startTestEngine({ consoleAssetsDir: assets }), launchChromium(chromiumPath)]);
      context = await browser.newContext({ viewport: VIEWPORT, permissions: ['clipboard-read', 'clipboard-write'] });
      page = await context.newPage();
      page.setDefaultTimeout(5000);
    });
    afterAll(async () => {
      await context?.close();
      await browser?.close();
      await engine?.stop();
      if (assets) rmSync(assets, { recursive: true, force: true });
    });

    const heading = (name: string) => page.getByRole('heading', { level: 1, name }).waitFor();
    const nav = (name: string) => page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true });
    const focused = () => page.evaluate('document.activeElement?.textContent') as Promise<string>;
    /** The shop: a JSON POST to a URL the page showed, with no key (the token in it is the credential). */
    const shop = async (url: string, body: unknown) => {
      const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: answer.status, body: (await answer.json()) as any };
    };

    it('signs in, creates the program and the partner PARTNER123 through the pages', async () => {
      await page.goto(`${engine.url}/console`);
      await page.getByLabel('API key (admin or program)').fill(ADMIN_KEY);
      await page.keyboard.press('Enter');
      await heading('Programs');
      await page.getByLabel('Name').fill('Partnero shop');
      await page.getByLabel('Commission type').selectOption({ label: 'Percent of sale' });
      await page.getByLabel('Commission amount').fill('10');
      await page.getByRole('button', { name: 'Create program' }).click();
      const link = page.getByRole('table').getByRole('link', { name: 'Partnero shop' });
      programId = /programs\/(prg_[0-9a-f]+)\//.exec((await link.getAttribute('href'))!)![1];
      await link.click();
      await heading('Partnero shop');

      await nav('Partners').click();
      await heading('Partners');
      await page.getByLabel('Name').fill('Partner 123');
      await page.getByLabel('Email').fill('partner123@example.com');
      await page.getByLabel('Referral key (optional)').fill('PARTNER123');
      await page.getByRole('button', { name: 'Create partner' }).click();
      await page.getByRole('table', { name: 'Partners' }).getByRole('link', { name: 'Partner 123' }).waitFor();
    });

    it('creates the incoming webhook with the keyboard, and copies its test URL', async () => {
      await nav('Incoming webhooks').click();
      await heading('Incoming webhooks');
      await page.getByText('No incoming webhook yet').waitFor();
      await page.getByLabel('Name').focus();
      await page.keyboard.type('Shop orders');
      await page.keyboard.press('Enter');
      await heading('Shop orders');
      await page.getByText('Not mapped yet').waitFor();

      testUrl = await page.getByRole('textbox', { name: 'Test URL' }).inputValue();
      productionUrl = await page.getByRole('textbox', { name: 'Production URL' }).inputValue();
      expect(testUrl).toMatch(new RegExp(`^${engine.url}/v1/incoming/iwt_`));
      expect(productionUrl).toMatch(new RegExp(`^${engine.url}/v1/incoming/iwp_`));
      // Focus is on the heading: Tab reaches the test URL, then its copy button.
      expect(await focused()).toBe('Shop orders');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('Copy test URL');
      await page.keyboard.press('Enter');
      await page.getByRole('status').filter({ hasText: 'Test URL copied' }).waitFor();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(testUrl);
      await page.getByText('Waiting for a sample').waitFor();
    });

    it("shows the seed's sample as it arrives, without a reload, with every path, its type and example", async () => {
      // A reload would lose this.
      await page.evaluate('window.sameDocument = true');
      const sampled = await shop(testUrl, PARTNERO_SEED_ORDER);
      expect(sampled.status).toBe(200);

      await page.getByRole('region', { name: 'Newest sample' }).filter({ hasText: 'ORD-789' }).waitFor();
      expect(await page.evaluate('window.sameDocument')).toBe(true);
      await page.getByRole('status').filter({ hasText: 'New sample received' }).waitFor();
      const paths = page.getByRole('table', { name: 'Paths in the samples' });
      const rows = (await paths.getByRole('row').allInnerTexts()).slice(1).map((r) => r.split('\t').map((c) => c.trim()));
      expect(rows).toEqual([
        ['event', 'string', '"order_completed"'],
        ['customer.email', 'string', '"jane@example.com"'],
        ['customer.name', 'string', '"Jane Smith"'],
        ['order.id', 'string', '"ORD-789"'],
        ['order.amount', 'number', '149.99'],
        ['order.product', 'string', '"pro_plan"'],
        ['referral_code', 'string', '"PARTNER123"'],
      ]);
      const log = page.getByRole('table', { name: 'Request log' });
      await log.getByRole('row').filter({ hasText: 'test' }).filter({ hasText: 'sampled' }).waitFor();
    });

    it('maps the six fields with the page’s controls, sees the dry run (the events it would write) before saving, then saves', async () => {
      await page.getByLabel('Action', { exact: true }).selectOption({ label: 'Record a sale (create_transaction)' });
      // Nothing bound yet: the dry run says what is missing.
      await page.getByRole('list', { name: 'What the mapping lacks' }).filter({ hasText: 'amount' }).waitFor();

      // One with the keyboard: focus the amount's select and type the start of its path.
      await page.getByLabel('amount', { exact: true }).focus();
      await page.keyboard.type('order.am');
      expect(await page.getByLabel('amount', { exact: true }).inputValue()).toBe('order.amount');
      for (const [target, path] of Object.entries(PARTNERO_SEED_MAPPING)) {
        if (target !== 'amount') await page.getByLabel(target, { exact: true }).selectOption(path);
      }
      for (const [target, path] of Object.entries(PARTNERO_SEED_MAPPING)) expect(await page.getByLabel(target, { exact: true }).inputValue()).toBe(path);

      const before = await engine.eventCount();
      const events = page.getByRole('table', { name: 'Events the production URL would write' });
      for (const type of ['CustomerCreated', 'TransactionRecorded', 'ConversionCreated']) await events.getByRole('row').filter({ hasText: type }).waitFor();
      await page.getByText(/The production URL would write \d+ events \(201\)/).waitFor();
      await page.getByText('Jane Smith <jane@example.com>, new').waitFor();
      await page.getByText('ORD-789 of 149.99 USD').waitFor();
      await page.getByText('15.00 USD to Partner 123 (level 1)').waitFor();
      // A dry run writes nothing, and nothing is saved yet.
      expect(await engine.eventCount()).toBe(before);
      expect((await engine.call('GET', `/v1/programs/${programId}/incoming-webhooks`)).body.items[0]).toMatchObject({ action: null, mapping: null });

      await page.getByRole('button', { name: 'Save mapping' }).focus();
      await page.keyboard.press('Enter');
      await page.getByText('Mapping saved: create_transaction with 6 fields').waitFor();
      await page.getByText('Mapped to create_transaction').waitFor();
      expect((await engine.call('GET', `/v1/programs/${programId}/incoming-webhooks`)).body.items[0]).toMatchObject({ action: 'create_transaction', mapping: PARTNERO_SEED_MAPPING });
      // The page from its top (URLs, sample, paths), then at its dry run.
      await page.evaluate('window.scrollTo(0, 0)');
      await shot(page, 'incoming-webhook');
      await page.evaluate('[...document.querySelectorAll("main h2")].find((h) => h.textContent === "Dry run").scrollIntoView()');
      await shot(page, 'incoming-webhook-dry-run');
    });

    it("sends the order to the production URL: the log shows it, and Jane Smith's ORD-789 with its 15.00 commission is in the conversions list", async () => {
      const live = await shop(productionUrl, PARTNERO_SEED_ORDER);
      expect(live.status).toBe(201);
      const log = page.getByRole('table', { name: 'Request log' });
      await log.getByRole('row').filter({ hasText: 'production' }).filter({ hasText: 'created' }).filter({ hasText: 'sale ORD-789' }).waitFor();

      await nav('Conversions').click();
      await heading('Conversions');
      const row = page.getByRole('table', { name: 'Conversions' }).getByRole('row').filter({ hasText: 'ORD-789' });
      await row.filter({ hasText: '149.99 USD' }).filter({ hasText: '15.00 USD' }).filter({ hasText: 'PENDING' }).getByRole('link', { name: 'Partner 123' }).waitFor();
      // Whose sale it is, in the list: the customer the order named, in the Customer column.
      const customerColumn = await page.getByRole('table', { name: 'Conversions' }).getByRole('columnheader').allTextContents();
      const customerCell = row.getByRole('cell').nth(customerColumn.indexOf('Customer'));
      expect(await customerCell.innerText()).toBe('Jane Smith\njane@example.com');

      await nav('Incoming webhooks').click();
      await page.getByRole('table', { name: 'Incoming webhooks' }).getByRole('row').filter({ hasText: 'create_transaction' }).getByRole('link', { name: 'Shop orders' }).waitFor();
      await shot(page, 'incoming-webhooks');
    });
  });
}
