import { mkdtempSync, writeFileSync } from 'node:fs';
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

// Two flows with a source each; roofing has a field solar lacks, so the mapping offers the fields of both.
const FLOWS = [
  {
    id: 'solar',
    name: 'Solar quotes',
    fields: [{ name: 'first_name' }, { name: 'email', required: true }],
    sources: [{ id: 'acme-media', name: 'Acme Media' }],
  },
  {
    id: 'roofing',
    name: 'Roofing',
    fields: [{ name: 'first_name' }, { name: 'email', required: true }, { name: 'roof_age', type: 'number' }],
    sources: [{ id: 'beta-leads', name: 'Beta Leads' }],
  },
];

// Each row names its flow and source; the last names a flow that does not exist.
const ROUTED_CSV = [
  'flow_id,source_id,First Name,Email,Roof Age',
  'solar,acme-media,Ann,ann@example.com,',
  'solar,acme-media,Bob,bob@example.com,',
  'roofing,beta-leads,Cy,cy@example.com,12',
  'roofing,beta-leads,Dee,dee@example.com,3',
  'gardening,acme-media,Eve,eve@example.com,',
].join('\n');

async function expectAccessible(page: Page, screen: string) {
  expect(await seriousViolations(page), `axe on ${screen}`).toEqual([]);
}

describe.skipIf(!browserSuite)('an import whose rows name their flow and source, in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leadport-routing-'));
  const csv = path.join(dir, 'mixed-vendors.csv');

  beforeAll(async () => {
    writeFileSync(csv, `${ROUTED_CSV}\n`);
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    for (const flow of FLOWS) {
      const file = path.join(dir, `${flow.id}.json`);
      writeFileSync(file, JSON.stringify(flow));
      await server.cli(['flows', 'apply', file]);
    }
    page = await browser.newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('sends each row to the flow and source it names, and fails the row naming an unknown flow', async () => {
    await signInAsAdmin(page, server.url);
    await page.getByRole('link', { name: 'Import' }).click();
    await page.getByRole('group', { name: 'My file has flow_id and source_id columns' }).getByRole('checkbox').check();
    expect(await page.getByLabel('Flow').isDisabled()).toBe(true);
    expect(await page.getByLabel('Source').isDisabled()).toBe(true);
    await page.getByLabel('File').setInputFiles(csv);
    await screenshot(page, '50-routed-upload');
    await expectAccessible(page, 'routed upload');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: 'First rows' }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();

    // The routing columns are suggested by their headers; the other targets are the fields of both flows.
    await page.getByRole('table', { name: 'Column mapping' }).waitFor();
    expect(await page.getByLabel('Field for column flow_id').inputValue()).toBe('flow_id');
    expect(await page.getByLabel('Field for column source_id').inputValue()).toBe('source_id');
    const targets = await page
      .getByLabel('Field for column Roof Age')
      .locator('option')
      .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
    expect(targets).toEqual(expect.arrayContaining(['flow_id', 'source_id', 'first_name', 'email', 'roof_age']));
    expect(targets.some((target) => target.startsWith('+'))).toBe(false);
    await page.getByLabel('Field for column Roof Age').selectOption('roof_age');
    await expect.poll(() => page.getByLabel('Field for column Roof Age').inputValue()).toBe('roof_age');
    await screenshot(page, '51-routed-map');
    await expectAccessible(page, 'routed map');

    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByRole('heading', { name: 'Rows that would fail' }).waitFor({ timeout: 30_000 });
    await page
      .getByRole('table', { name: 'Rows that would fail' })
      .getByText(/unknown flow "gardening"/)
      .waitFor();
    await screenshot(page, '52-routed-validate');

    await page.getByRole('button', { name: 'Start import' }).click();
    await page.getByRole('heading', { name: 'Completed with errors' }).waitFor({ timeout: 60_000 });
    await page
      .getByRole('table', { name: 'Failed rows' })
      .getByText(/unknown flow "gardening"/)
      .waitFor();
    await screenshot(page, '53-routed-summary');
    await expectAccessible(page, 'routed summary');
    const figure = (term: string) =>
      page
        .locator('dt', { hasText: new RegExp(`^${term}$`) })
        .locator('xpath=following-sibling::dd[1]')
        .textContent();
    expect(await figure('Total')).toBe('5');
    expect(await figure('Created')).toBe('4');
    expect(await figure('Failed')).toBe('1');
    await page.getByText("Flow: from the file's flow_id column").waitFor();

    // Each lead is in the flow and from the source its row named.
    const leads = JSON.parse(`[${(await server.cli(['leads', 'export'])).trim().split('\n').join(',')}]`) as {
      flowId: string;
      sourceId: string;
      fields: Record<string, unknown>;
    }[];
    expect(
      leads.map((lead) => `${lead.fields.email} ${lead.flowId} ${lead.sourceId}`).sort((a, b) => a.localeCompare(b)),
    ).toEqual([
      'ann@example.com solar acme-media',
      'bob@example.com solar acme-media',
      'cy@example.com roofing beta-leads',
      'dee@example.com roofing beta-leads',
    ]);
  }, 90_000);
});
