import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  type Browser,
  browserSuite,
  launchBrowser,
  screenshot,
  seriousViolations,
  type Server,
  signInAsAdmin,
  startServer,
} from './browser.js';

const root = path.resolve(import.meta.dirname, '../..');
const MULTI_SHEET = path.join(root, 'test/fixtures/files/multi-sheet.xlsx');

const FLOW = {
  id: 'solar',
  name: 'Solar quotes',
  fields: [
    { name: 'first_name' },
    { name: 'last_name' },
    { name: 'email', required: true },
    { name: 'phone_1' },
    { name: 'postal_code' },
  ],
  acceptance: { all: [{ field: 'email', op: 'format is valid' }] },
  duplicates: { keys: ['email'], windowDays: 30, action: 'update', fields: { phone_1: 'if_empty' } },
  sources: [
    { id: 'acme-media', name: 'Acme Media' },
    { id: 'beta-leads', name: 'Beta Leads' },
  ],
};

async function expectAccessible(page: Page, screen: string) {
  expect(await seriousViolations(page), `axe on ${screen}`).toEqual([]);
}

// Signs out and waits for the sign-in page, so a navigation that follows does not race the app's own.
async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/sign-in$/);
  await page.getByLabel('Email').waitFor();
}

async function submit(server: Server, key: string, source: string, lead: Record<string, string>) {
  const response = await fetch(`${server.url}/flows/solar/sources/${source}/submit`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(lead),
  });
  expect(response.status).toBe(201);
}

