import { describe, expect, it } from 'vitest';
import { isDangerousCell, neutraliseCell, neutraliseRow, safeCsvLines } from './csv-safety.js';

describe('CSV formula safety', () => {
  it('neutralises cells that start a formula', () => {
    for (const cell of [
      '=1+1',
      '+A1',
      '-A1+B1',
      '@SUM(A1:A2)',
      '=HYPERLINK("http://x.test","click")',
      '\tabc',
      '\r=1',
      '-',
      '+',
      '=',
    ]) {
      expect(isDangerousCell(cell), JSON.stringify(cell)).toBe(true);
      expect(neutraliseCell(cell)).toBe(`'${cell}`);
    }
  });

  it('neutralises formulas that span lines', () => {
    expect(neutraliseCell('=1+1\nx')).toBe("'=1+1\nx");
    expect(neutraliseCell('=HYPERLINK("http://x.test")\r\n')).toBe('\'=HYPERLINK("http://x.test")\r\n');
    expect(neutraliseCell('@cmd\r\nmore\nlines')).toBe("'@cmd\r\nmore\nlines");
  });

  it('looks through leading spaces and line breaks a spreadsheet may trim', () => {
    for (const cell of [' =1+1', '   @SUM(A1)', '\n=1+1', '\r\n+A1', ' \n -A1', '\u00a0=1']) {
      expect(isDangerousCell(cell), JSON.stringify(cell)).toBe(true);
    }
  });

  it('leaves plain numbers and phone numbers as they are', () => {
    for (const cell of [
      '+15125550143',
      '-12.5',
      '+1 (512) 555-0143',
      '-5',
      '+1 713 555 0100',
      '-(5)',
      ' -5',
      '+44 20 7946.0958',
      '42',
      '0.5',
    ]) {
      expect(isDangerousCell(cell), JSON.stringify(cell)).toBe(false);
      expect(neutraliseCell(cell)).toBe(cell);
    }
  });

  it('does not take a signed cell with letters, tabs or line breaks for a number', () => {
    for (const cell of ['-1+cmd|A0', '+1e5', '-5\n', '+1\t2', '-0x1A', '+1 (512) 555-0143 ext 2']) {
      expect(isDangerousCell(cell), JSON.stringify(cell)).toBe(true);
    }
  });

  it('leaves ordinary text alone, including text that spans lines', () => {
    for (const cell of [
      '',
      'Maria',
      'maria@example.com',
      '1+1',
      'Roof: tile\n=not a formula here',
      'a=b',
      'x@y',
      ' hello',
    ]) {
      expect(isDangerousCell(cell), JSON.stringify(cell)).toBe(false);
    }
  });

  it('neutralises a whole row', () => {
    expect(neutraliseRow(['=cmd', 'Ann', '+15125550143', '@x'])).toEqual(["'=cmd", 'Ann', '+15125550143', "'@x"]);
  });

  it('writes CSV lines with every cell neutralised, quoting cells that span lines', () => {
    expect(
      safeCsvLines([
        ['=h', 'phone'],
        ['=1+1\nx', '+15125550143'],
      ]),
    ).toBe('\'=h,phone\r\n"\'=1+1\nx",+15125550143\r\n');
  });
});
