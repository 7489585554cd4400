import { describe, expect, it } from 'vitest';
import { fromExcelSerial, normalise, type NormaliseContext } from './field-types.js';

const us: NormaliseContext = { phoneRegion: 'US' };

describe('string', () => {
  it('trims and removes invisible characters', () => {
    expect(normalise('string', '  Jos\u00e9\u200b ', us)).toMatchObject({ normal: 'José', valid: true });
    expect(normalise('string', 'Mary\u00a0Ann', us).normal).toBe('Mary Ann');
  });
  it('treats blank as missing, not invalid text', () => {
    expect(normalise('string', '   ', us)).toEqual({ raw: '   ', normal: null, valid: false });
  });
});

describe('email', () => {
  it('lowercases, trims and splits into parts', () => {
    const value = normalise('email', ' Maria.Garcia@GMAIL.com\u200b ', us);
    expect(value).toMatchObject({
      normal: 'maria.garcia@gmail.com',
      valid: true,
      parts: { user: 'maria.garcia', domain: 'gmail.com', is_free: true, is_disposable: false },
    });
  });
  it('removes non-breaking and zero-width spaces a spreadsheet left inside', () => {
    expect(normalise('email', 'ann\u00a0@example.com', us).normal).toBe('ann@example.com');
    expect(normalise('email', 'b\u200bob@example.com', us).normal).toBe('bob@example.com');
  });
  it('flags disposable domains', () => {
    expect(normalise('email', 'x@mailinator.com', us).parts?.is_disposable).toBe(true);
  });
  it('keeps invalid addresses raw with valid false', () => {
    for (const bad of ['aiko.tanaka@example', 'no-at-sign.com', 'a@b@c.com', 'two words@x.com']) {
      const value = normalise('email', bad, us);
      expect(value, bad).toMatchObject({ raw: bad, normal: null, valid: false });
      expect(value.issue).toBe('not a valid email address');
    }
  });
});

describe('phone', () => {
  it('normalises national and international formats to E.164', () => {
    expect(normalise('phone', '(512) 555-0143', us).normal).toBe('+15125550143');
    expect(normalise('phone', '512.555.0143', us).normal).toBe('+15125550143');
    expect(normalise('phone', '+44 20 7946 0958', us)).toMatchObject({
      normal: '+442079460958',
      parts: { country: 'GB', country_code: '44' },
    });
  });
  it('keeps the extension as a part', () => {
    expect(normalise('phone', '512-555-0143 ext. 12', us).parts).toMatchObject({
      extension: '12',
      national: '5125550143',
    });
  });
  it('uses the flow region for national numbers', () => {
    expect(normalise('phone', '020 7946 0958', { phoneRegion: 'GB' }).normal).toBe('+442079460958');
  });
  it('rejects impossible numbers and flags scientific notation', () => {
    expect(normalise('phone', '555-0143', us).valid).toBe(false);
    expect(normalise('phone', '1.2025550143E+09', us)).toMatchObject({
      valid: false,
      issue: expect.stringContaining('scientific notation'),
    });
  });
  it('gives the same answer from the cache', () => {
    const first = normalise('phone', '(602) 555-0107', us);
    const second = normalise('phone', '(602) 555-0107', us);
    expect(second).toEqual(first);
  });
});

describe('postal_code', () => {
  it('reads US ZIP and ZIP+4, keeping leading zeros', () => {
    expect(normalise('postal_code', '02134', us)).toMatchObject({
      normal: '02134',
      parts: { zip: '02134', plus4: null },
    });
    expect(normalise('postal_code', '021341234', us).normal).toBe('02134-1234');
    expect(normalise('postal_code', '78701-1234', us).normal).toBe('78701-1234');
  });
  it('repairs ZIPs that lost their leading zero in a spreadsheet', () => {
    expect(normalise('postal_code', '2134', us)).toMatchObject({
      normal: '02134',
      valid: true,
      issue: expect.stringContaining('leading zero'),
    });
  });
  it('reads Canadian and UK codes', () => {
    expect(normalise('postal_code', 'k1a0b1', us)).toMatchObject({ normal: 'K1A 0B1', parts: { country: 'CA' } });
    expect(normalise('postal_code', 'sw1a1aa', us)).toMatchObject({ normal: 'SW1A 1AA', parts: { country: 'GB' } });
  });
  it('rejects the rest', () => {
    expect(normalise('postal_code', '733', us).valid).toBe(false);
    expect(normalise('postal_code', 'ABCDE', us).valid).toBe(false);
  });
});

