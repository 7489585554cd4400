import { describe, expect, it } from 'vitest';
import { fitRow, headerWidth, raggedWarnings } from './ragged-rows.js';

describe('fitRow', () => {
  it('pads a short row with empty cells', () => {
    expect(fitRow(['a', 'b'], 4)).toEqual({ cells: ['a', 'b', '', ''], fit: 'padded' });
  });

  it('drops empty cells past the last column', () => {
    expect(fitRow(['a', 'b', '', ' '], 2)).toEqual({ cells: ['a', 'b'], fit: 'trimmed' });
  });

  it('keeps a row with values past the last column as it is, for the import to fail it', () => {
    const cells = ['a', 'b', '', 'extra'];
    expect(fitRow(cells, 2)).toEqual({ cells, fit: 'too_wide' });
  });

  it('leaves a row of the right width alone', () => {
    const cells = ['a', 'b'];
    expect(fitRow(cells, 2).cells).toBe(cells);
  });
});

describe('headerWidth', () => {
  it('ends at the last named column when no row fills the blank ones after it', () => {
    expect(headerWidth(['firstname', 'lastname', 'email', ''], [['Nicole', 'Braun', 'n@example.com']])).toBe(3);
  });

  it('keeps a blank-named trailing column that the rows fill', () => {
    expect(headerWidth(['Email', 'Name', ''], [['a@example.com', 'Ann', 'note']])).toBe(3);
  });

  it('never grows past the header row for values beyond it (those rows fail)', () => {
    expect(headerWidth(['Email', 'Name'], [['a@example.com', 'Ann', 'extra']])).toBe(2);
  });
});

describe('raggedWarnings', () => {
  it('says what was padded, ignored and will fail', () => {
    expect(raggedWarnings({ fits: 8, padded: 12, trimmed: 0, too_wide: 0 }, 20, 4)).toEqual([
      '12 of the first 20 rows had fewer cells than the header (4) and were padded with empty cells',
    ]);
    expect(raggedWarnings({ fits: 0, padded: 0, trimmed: 2, too_wide: 0 }, 2, 37)).toEqual([
      "all 2 rows end with extra empty cells past the header's 37 columns: ignored",
    ]);
    expect(raggedWarnings({ fits: 2, padded: 0, trimmed: 0, too_wide: 1 }, 3, 4, 'line 4 has 5 fields')).toEqual([
      "1 of the first 3 rows hold values past the header's 4 columns and will fail (line 4 has 5 fields)",
    ]);
    expect(raggedWarnings({ fits: 0, padded: 0, trimmed: 1, too_wide: 0 }, 1, 37)).toEqual([
      "the only row ends with extra empty cells past the header's 37 columns: ignored",
    ]);
    expect(raggedWarnings({ fits: 3, padded: 0, trimmed: 0, too_wide: 0 }, 3, 4)).toEqual([]);
  });
});
