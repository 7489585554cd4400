// @vitest-environment happy-dom
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ImportView } from '../api/imports';
import { renderInApp } from '../test-render';
import { ImportSummary } from './import-summary';

const ended: ImportView = {
  id: 'imp1',
  status: 'completed_with_errors',
  flowId: 'solar',
  sourceId: 'acme-media',
  routeByColumns: false,
  fileName: 'spring.csv',
  fileSha256: null,
  fileSize: 2048,
  format: 'csv',
  total: 10,
  created: 7,
  updated: 1,
  unchanged: 0,
  failed: 2,
  duplicates: 1,
  error: null,
  startedBy: 'admin@example.com',
  createdAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:02.000Z',
  durationMs: 2100,
  columns: ['email'],
  mapping: ['email'],
  fixed: 1,
  fractionRead: 1,
  rowsPerSecond: null,
  etaSeconds: null,
  validation: null,
  revert: null,
};

describe('the summary of an import', () => {
  beforeEach(() => {
    // The failed rows the summary lists (GET /api/imports/:id/rows).
    const rows = {
      rows: [
        {
          row: 3,
          outcome: 'failure',
          action: 'rejected',
          reason: 'email is invalid',
          values: { email: 'x' },
          fixed: false,
          duplicateOf: null,
        },
      ],
      reasons: [{ reason: 'email is invalid', count: 2 }],
      total: 2,
      next: null,
    };
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(JSON.stringify(rows), { headers: { 'content-type': 'application/json' } })),
    );
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('says how many of the updated rows changed nothing', () => {
    renderInApp(
      <ImportSummary view={{ ...ended, updated: 3, unchanged: 2 }} reverting={false} error={null} onRevert={vi.fn()} />,
    );
    expect(screen.getByText(/^Updated$/, { selector: 'dt' }).nextElementSibling?.textContent).toBe('3');
    expect(screen.getByText('2 changed nothing')).toBeTruthy();
  });

  it('says the status in words, with the counts, the failed rows and the failed records to download', async () => {
    renderInApp(<ImportSummary view={ended} reverting={false} error={null} onRevert={vi.fn()} />);
    expect(screen.getByRole('heading', { name: 'Completed with errors' })).toBeTruthy();
    const figure = (term: string) => screen.getByText(term, { selector: 'dt' }).nextElementSibling?.textContent;
    expect(figure('Total')).toBe('10');
    expect(figure('Created')).toBe('7');
    expect(figure('Failed')).toBe('2');
    expect(screen.queryByText(/changed nothing/)).toBeNull();
    expect(screen.getByText(/took 2 s/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Download failed records' }).getAttribute('href')).toBe(
      '/api/imports/imp1/failed.csv',
    );
    expect(await screen.findByText('email is invalid', { selector: 'p' })).toBeTruthy();
  });

  it('reverts only once confirmed', () => {
    const onRevert = vi.fn();
    renderInApp(<ImportSummary view={ended} reverting={false} error={null} onRevert={onRevert} />);
    fireEvent.click(screen.getByRole('button', { name: 'Revert import' }));
    expect(onRevert).not.toHaveBeenCalled();
    expect(screen.queryByRole('button', { name: 'Revert import' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Revert' }));
    expect(onRevert).toHaveBeenCalledOnce();
  });

  it('offers no revert for an import that created nothing', () => {
    renderInApp(
      <ImportSummary
        view={{ ...ended, status: 'failed', created: 0, updated: 0 }}
        reverting={false}
        error={null}
        onRevert={vi.fn()}
      />,
    );
    expect(screen.getByRole('heading', { name: 'Failed' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Revert import' })).toBeNull();
  });

  it("says where the rows of a routed import went: each row's own flow and source", () => {
    renderInApp(
      <ImportSummary
        view={{ ...ended, routeByColumns: true, flowId: null, sourceId: null }}
        reverting={false}
        error={null}
        onRevert={vi.fn()}
      />,
    );
    expect(
      screen.getByText(/Flow: from the file's flow_id column · Source: from the file's source_id column/),
    ).toBeTruthy();
  });
});