describe('state', () => {
  it('accepts codes and names in any case', () => {
    expect(normalise('state', 'tx', us).normal).toBe('TX');
    expect(normalise('state', 'California', us).normal).toBe('CA');
    expect(normalise('state', 'new york', us).normal).toBe('NY');
    expect(normalise('state', 'Ontario', us).normal).toBe('ON');
  });
  it('reads the traditional abbreviations people type, with or without dots and spaces', () => {
    for (const [written, code] of [
      ['Calif.', 'CA'],
      ['calif', 'CA'],
      ['N. Dak.', 'ND'],
      ['Penna.', 'PA'],
      ['W.Va.', 'WV'],
      ['N.Y.', 'NY'],
      ['Tex.', 'TX'],
      ['Washington, D.C.', 'DC'],
      ['Que.', 'QC'],
    ] as const) {
      const value = normalise('state', written, us);
      expect(value.valid ? value.normal : undefined, written).toBe(code);
    }
  });
  it('rejects unknown states', () => {
    expect(normalise('state', 'Narnia', us).valid).toBe(false);
    expect(normalise('state', 'ZZ', us).valid).toBe(false);
  });
});

describe('country', () => {
  it('accepts codes, names and common aliases', () => {
    expect(normalise('country', 'us', us).normal).toBe('US');
    expect(normalise('country', 'United States', us).normal).toBe('US');
    expect(normalise('country', 'USA', us).normal).toBe('US');
    expect(normalise('country', 'Germany', us).normal).toBe('DE');
    expect(normalise('country', 'UK', us).normal).toBe('GB');
  });
  it('rejects unknown countries', () => {
    expect(normalise('country', 'Atlantis', us).valid).toBe(false);
  });
});

describe('date', () => {
  it('reads ISO, US and textual dates', () => {
    expect(normalise('date', '1985-03-14', us).normal).toBe('1985-03-14');
    expect(normalise('date', '1985-03-14T10:00:00Z', us).normal).toBe('1985-03-14');
    expect(normalise('date', '03/04/1985', us).normal).toBe('1985-03-04');
    expect(normalise('date', 'March 4, 1985', us).normal).toBe('1985-03-04');
    expect(normalise('date', '4 Mar 1985', us).normal).toBe('1985-03-04');
    expect(normalise('date', '19850304', us).normal).toBe('1985-03-04');
  });
  it('reads day-first when the value proves it or the column says so', () => {
    expect(normalise('date', '25/12/1990', us).normal).toBe('1990-12-25');
    expect(normalise('date', '03/04/1985', { ...us, dayFirst: true }).normal).toBe('1985-04-03');
  });
  it('reads Excel serial dates in both systems', () => {
    expect(normalise('date', '45306', us).normal).toBe('2024-01-15');
    expect(normalise('date', '43844', { ...us, date1904: true }).normal).toBe('2024-01-15');
    expect(fromExcelSerial(1)?.toISOString().slice(0, 10)).toBe('1900-01-01');
    expect(fromExcelSerial(59)?.toISOString().slice(0, 10)).toBe('1900-02-28');
    expect(fromExcelSerial(61)?.toISOString().slice(0, 10)).toBe('1900-03-01');
  });
  it('rejects impossible dates', () => {
    expect(normalise('date', '02/30/2020', us).valid).toBe(false);
    expect(normalise('date', 'yesterday', us).valid).toBe(false);
    expect(normalise('date', '13/13/2020', us).valid).toBe(false);
  });
});

describe('number', () => {
  it('reads plain, signed, grouped and currency numbers', () => {
    expect(normalise('number', '42', us).normal).toBe(42);
    expect(normalise('number', '-3.5', us).normal).toBe(-3.5);
    expect(normalise('number', '$1,250.00', us).normal).toBe(1250);
  });
  it('rejects words', () => {
    expect(normalise('number', 'twelve', us).valid).toBe(false);
  });
});

describe('boolean', () => {
  it('reads yes/no/y/n/1/0/true/false', () => {
    for (const word of ['yes', 'Y', '1', 'TRUE']) expect(normalise('boolean', word, us).normal, word).toBe(true);
    for (const word of ['no', 'n', '0', 'False']) expect(normalise('boolean', word, us).normal, word).toBe(false);
    expect(normalise('boolean', 'maybe', us).valid).toBe(false);
  });
});

describe('choice', () => {
  const context: NormaliseContext = {
    phoneRegion: 'US',
    choices: [
      { value: 'shingle', label: 'Asphalt shingle' },
      { value: 'tile', label: 'Tile' },
    ],
  };
  it('matches values and labels case-insensitively', () => {
    expect(normalise('choice', 'SHINGLE', context).normal).toBe('shingle');
    expect(normalise('choice', 'asphalt shingle', context).normal).toBe('shingle');
  });
  it('names the allowed values when nothing matches', () => {
    expect(normalise('choice', 'straw', context)).toMatchObject({ valid: false, issue: 'not one of shingle, tile' });
  });
});

describe('url', () => {
  it('accepts web addresses with or without a scheme', () => {
    expect(normalise('url', 'https://example.com/a?b=1', us).normal).toBe('https://example.com/a?b=1');
    expect(normalise('url', 'example.com', us)).toMatchObject({
      normal: 'http://example.com/',
      parts: { host: 'example.com' },
    });
  });
  it('rejects other schemes and junk', () => {
    expect(normalise('url', 'javascript:alert(1)', us).valid).toBe(false);
    expect(normalise('url', 'not a url', us).valid).toBe(false);
  });
});