describe.skipIf(!browserSuite)('the screens in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let acmeKey: string;
  let signInLink: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'leadport-screens-'));
    writeFileSync(path.join(dir, 'flow.json'), JSON.stringify(FLOW));
    await server.cli(['flows', 'apply', path.join(dir, 'flow.json')]);
    acmeKey = (await server.cli(['keys', 'create', '--source', 'acme-media'])).trim();
    const betaKey = (await server.cli(['keys', 'create', '--source', 'beta-leads'])).trim();
    await submit(server, acmeKey, 'acme-media', {
      first_name: 'Ann',
      email: 'ann.acme@example.com',
      phone_1: '5125550101',
    });
    await submit(server, acmeKey, 'acme-media', { first_name: 'Al', email: 'broken-email' });
    await submit(server, betaKey, 'beta-leads', { first_name: 'Bea', email: 'bea.beta@example.com' });
    page = await browser.newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows leads with their detail, the report, flows, sources, templates and notifications to an admin', async () => {
    await signInAsAdmin(page, server.url);
    await page
      .getByRole('button', { name: /Submitted|, \d/ })
      .first()
      .waitFor();
    await page.getByRole('table', { name: 'Leads' }).getByText('bea.beta@example.com').waitFor();
    await screenshot(page, '20-leads');
    await expectAccessible(page, 'leads with rows');
    // A lead submitted now appears without a reload.
    await submit(server, acmeKey, 'acme-media', { first_name: 'Newt', email: 'newt.acme@example.com' });
    await page.getByRole('table', { name: 'Leads' }).getByText('newt.acme@example.com').waitFor({ timeout: 15_000 });
    await page.getByRole('table', { name: 'Leads' }).getByRole('button').first().click();
    await page.getByRole('dialog', { name: 'Newt' }).getByText('History').waitFor();
    await screenshot(page, '21-lead-detail');
    await expectAccessible(page, 'lead detail');
    await page.keyboard.press('Escape');

    await page.getByLabel('Search').fill('ann.acme');
    await expect
      .poll(() => page.getByRole('table', { name: 'Leads' }).getByText('bea.beta@example.com').count())
      .toBe(0);

    for (const [link, heading, name] of [
      ['Report', 'Report', '22-report'],
      ['Flows', 'Flows', '23-flows'],
      ['Sources', 'Sources', '25-sources'],
      ['Templates', 'Templates', '26-templates'],
      ['Notifications', 'Notifications', '27-notifications'],
    ] as const) {
      await page.getByRole('navigation').getByRole('link', { name: link, exact: true }).click();
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await page.waitForLoadState('networkidle');
      await screenshot(page, name);
      await expectAccessible(page, link);
      if (link === 'Flows') {
        await page.getByRole('link', { name: 'Solar quotes' }).click();
        await page.getByLabel('Update policy for phone_1').waitFor();
        expect(await page.getByLabel('Update policy for phone_1').inputValue()).toBe('if_empty');
        await screenshot(page, '24-flow-editor');
        await expectAccessible(page, 'flow editor');
      }
    }

    await page.getByRole('navigation').getByRole('link', { name: 'Sources', exact: true }).click();
    const beta = page.getByRole('region', { name: 'Beta Leads' });
    await beta.getByRole('button', { name: 'Sign-in link' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sign-in link for Beta Leads' });
    signInLink = ((await dialog.locator('pre').textContent()) ?? '').trim();
    expect(signInLink).toMatch(/\/sign-in\/lpl_/);
    await dialog.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('link', { name: 'solar' }).first().click();
    await page.getByRole('heading', { name: 'Submission docs' }).waitFor();
    await screenshot(page, '28-submission-docs');
    await expectAccessible(page, 'submission docs');
  }, 90_000);

  it('imports an XLSX workbook after choosing its sheet', async () => {
    await page.goto(`${server.url}/imports/new`);
    await page.getByLabel('Flow').selectOption('solar');
    await page.getByLabel('Source').selectOption('acme-media');
    await page.getByLabel('File').setInputFiles(MULTI_SHEET);
    await page.getByRole('button', { name: 'Next' }).click();
    const firstRows = page.getByRole('table', { name: 'First rows of the file' });
    await firstRows.waitFor();
    await page.getByLabel('Sheet').selectOption('Summary');
    await firstRows.getByText('Leads from the spring campaign').waitFor();
    await page.getByLabel('Sheet').selectOption('Leads');
    await firstRows.getByText('ann@example.com').waitFor();
    await screenshot(page, '30-xlsx-preview');
    await expectAccessible(page, 'xlsx preview');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByRole('button', { name: 'Start import' }).click();
    await page.getByRole('heading', { name: /^Completed/ }).waitFor({ timeout: 60_000 });
    await screenshot(page, '31-xlsx-summary');

    await page.getByRole('link', { name: 'Batch jobs' }).click();
    await page.getByRole('table', { name: 'Import history' }).getByRole('link').first().click();
    await page.getByRole('heading', { name: /^Completed/ }).waitFor();
    await screenshot(page, '32-job-page');
    await expectAccessible(page, 'job page');
  }, 90_000);

  it('lets a source in with its API key or a sign-in link, and shows it only its own leads', async () => {
    await signOut(page);
    await page.getByRole('tab', { name: 'Lead source' }).click();
    await page.getByLabel('API key').fill(acmeKey);
    await screenshot(page, '40-source-sign-in');
    await expectAccessible(page, 'source sign in');
    await page.getByRole('button', { name: 'Sign in with API key' }).click();
    await page.getByRole('heading', { name: 'Leads' }).waitFor();
    const leads = page.getByRole('table', { name: 'Leads' });
    await leads.getByText('ann.acme@example.com').first().waitFor();
    expect(await leads.getByText('bea.beta@example.com').count()).toBe(0);
    expect(await page.getByRole('navigation').getByRole('link', { name: 'Flows' }).count()).toBe(0);
    await screenshot(page, '41-source-leads');
    await expectAccessible(page, 'source leads');
    // A source imports into its own flows, as itself.
    await page.getByRole('link', { name: 'Import' }).click();
    await page.getByLabel('Flow').waitFor();
    expect(await page.getByLabel('Source').locator('option').allTextContents()).toEqual(['Acme Media (acme-media)']);
    await page.getByLabel('File').setInputFiles(MULTI_SHEET);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('table', { name: 'First rows of the file' }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('table', { name: 'Column mapping' }).waitFor();
    await screenshot(page, '42-source-map');
    await expectAccessible(page, 'source map');

    await signOut(page);
    await page.goto(signInLink);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Leads' }).waitFor();
    await page.getByRole('table', { name: 'Leads' }).getByText('bea.beta@example.com').waitFor();
    expect(await page.getByRole('table', { name: 'Leads' }).getByText('ann.acme@example.com').count()).toBe(0);
    // The link works once.
    await signOut(page);
    await page.goto(signInLink);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('This link did not work').waitFor();
  }, 90_000);

  // The toast when an import ends elsewhere in the app is a component test (import-end-toasts.test.tsx):
  // here it would race the job page, which shows the end itself.
  it('follows a running import on its job page and cancels it', async () => {
    // A file big enough to be running when the page opens, started through the API as a script would.
    const lines = ['email,first_name'];
    for (let i = 0; i < 400_000; i++) lines.push(`bulk${i}@example.com,Bulk${i}`);
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    const auth = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
    const form = new FormData();
    form.set('flowId', 'solar');
    form.set('sourceId', 'acme-media');
    form.set('file', new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }), 'bulk.csv');
    const upload = await fetch(`${server.url}/api/imports`, { method: 'POST', headers: auth, body: form });
    expect(upload.status).toBe(201);
    const { id } = (await upload.json()) as { id: string };
    expect((await fetch(`${server.url}/api/imports/${id}/start`, { method: 'POST', headers: auth })).status).toBe(202);

    await signInAsAdmin(page, server.url);
    await page.goto(`${server.url}/jobs/${id}`);
    await page.getByRole('button', { name: 'Cancel import' }).waitFor();
    await screenshot(page, '33-job-running');
    await expectAccessible(page, 'running job');
    await page.getByRole('button', { name: 'Cancel import' }).click();
    await page.getByRole('heading', { name: 'Cancelled' }).waitFor({ timeout: 60_000 });
    await screenshot(page, '35-job-cancelled');
  }, 90_000);
});
