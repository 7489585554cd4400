import { describe, expect, it } from 'vitest';
import { describeJsonError } from './json-errors.js';

describe('describeJsonError', () => {
  it('names the line and column of the first mistake, in words', () => {
    expect(describeJsonError('{\n  "id": "solar",\n  "name": "Solar",\n}')).toBe(
      'line 4, column 1: a property name in double quotes is expected (or a comma too many before it)',
    );
    expect(describeJsonError('{\n  "id": "solar"\n  "name": "Solar"\n}')).toBe(
      'line 3, column 3: a "," is expected between items',
    );
    expect(describeJsonError('{"fields": [{"name": tru}]}')).toBe('line 1, column 22: unexpected character');
    expect(describeJsonError('{"id": "solar"')).toBe('line 1, column 15: a closing "}" is expected');
    expect(describeJsonError('   ')).toBe('the file is empty');
  });
  it('is null for valid JSON', () => {
    expect(describeJsonError('{"id": "solar", "fields": [1, 2]}')).toBeNull();
  });
});
