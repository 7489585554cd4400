// @vitest-environment happy-dom
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PreviewColumn } from '../../../../src/imports/preview.service';
import { renderInApp } from '../../test-render';
import { MapStep } from './map-step';

const fields = [
  { name: 'first_name', label: 'First name', type: 'string', required: true },
  { name: 'email', label: 'Email', type: 'email', required: true },
  { name: 'phone_1', label: 'Phone 1', type: 'phone', required: false },
];
const columns: PreviewColumn[] = [
  { index: 0, header: 'Name', field: 'first_name', confidence: 0.97 },
  {
    index: 1,
    header: 'E-mail',
    field: 'email',
    confidence: 0.92,
    sample: {
      checked: 20,
      invalid: 12,
      examples: [{ value: 'nope', issue: 'not a valid email address' }],
      repaired: 0,
      message: '12 of 20 sample values are not valid emails',
    },
  },
  { index: 2, header: 'Notes', field: null, confidence: 0, customField: 'notes' },
];

function renderStep(missingRequired: string[] = [], routed = false) {
  const props = {
    onChange: vi.fn(),
    onValidate: vi.fn(),
    onBack: vi.fn(),
    onSaveTemplate: vi.fn(async () => {}),
  };
  renderInApp(
    <MapStep
      columns={columns}
      sampleRows={[['Ada', 'nope', 'hello']]}
      fields={fields}
      routed={routed}
      missingRequired={missingRequired}
      busy={false}
      error={null}
      {...props}
    />,
  );
  return props;
}

describe('the map step', () => {
  afterEach(cleanup);

  it("shows each column's field, confidence and sample check", () => {
    renderStep();
    expect((screen.getByLabelText('Field for column E-mail') as HTMLSelectElement).value).toBe('email');
    expect(screen.getByText('92%')).toBeTruthy();
    expect(screen.getByText(/12 of 20 sample values are not valid emails/)).toBeTruthy();
  });

  it('maps a column to another field, to nothing, or to a new custom field', () => {
    const { onChange } = renderStep();
    fireEvent.change(screen.getByLabelText('Field for column Name'), { target: { value: '' } });
    expect(onChange).toHaveBeenLastCalledWith('Name', null);
    fireEvent.change(screen.getByLabelText('Field for column Notes'), { target: { value: '+notes' } });
    expect(onChange).toHaveBeenLastCalledWith('Notes', '+notes');
  });

  it('holds validation back while a required field is unmapped', () => {
    const { onValidate } = renderStep(['first_name']);
    expect(screen.getByText(/Map a column to First name before validating/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Validate' }));
    expect(onValidate).not.toHaveBeenCalled();
  });

  it('saves the mapping as a template under a name', () => {
    const { onSaveTemplate } = renderStep();
    fireEvent.change(screen.getByLabelText('Template name'), { target: { value: 'Acme export' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save as template' }));
    expect(onSaveTemplate).toHaveBeenCalledWith('Acme export');
  });

  it('offers no custom field for a file whose rows name their flow, and asks for flow_id and source_id', () => {
    renderStep(['flow_id', 'source_id'], true);
    expect(screen.getByText('Each row names its flow and source')).toBeTruthy();
    const notes = [...(screen.getByLabelText('Field for column Notes') as HTMLSelectElement).options];
    expect(notes.map((option) => option.value)).not.toContain('+notes');
    expect(screen.getByText(/Map a column to flow_id, source_id before validating/)).toBeTruthy();
  });
});
