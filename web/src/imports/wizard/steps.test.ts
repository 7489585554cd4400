import { describe, expect, it } from 'vitest';
import type { ImportView } from '../../api/imports';
import { stepOf } from './steps';

const base: ImportView = {
  id: 'imp1',
  status: 'uploaded',
  flowId: 'solar',
  sourceId: 'acme-media',
  routeByColumns: false,
  fileName: 'leads.csv',
  fileSha256: null,
  fileSize: 10,
  format: 'csv',
  total: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  failed: 0,
  duplicates: 0,
  error: null,
  startedBy: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  finishedAt: null,
  durationMs: null,
  columns: [],
  mapping: [],
  fixed: 0,
  fractionRead: 0,
  rowsPerSecond: null,
  etaSeconds: null,
  validation: null,
  revert: null,
};
const validation = (status: 'running' | 'completed' | 'failed') => ({
  status,
  total: 4,
  created: 3,
  updated: 0,
  unchanged: 0,
  duplicates: 0,
  failed: 1,
  fractionRead: 1,
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: null,
  error: null,
});

describe('the wizard step of an import', () => {
  it('is upload before there is an import', () => {
    expect(stepOf(undefined, 'map')).toBe('upload');
  });

  it('lets the URL choose preview or map while the import is only uploaded', () => {
    expect(stepOf(base, null)).toBe('preview');
    expect(stepOf(base, 'preview')).toBe('preview');
    expect(stepOf(base, 'map')).toBe('map');
    expect(stepOf(base, 'nonsense')).toBe('preview');
  });

  it('shows the validation report once there is one, unless the user went back to map', () => {
    expect(stepOf(base, 'validate')).toBe('map');
    const validated = { ...base, validation: validation('completed') };
    expect(stepOf(validated, null)).toBe('validate');
    expect(stepOf(validated, 'map')).toBe('map');
  });

  it('follows the server whatever the URL says once something runs or ended', () => {
    expect(stepOf({ ...base, validation: validation('running') }, 'preview')).toBe('validate');
    expect(stepOf({ ...base, status: 'queued' }, 'preview')).toBe('import');
    expect(stepOf({ ...base, status: 'processing' }, 'map')).toBe('import');
    for (const status of ['completed', 'completed_with_errors', 'failed', 'cancelled', 'reverted'])
      expect(stepOf({ ...base, status }, 'validate')).toBe('summary');
  });
});
