import { describe, expect, it } from 'vitest';
import { chooseSheet } from './sheet-choice.js';

describe('chooseSheet', () => {
  it('chooses the sheet whose columns map to the flow and says why', () => {
    const choice = chooseSheet([
      { name: 'Notes', columns: 1, mapped: 0, required: 0 },
      { name: 'Leads', columns: 6, mapped: 5, required: 2 },
    ]);
    expect(choice).toEqual({
      index: 1,
      evidence: 'sheet Leads: 5 of 6 columns map to the flow; sheet Notes: 0 of 1 columns map to the flow',
    });
  });

  it('puts required fields before the number of columns mapped', () => {
    const choice = chooseSheet([
      { name: 'Companies', columns: 9, mapped: 6, required: 0 },
      { name: 'Contacts', columns: 4, mapped: 3, required: 1 },
    ]);
    expect(choice.index).toBe(1);
  });

  it('keeps the earlier sheet on a tie, and the first table when nothing maps', () => {
    expect(
      chooseSheet([
        { name: 'A', columns: 3, mapped: 2, required: 1 },
        { name: 'B', columns: 3, mapped: 2, required: 1 },
      ]).index,
    ).toBe(0);
    expect(
      chooseSheet([
        { name: 'Empty', columns: null, mapped: 0, required: 0 },
        { name: 'Data', columns: 2, mapped: 0, required: 0 },
      ]),
    ).toEqual({
      index: 1,
      evidence:
        "no sheet's columns map to the flow, so sheet Data is read (sheet Empty: no table; sheet Data: 0 of 2 columns map to the flow)",
    });
  });
});
