// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderInApp } from '../../test-render';
import { UploadStep } from './upload-step';

const flows = [
  { id: 'solar', name: 'Solar quotes' },
  { id: 'roofing', name: 'Roofing' },
];
const sources = [
  { id: 'acme-media', name: 'Acme Media', flows: ['solar'] },
  { id: 'beta-leads', name: 'Beta Leads', flows: ['roofing'] },
];

function renderStep(onNext = vi.fn()) {
  renderInApp(<UploadStep flows={flows} sources={sources} busy={false} error={null} onNext={onNext} />);
  return onNext;
}

describe('the upload step', () => {
  afterEach(cleanup);

  it('offers the flows, and the sources of the chosen flow, by the names tests rely on', () => {
    renderStep();
    // Flow, Source and File each name one control: the routing question is a legend, not a label.
    expect(screen.getAllByLabelText(/flow/i)).toHaveLength(1);
    expect(screen.getAllByLabelText(/source/i)).toHaveLength(1);
    expect(screen.getAllByLabelText(/file/i)).toHaveLength(1);
    const flow = screen.getByLabelText('Flow') as HTMLSelectElement;
    expect([...flow.options].map((option) => option.value)).toEqual(['solar', 'roofing']);
    const source = screen.getByLabelText('Source') as HTMLSelectElement;
    expect([...source.options].map((option) => option.value)).toEqual(['acme-media']);
    fireEvent.change(flow, { target: { value: 'roofing' } });
    expect([...(screen.getByLabelText('Source') as HTMLSelectElement).options].map((o) => o.value)).toEqual([
      'beta-leads',
    ]);
  });

  it('hands on the chosen file with its flow and source', async () => {
    const onNext = renderStep();
    expect(screen.getByRole('button', { name: 'Next' })).toHaveProperty('disabled', true);
    const file = new File(['email\na@example.com\n'], 'leads.csv', { type: 'text/csv' });
    fireEvent.change(screen.getByLabelText('File'), { target: { files: [file] } });
    await screen.findByText('leads.csv');
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(onNext).toHaveBeenCalledWith({ file, routeByColumns: false, flowId: 'solar', sourceId: 'acme-media' });
  });

  it('hands on a file whose rows name their flow and source, with the selects out of the way', async () => {
    const onNext = renderStep();
    const question = screen.getByRole('group', { name: 'My file has flow_id and source_id columns' });
    fireEvent.click(within(question).getByRole('checkbox'));
    const flow = screen.getByLabelText('Flow') as HTMLSelectElement;
    expect(flow.disabled).toBe(true);
    expect(flow.selectedOptions[0]?.textContent).toBe("From each row's flow_id column");
    expect((screen.getByLabelText('Source') as HTMLSelectElement).disabled).toBe(true);
    const file = new File(['flow_id,source_id,email\n'], 'routed.csv', { type: 'text/csv' });
    fireEvent.change(screen.getByLabelText('File'), { target: { files: [file] } });
    await screen.findByText('routed.csv');
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(onNext).toHaveBeenCalledWith({ file, routeByColumns: true });
  });

  it('refuses a file of another type at once, in words', async () => {
    renderStep();
    const file = new File(['%PDF'], 'contract.pdf', { type: 'application/pdf' });
    fireEvent.change(screen.getByLabelText('File'), { target: { files: [file] } });
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toContain('contract.pdf is not a file Leadport reads'),
    );
    expect(screen.getByRole('button', { name: 'Next' })).toHaveProperty('disabled', true);
  });
});
