import { describe, expect, it } from 'vitest';
import { routingTargets } from './routing';

describe("a routed file's targets", () => {
  it('are flow_id and source_id, then the fields of every flow once, none of them required', () => {
    const solar = [
      { name: 'email', label: 'Email', type: 'email', required: true },
      { name: 'roof_type', label: 'Roof type', type: 'choice', required: false },
    ];
    const roofing = [
      { name: 'email', label: 'E-mail address', type: 'email', required: true },
      { name: 'phone_1', label: 'Phone 1', type: 'phone', required: true },
    ];
    expect(routingTargets([solar, roofing])).toEqual([
      { name: 'flow_id', label: 'Flow id', type: 'string', required: true },
      { name: 'source_id', label: 'Source id', type: 'string', required: true },
      { name: 'email', label: 'Email', type: 'email', required: false },
      { name: 'roof_type', label: 'Roof type', type: 'choice', required: false },
      { name: 'phone_1', label: 'Phone 1', type: 'phone', required: false },
    ]);
  });
});
