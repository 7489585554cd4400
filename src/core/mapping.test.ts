import { describe, expect, it } from 'vitest';
import { parseFlowDefinition } from '../flows/flow.schema.js';
import { mapRow, suggestMapping } from './mapping.js';

const flow = parseFlowDefinition({
  id: 'f',
  name: 'F',
  fields: [{ name: 'first_name' }, { name: 'email' }, { name: 'phone_1' }, { name: 'postal_code' }, { name: 'roof_type', label: 'Roof type', aliases: ['Roof'] }],
});

describe('suggestMapping', () => {
  it('matches exact names, labels, aliases and common export headers, with confidence', () => {
    const mapping = suggestMapping(['first_name', 'E-mail Address', 'Phone', 'Zip', 'ROOF', 'Favourite colour'], flow.fields);
    expect(mapping.map((c) => [c.header, c.field])).toEqual([
      ['first_name', 'first_name'],
      ['E-mail Address', 'email'],
      ['Phone', 'phone_1'],
      ['Zip', 'postal_code'],
      ['ROOF', 'roof_type'],
      ['Favourite colour', null],
    ]);
    expect(mapping[0]?.confidence).toBe(1);
    expect(mapping[5]?.confidence).toBe(0);
  });
  it('never maps two columns to one field silently', () => {
    const mapping = suggestMapping(['Email', 'E-mail'], flow.fields);
    expect(mapping[0]).toMatchObject({ field: 'email' });
    expect(mapping[1]).toMatchObject({ field: null, note: 'also looks like email, which is mapped from "Email"' });
  });
});

describe('mapRow', () => {
  it('builds a null-prototype record of mapped cells only', () => {
    const raw = mapRow(['Ann', 'x', 'ann@x.com'], ['first_name', null, 'email']);
    expect(Object.getPrototypeOf(raw)).toBeNull();
    expect({ ...raw }).toEqual({ first_name: 'Ann', email: 'ann@x.com' });
  });
});
