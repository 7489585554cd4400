import { describe, expect, it } from 'vitest';
import { dataLike, filledWidth, findHeaderRow } from './header-row.js';

const line = (index: number) => `line ${index + 1}`;
const pad = (cells: string[], width: number) => cells.concat(Array<string>(width - cells.length).fill(''));

describe('findHeaderRow', () => {
  it('takes a first row of names as the header', () => {
    const choice = findHeaderRow(
      [
        ['Email', 'First Name'],
        ['ann@example.com', 'Ann'],
      ],
      line,
    );
    expect(choice).toEqual({ index: 0, evidence: 'line 1 holds only names, no email, phone, date or number' });
  });

  it('finds no header when the first row is already data', () => {
    const choice = findHeaderRow(
      [
        ['ann@example.com', 'Ann', '512-555-0101'],
        ['bob@example.com', 'Bob', '512-555-0102'],
      ],
      line,
    );
    expect(choice.index).toBeNull();
    expect(choice.evidence).toBe('the first row holds "ann@example.com" (an email address), so it is data');
  });

  it('looks past title and section lines padded to the width of the table', () => {
    const rows = [
      pad(['Acme CRM v2.1 - March 3, 2024 10:15 am'], 6),
      pad(['CONTACTS'], 6),
      ['Name', 'First Name', 'Last Name', 'Email', 'Phone', 'Phone'],
      ['Ann Lee', 'Ann', 'Lee', 'ann@example.com', '512-555-0101', ''],
      ['Bob Ray', 'Bob', 'Ray', 'bob@example.com', '', '512-555-0102'],
    ];
    const choice = findHeaderRow(rows, line);
    expect(choice.index).toBe(2);
    expect(choice.evidence).toBe(
      'line 3 holds the column names (5 distinct names; the rows below fill 6 columns); the 2 rows above it name fewer columns and are skipped',
    );
  });

  it('skips a narrow title line holding a date, which is not data', () => {
    const rows = [
      ['Exported', '2024-01-05'],
      ['Email', 'First Name', 'Last Name', 'Phone'],
      ['ann@example.com', 'Ann', 'Lee', '512-555-0101'],
    ];
    expect(findHeaderRow(rows, line).index).toBe(1);
  });

  it('prefers the row naming more columns over a wide preamble line', () => {
    const rows = [
      ['Report:', 'Leads', 'Generated:', 'Monday'],
      ['Email', 'First Name', 'Last Name', 'Phone', 'City'],
      ['ann@example.com', 'Ann', 'Lee', '512-555-0101', 'Austin'],
    ];
    expect(findHeaderRow(rows, line).index).toBe(1);
  });

  it('keeps the first row when no row holds data values (names and cities only)', () => {
    const rows = [
      ['First', 'Last', 'Notes'],
      ['Ann', 'Lee', ''],
      ['Bob', 'Ray', ''],
      ['Cy', 'Fox', 'called'],
    ];
    expect(findHeaderRow(rows, line).index).toBe(0);
  });

  it('compares a header with the filled width of sparse rows, not their trailing empty cells', () => {
    const header = ['First Name', 'Last Name', 'Display Name', 'Nickname', 'Primary Email', 'Work Phone', 'Notes'];
    const rows = [
      header,
      ['John', 'Doe', 'John Doe', '', 'john@doe.example', '', '', ''],
      ['Jane', 'Doe', 'Jane Doe', '', 'jane@doe.example', '', '', ''],
    ];
    expect(findHeaderRow(rows, line).index).toBe(0);
  });

  it('finds no header when only a title sits above the data', () => {
    const choice = findHeaderRow(
      [['Leads'], ['ann@example.com', 'Ann', '512-555-0101'], ['bob@example.com', 'Bob', '512-555-0102']],
      line,
    );
    expect(choice).toEqual({ index: null, evidence: 'no row above the data names its columns' });
  });

  it('takes a lone row of names as the header', () => {
    expect(findHeaderRow([['Email', 'Name']], line).index).toBe(0);
  });
});

describe('dataLike and filledWidth', () => {
  it('tells values from column names', () => {
    expect(dataLike(' ann@example.com ')).toBe('an email address');
    expect(dataLike('+1 (512) 555-0101')).toBe('a phone number');
    expect(dataLike('25/08/1992')).toBe('a date');
    expect(dataLike('1,200')).toBe('a number');
    expect(dataLike('Phone 1')).toBeUndefined();
  });

  it('counts cells up to the last non-empty one', () => {
    expect(filledWidth(['a', '', 'b', ' ', ''])).toBe(3);
    expect(filledWidth(['', ''])).toBe(0);
  });
});
