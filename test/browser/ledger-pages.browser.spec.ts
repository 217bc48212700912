import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { buildConsoleAssets, launchChromium, newProgram, type ProgramClient, startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { chromiumOrSkip, shot as photograph, VIEWPORT } from './console-browser.js';

/**
 * The console's money and history pages in headless Chromium against a real engine, driven by role
 * and accessible name as in console.browser.spec.ts: a partner's totals as of a past time; a
 * conversion's timeline and a refund; a payout batch created, reviewed, exported as CSV and
 * confirmed only through the page; the log filtered, an event opened, and the live tail following
 * a sale made meanwhile.
 */
const chromiumPath = chromiumOrSkip('money and history pages in a browser');

if (chromiumPath) {
  describe('money and history pages in a browser', () => {
    let engine: TestEngine;
    let browser: Browser;
    let page: Page;
    let assets: string;
    let program: ProgramClient;
    const partners: Record<string, any> = {};
    const conversions: Record<string, any> = {};
    /** A second after every sale and before any approval, to the second (what the page's picker takes). */
    let beforeApprovals = '';

    beforeAll(async () => {
      assets = await buildConsoleAssets();
      [engine, browser] = await Promise.all([startTestEngine({ consoleAssetsDir: assets }), launchChromium(chromiumPath)]);
      page = await browser.newPage({ viewport: VIEWPORT, acceptDownloads: true });
      page.setDefaultTimeout(5000);
      // Two approved sales (Ada 10.00, Bob 5.00) and one pending, through the API.
      program = await newProgram(engine, { name: 'Payout program' });
      const sales = [
        ['Ada', '100.00', true],
        ['Bob', '50.00', true],
        ['Cy', '20.00', false],
      ] as const;
      for (const [name, amount] of sales) {
        const sale = await program.sale(amount);
        partners[name] = sale.partner;
        conversions[name] = sale.tx;
        await program.patch(`/partners/${sale.partner.id}`, { name });
      }
      await new Promise((resolve) => setTimeout(resolve, 1100));
      beforeApprovals = new Date().toISOString().slice(0, 19);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      for (const [name, , approve] of sales) if (approve) await program.approve(conversions[name].conversion.id);
    });
    afterAll(async () => {
      await browser?.close();
      await engine?.stop();
      if (assets) rmSync(assets, { recursive: true, force: true });
    });

    const shot = (name: string) => photograph(page, name);
    const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name }).waitFor();
    const nav = (name: string) => page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true }).click();

    it('signs in with the program key', async () => {
      await page.goto(`${engine.url}/console`);
      await page.getByLabel('API key (admin or program)').fill(program.key);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await heading('Payout program');
    });

    it("a partner's commission as of a past time, then now", async () => {
      await page.goto(`${engine.url}/console#/programs/${program.id}/partners/${partners.Ada.id}`);
      await heading('Ada');
      const approved = () => page.getByRole('group', { name: 'Commission in USD' }).getByRole('group', { name: 'Approved', exact: true });
      const pending = () => page.getByRole('group', { name: 'Commission in USD' }).getByRole('group', { name: 'Pending', exact: true });
      await approved().filter({ hasText: '10.00 USD' }).waitFor();
      await page.getByLabel('As of (UTC)').fill(beforeApprovals);
      await page.getByRole('button', { name: 'Show as of' }).click();
      await page
        .locator('main')
        .getByText(/^As of \d/)
        .waitFor();
      await pending().filter({ hasText: '10.00 USD' }).waitFor();
      await approved().filter({ hasText: '0.00 USD' }).waitFor();
      await shot('partner-as-of');
      await page.getByRole('button', { name: 'Now', exact: true }).click();
      await approved().filter({ hasText: '10.00 USD' }).waitFor();
    });

    it("a conversion's history and a partial refund from its page", async () => {
      await nav('Conversions');
      await heading('Conversions');
      const key = conversions.Cy.key as string;
      await page.getByRole('link', { name: `History of ${key}` }).click();
      await heading(`Sale ${key}`);
      const timeline = page.getByRole('list', { name: 'History of the conversion' });
      await timeline.getByRole('listitem').filter({ hasText: 'created' }).filter({ hasText: '2.00 to Cy' }).waitFor();
      await page.getByLabel('Refund amount (optional)').fill('5.00');
      await page.getByLabel('Reason (optional)').fill('damaged');
      await page.getByRole('button', { name: 'Refund' }).click();
      await timeline.getByRole('listitem').filter({ hasText: 'refunded' }).filter({ hasText: '5.00' }).filter({ hasText: 'Reason: damaged' }).waitFor();
      expect(await timeline.getByRole('listitem').count()).toBe(2);
      await shot('conversion');
      // Too much: the engine's problem, said on the page, and nothing recorded.
      await page.getByLabel('Refund amount (optional)').fill('500.00');
      await page.getByRole('button', { name: 'Refund' }).click();
      await page.getByRole('alert').waitFor();
      expect(await timeline.getByRole('listitem').count()).toBe(2);
      const tx = await engine.call('GET', program.path(`/conversions/${conversions.Cy.conversion.id}/history`), undefined, program.key);
      expect(tx.body.items.map((e: any) => e.type)).toEqual(['CREATED', 'REFUNDED']);
    });

    it('payouts: create a batch, review it, download its CSV, confirm it with a reference', async () => {
      await nav('Payouts');
      await heading('Payouts');
      await page.getByText('No payout batch yet.').waitFor();
      // A minimum above every balance: the engine says there is nothing to pay, and the page says so.
      await page.getByLabel('Minimum per partner (USD)').fill('1000.00');
      await page.getByRole('button', { name: 'Create payout batch' }).click();
      await page.getByRole('alert').filter({ hasText: 'Nothing to pay' }).waitFor();
      await page.getByLabel('Minimum per partner (USD)').fill('');
      await page.getByRole('button', { name: 'Create payout batch' }).click();

      await heading(/^Payout po_/);
      const items = page.getByRole('table', { name: 'Payout items' });
      await items.getByRole('row').filter({ hasText: 'Ada' }).filter({ hasText: '10.00 USD' }).waitFor();
      await items.getByRole('row').filter({ hasText: 'Bob' }).filter({ hasText: '5.00 USD' }).waitFor();
      expect(await items.getByRole('row').count()).toBe(3); // the header and two partners: Cy's commission is pending
      await page.getByText('DRAFT').first().waitFor();
      await shot('payout');

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
      const csv = readFileSync((await download.path())!, 'utf8')
        .trim()
        .split(/\r?\n/);
      expect(csv[0]).toBe('partner_id,email,name,amount,currency,reference');
      expect(csv.slice(1).sort()).toEqual(
        [
          `${partners.Ada.id},${partners.Ada.email},Ada,10.00,USD,${download.suggestedFilename().replace('.csv', '')}`,
          `${partners.Bob.id},${partners.Bob.email},Bob,5.00,USD,${download.suggestedFilename().replace('.csv', '')}`,
        ].sort(),
      );

      await page.getByLabel('Provider reference (optional)').fill('PAYPAL-42');
      await page.getByRole('button', { name: 'Confirm as paid' }).click();
      await page.getByText('reference PAYPAL-42').waitFor();
      await page.getByRole('button', { name: 'Confirm as paid' }).waitFor({ state: 'detached' });
      const id = download.suggestedFilename().replace('.csv', '');
      const recorded = await engine.call('GET', program.path(`/payouts/${id}`), undefined, program.key);
      expect(recorded.body).toMatchObject({ status: 'PAID', reference: 'PAYPAL-42', total: '15.00' });

      await page.getByRole('link', { name: 'All payouts' }).click();
      await heading('Payouts');
      await page.getByRole('table', { name: 'Payout batches' }).getByRole('row').filter({ hasText: 'PAID' }).filter({ hasText: '15.00 USD' }).waitFor();
      await shot('payouts');
    });

    it('events: newest first, filtered by type, an event opened, and the live tail following a new sale', async () => {
      await nav('Events');
      await heading('Events');
      const table = page.getByRole('table', { name: 'Events' });
      const first = async () => Number(await table.getByRole('row').nth(1).getAttribute('data-position'));
      const last = await first();
      expect(last).toBeGreaterThan(1);
      // Newest first: positions fall down the table.
      expect(Number(await table.getByRole('row').nth(2).getAttribute('data-position'))).toBeLessThan(last);

      await page.getByLabel('Types (comma-separated)').fill('PayoutPaid');
      await page.getByRole('button', { name: 'Show events' }).click();
      await table.getByRole('row').nth(2).waitFor({ state: 'detached' });
      expect(await table.getByRole('row').count()).toBe(2);
      await table.getByText('PayoutPaid').click();
      await table.locator('pre').filter({ hasText: '"reference": "PAYPAL-42"' }).waitFor();
      await shot('events');

      await page.getByLabel('Types (comma-separated)').fill('');
      await page.getByRole('button', { name: 'Show events' }).click();
      await table.getByRole('row').nth(3).waitFor();
      await page.getByLabel('Follow new events').check();
      const sale = await program.sale('70.00');
      await table.locator(`tr[data-position="${sale.tx.position}"]`).waitFor({ timeout: 10_000 });
      expect(await first()).toBeGreaterThanOrEqual(Number(sale.tx.position));
      await page.getByLabel('Follow new events').uncheck();
    });

    it("a partner's status changed from their page, with a reason", async () => {
      await page.goto(`${engine.url}/console#/programs/${program.id}/partners/${partners.Cy.id}`);
      await heading('Cy');
      await page.getByLabel('New status').selectOption({ label: 'disabled' });
      await page.getByRole('form', { name: 'Partner status' }).getByLabel('Reason (optional)').fill('left the program');
      await page.getByRole('button', { name: 'Change status' }).click();
      await page.locator('main .sub .badge').filter({ hasText: 'DISABLED' }).waitFor();
      const recorded = await engine.call('GET', program.path(`/partners/${partners.Cy.id}`), undefined, program.key);
      expect(recorded.body.status).toBe('DISABLED');
    });

    it('a malformed filter is the API problem, shown where it happened', async () => {
      await nav('Events');
      await heading('Events');
      await page.getByLabel('From position').fill('not-a-number');
      await page.getByRole('button', { name: 'Show events' }).click();
      await page
        .getByRole('alert')
        .filter({ hasText: /fromPosition/ })
        .waitFor();
    });
  });
}
