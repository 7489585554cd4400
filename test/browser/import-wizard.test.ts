import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Browser,
  browserSuite,
  launchBrowser,
  screenshot,
  seriousViolations,
  type Server,
  signInAsAdmin,
  startServer,
} from './browser.js';

// A file with errors: row 3's email is broken (fixed inline in the test), row 5's too (left to fail), and
// enough good rows after them that the import is still running when the page is closed.
function leadsCsv(goodRows: number): string {
  const lines = [
    'First Name,Last Name,E-mail,Phone',
    'Ada,Lovelace,ada@example.com,+15125550143',
    'Grace,Hopper,grace-at-example,5125550144',
    'Alan,Turing,alan@example.com,5125550145',
    'Edsger,Dijkstra,not an email,5125550146',
  ];
  for (let i = 0; i < goodRows; i++)
    lines.push(`Lead${i},Person${i},lead${i}@example.com,512555${String(i % 10_000).padStart(4, '0')}`);
  return `${lines.join('\n')}\n`;
}

async function expectAccessible(page: Page, screen: string) {
  expect(await seriousViolations(page), `axe on ${screen}`).toEqual([]);
}

describe.skipIf(!browserSuite)('the import wizard in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leadport-wizard-'));
  const csv = path.join(dir, 'spring-leads.csv');

  beforeAll(async () => {
    writeFileSync(csv, leadsCsv(3000));
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    page = await browser.newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('signs in, adds a source and creates a flow in the editor', async () => {
    await page.goto(server.url);
    await page.getByLabel('Email').waitFor();
    await screenshot(page, '01-sign-in');
    await expectAccessible(page, 'sign in');
    await signInAsAdmin(page, server.url);
    await screenshot(page, '02-leads-empty');
    await expectAccessible(page, 'leads');

    await page.getByRole('link', { name: 'Sources' }).click();
    await page.getByLabel('Source id').fill('acme-media');
    await page.getByLabel('Source name').fill('Acme Media');
    await page.getByRole('button', { name: 'Add source' }).click();
    await page.getByRole('heading', { name: 'Acme Media' }).waitFor();

    await page.getByRole('link', { name: 'Flows' }).click();
    await page.getByRole('link', { name: 'New flow' }).click();
    await page.getByLabel('Flow id').fill('solar');
    await page.getByLabel('Flow name').fill('Solar quotes');
    await page.getByRole('checkbox', { name: 'Acme Media' }).check();
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByLabel('Rule 1 field').selectOption('email');
    await page.getByLabel('Rule 1 operator').selectOption('format is valid');
    await screenshot(page, '03-flow-editor');
    await expectAccessible(page, 'flow editor');
    await page.getByRole('button', { name: 'Save flow' }).click();
    await page.getByText('Flow created.').waitFor();
  });

  it('imports a CSV with errors: preview, map, validate, fix a row, import, close and reopen, summary', async () => {
    await page.getByRole('link', { name: 'Leads' }).click();
    await page.getByRole('link', { name: 'Import' }).click();
    await page.getByLabel('Flow').selectOption('solar');
    await page.getByLabel('Source').selectOption('acme-media');
    await page.getByLabel('File').setInputFiles(csv);
    await screenshot(page, '04-wizard-upload');
    await expectAccessible(page, 'upload');
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByRole('heading', { name: 'First rows' }).waitFor();
    expect(page.url()).toMatch(/\/imports\/[^/?]+\?step=preview$/);
    await screenshot(page, '05-wizard-preview');
    await expectAccessible(page, 'preview');
    // A reload shows the same step: the wizard follows the import on the server.
    await page.reload();
    await page.getByRole('heading', { name: 'First rows' }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByRole('table', { name: 'Column mapping' }).waitFor();
    await expect.poll(() => page.getByLabel('Field for column E-mail').inputValue()).toBe('email');
    await page.getByLabel('Field for column Phone').selectOption('phone_1');
    await page.getByLabel('Template name').fill('Spring export');
    await page.getByRole('button', { name: 'Save as template' }).click();
    await page.getByText('Saved “Spring export”.').waitFor();
    await screenshot(page, '06-wizard-map');
    await expectAccessible(page, 'map');
    await page.getByRole('button', { name: 'Validate' }).click();

    await page.waitForTimeout(5000);
    await page.getByRole('heading', { name: 'Rows that would fail' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Fix row 3' }).waitFor();
    await screenshot(page, '07-wizard-validate');
    await expectAccessible(page, 'validate');
    await page.getByRole('button', { name: 'Fix row 3' }).click();
    await page.getByLabel('Row 3 E-mail').fill('grace@example.com');
    await page.getByRole('button', { name: 'Save row 3' }).click();
    await page.getByText('Row 3 is fixed').waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Fix row 3' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Start import' }).click();
    await page.waitForURL(/\/imports\//);
    const importUrl = page.url().split('?')[0] ?? '';
    await page.getByText('it is safe to close this page').or(page.getByText('Completed with errors')).first().waitFor();
    await screenshot(page, '08-wizard-importing');
    // Closing the tab changes nothing: a new tab on the same URL shows where the import is.
    await page.close();
    page = await browser.newPage();
    await page.goto(importUrl);
    await page.getByRole('heading', { name: 'Completed with errors' }).waitFor({ timeout: 60_000 });
    await screenshot(page, '09-wizard-summary');
    await expectAccessible(page, 'summary');
    // The counts, each a term and its figure: 3004 rows, row 5 failed (row 3 was fixed).
    const figure = (term: string) =>
      page
        .locator('dt', { hasText: new RegExp(`^${term}$`) })
        .locator('xpath=following-sibling::dd[1]')
        .textContent();
    expect(await figure('Total')).toBe('3,004');
    expect(await figure('Failed')).toBe('1');
    expect(await figure('Fixed inline')).toBe('1');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download failed records' }).click(),
    ]);
    const failed = readFileSync((await download.path()) ?? '', 'utf8');
    expect(failed).toContain('not an email');
    expect(failed).not.toContain('grace');

    await page.getByRole('button', { name: 'Revert import' }).click();
    await page.getByRole('button', { name: 'Revert', exact: true }).click();
    await page.getByRole('heading', { name: 'Reverted' }).waitFor({ timeout: 60_000 });
    await screenshot(page, '10-wizard-reverted');

    await page.getByRole('link', { name: 'Batch jobs' }).click();
    await page.getByRole('table', { name: 'Import history' }).getByText('spring-leads.csv').waitFor();
    await screenshot(page, '11-batch-jobs');
    await expectAccessible(page, 'batch jobs');

    await page.getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('button', { name: 'Rename Spring export' }).click();
    await page.getByLabel('New name for Spring export').fill('Acme spring export');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByRole('table', { name: 'Templates' }).getByText('Acme spring export').waitFor();
    await screenshot(page, '12-templates');
    await expectAccessible(page, 'templates');
  }, 120_000);
});
