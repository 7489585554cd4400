import { describe, expect, it } from 'vitest';
import { parseMapOption } from './output.js';

describe('parseMapOption', () => {
  it('maps, skips, and asks for new custom fields with +name', () => {
    expect({ ...parseMapOption('Email=email,Fax=,Roof type=+roof_type, Notes = + notes') }).toEqual({
      Email: 'email',
      Fax: null,
      'Roof type': '+roof_type',
      Notes: '+notes',
    });
  });
  it('refuses a new field name that is not snake_case', () => {
    expect(() => parseMapOption('Roof type=+Roof Type')).toThrow('is not a new field name');
  });
});
