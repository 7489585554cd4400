// @vitest-environment happy-dom
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UploadPreview } from '../../api/imports';
import { renderInApp } from '../../test-render';
import { PreviewStep } from './preview-step';

const csvPreview: UploadPreview = {
  format: 'csv',
  encoding: 'windows-1252',
  delimiter: ';',
  hasHeader: true,
  sheets: [],
  sheet: null,
  columns: [
    { index: 0, header: 'Name', field: 'first_name', confidence: 1 },
    { index: 1, header: 'Email', field: 'email', confidence: 1 },
  ],
  sampleRows: [['José', 'jose@example.com']],
  evidence: { encoding: 'bytes 0x80-0xFF that are not UTF-8', delimiter: 'semicolon gives 2 columns on every line' },
  warnings: ['3 cells look like Excel damage (1.2E+10) and were kept as they are'],
  template: null,
  problems: [],
  missingRequired: [],
  suggestedTemplate: { id: 't1', name: 'Acme export' },
  previousImport: { id: 'imp0', fileName: 'leads.csv', createdAt: '2026-01-01T00:00:00.000Z' },
};

describe('the preview step', () => {
  afterEach(cleanup);

  it('shows what was detected with its evidence, the warnings and the first rows', () => {
    renderInApp(<PreviewStep preview={csvPreview} busy={false} onOverride={vi.fn()} onNext={vi.fn()} />);
    expect((screen.getByLabelText('Encoding') as HTMLSelectElement).value).toBe('windows-1252');
    expect(screen.getByText('Bytes 0x80-0xFF that are not UTF-8')).toBeTruthy();
    expect((screen.getByLabelText('Delimiter') as HTMLSelectElement).value).toBe(';');
    expect(screen.getByText(/Excel damage/)).toBeTruthy();
    expect(screen.getByText('This file was imported before')).toBeTruthy();
    expect(screen.getByText(/“Acme export” matches these headers/)).toBeTruthy();
    expect(screen.getByRole('table', { name: 'First rows of the file' }).textContent).toContain('jose@example.com');
  });

  it('sends each override: encoding, delimiter, header row', () => {
    const onOverride = vi.fn();
    renderInApp(<PreviewStep preview={csvPreview} busy={false} onOverride={onOverride} onNext={vi.fn()} />);
    fireEvent.change(screen.getByLabelText('Encoding'), { target: { value: 'utf-8' } });
    expect(onOverride).toHaveBeenLastCalledWith({ encoding: 'utf-8' });
    fireEvent.change(screen.getByLabelText('Delimiter'), { target: { value: '\t' } });
    expect(onOverride).toHaveBeenLastCalledWith({ delimiter: '\t' });
    fireEvent.click(screen.getByLabelText('First row is a header row'));
    expect(onOverride).toHaveBeenLastCalledWith({ hasHeader: false });
  });

  it("offers a workbook's sheets instead of encoding and delimiter", () => {
    const onOverride = vi.fn();
    const workbook: UploadPreview = {
      ...csvPreview,
      format: 'xlsx',
      encoding: null,
      delimiter: null,
      sheets: ['Summary', 'Leads'],
      sheet: 'Leads',
    };
    renderInApp(<PreviewStep preview={workbook} busy={false} onOverride={onOverride} onNext={vi.fn()} />);
    expect(screen.queryByLabelText('Encoding')).toBeNull();
    fireEvent.change(screen.getByLabelText('Sheet'), { target: { value: 'Summary' } });
    expect(onOverride).toHaveBeenLastCalledWith({ sheet: 'Summary' });
  });
});
