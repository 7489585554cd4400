import * as library from 'libphonenumber-js';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { NANP_FORMATS, SPECIAL_AREAS } from '../../bench/phone-numbers.js';
import { digits, pick, seededRandom, type Random } from '../../bench/random.js';
import { normalisePhone, parsePhone } from './phone.js';

// Counts the full parses normalisePhone asks for, to show which numbers the fast paths answered.
vi.mock('libphonenumber-js', async (importOriginal) => {
  const original = await importOriginal<typeof library>();
  return { ...original, parsePhoneNumberFromString: vi.fn(original.parsePhoneNumberFromString) };
});
const fullParses = vi.mocked(library.parsePhoneNumberFromString);

const EXTENSIONS = [
  ' x12',
  ' ext. 123',
  ' Ext 9',
  'x1',
  ' ext.4567',
  ' EXT 123456',
  ' x 1234567',
  ' #12',
  ';ext=12',
  ' extension 12',
  ', 12',
];

/** A North American number: mostly plausible, often not, in every usual format, sometimes with an extension. */
function nanpNumber(next: Random): string {
  const roll = next();
  const area =
    roll < 0.45 ? String(200 + Math.floor(next() * 800)) : roll < 0.75 ? pick(next, SPECIAL_AREAS) : digits(next, 3);
  const exchangeRoll = next();
  const exchange =
    exchangeRoll < 0.1
      ? '555'
      : exchangeRoll < 0.15
        ? pick(next, ['211', '411', '911', '000', '100', '199'])
        : exchangeRoll < 0.9
          ? String(200 + Math.floor(next() * 800))
          : digits(next, 3);
  const text = pick(next, NANP_FORMATS)(
    area,
    exchange,
    next() < 0.1 ? pick(next, ['0100', '0199', '0000', '9999']) : digits(next, 4),
  );
  return next() < 0.12 ? text + pick(next, EXTENSIONS) : text;
}

/** A number written with a calling code, as lead forms from other countries send them. */
function internationalNumber(next: Random): string {
  switch (Math.floor(next() * 12)) {
    case 0:
      return `+44 ${pick(next, ['20', '7', '1', '3', '8', '121', '161', '7911', '0'])}${digits(next, 6 + Math.floor(next() * 4))}`;
    case 1:
      return `+44 (0)${pick(next, ['20', '7911', '161'])} ${digits(next, 7)}`;
    case 2:
      return `+49 ${pick(next, ['30', '89', '151', '170', '0'])} ${digits(next, 5 + Math.floor(next() * 5))}`;
    case 3:
      return `+33 ${pick(next, ['1', '6', '7', '9', '0'])} ${digits(next, 2)} ${digits(next, 2)} ${digits(next, 2)} ${digits(next, 2)}`;
    case 4:
      return `+52 ${pick(next, ['55', '1 55', '81', '33', '044 55'])} ${digits(next, 4)} ${digits(next, 4)}`;
    case 5:
      return `+91 ${pick(next, ['9', '8', '7', '6', '1', '0'])}${digits(next, 4)} ${digits(next, 5)}`;
    case 6:
      return `+${pick(next, ['7', '86', '61', '39', '353', '34', '55', '81', '27', '234', '1', '1264', '1876'])} ${digits(next, 4 + Math.floor(next() * 8))}`;
    case 7:
      return `+${pick(next, ['800', '808', '870', '882', '979', '0', '999', '28', '42'])} ${digits(next, 8)}`;
    case 8:
      return `+${digits(next, 1 + Math.floor(next() * 14))}`;
    case 9:
      return `+${pick(next, ['44', '49', '33', '1'])}-${digits(next, 3)}.${digits(next, 3)}(${digits(next, 2)})${digits(next, 3)}`;
    case 10:
      return `+${pick(next, ['44', '49', '52', '91'])}${digits(next, 1 + Math.floor(next() * 3))}`;
    default:
      return `+${pick(next, ['44', '49', '33', '52', '91'])} ${digits(next, 10)}`;
  }
}

const JUNK = [
  'n/a',
  'none',
  '123',
  '555-CALL-NOW',
  '0',
  '(000) 000-0000',
  '1.2025550143E+09',
  '5.12555E+9',
  'tel:+1-512-555-0143',
  '+',
  '++44 20 7946 0958',
  '512-555-014',
  '512-555-01433',
  '1-800-FLOWERS',
  'call me',
  '+1 (512) 555-0143 or 512-555-0199',
  '０１２３',
  '５１２５５５０１４３',
  '(512) 555-0143 ',
  '5125550143.',
  '011 44 20 7946 0958',
  '0044 20 7946 0958',
  '001 512 555 0143',
  '020 7946 0958',
  '07911 123456',
  '030 12345678',
  '01 23 45 67 89',
  '98765 43210',
];

function anyNumber(next: Random): string {
  const roll = next();
  if (roll < 0.6) return nanpNumber(next);
  if (roll < 0.85) return internationalNumber(next);
  if (roll < 0.95) return pick(next, JUNK);
  // Digits and punctuation at random: lengths and shapes no one planned for.
  return Array.from({ length: 1 + Math.floor(next() * 16) }, () =>
    pick(next, ['0', '1', '2', '5', '9', '+', ' ', '-', '(', ')', '.', 'x']),
  ).join('');
}

const REGIONS = ['US', 'US', 'US', 'CA', 'GB', 'DE', 'MX', 'IN', 'PR', 'JM', 'AG', 'DO'];

describe('normalisePhone gives exactly libphonenumber-js answers', () => {
  beforeEach(() => {
    fullParses.mockClear();
  });

  it('over 60,000 numbers of every kind in twelve default regions (seed 20251)', () => {
    const next = seededRandom(20251);
    let valid = 0;
    for (let i = 0; i < 60_000; i++) {
      const text = anyNumber(next);
      const region = pick(next, REGIONS);
      const result = normalisePhone(text, text, region);
      expect(result, `${text} (${region})`).toEqual(parsePhone(text, text, region));
      if (result.valid) valid++;
    }
    // Both answers are common.
    expect(valid).toBeGreaterThan(15_000);
    expect(60_000 - valid).toBeGreaterThan(15_000);
  });

  for (const region of ['US', 'CA']) {
    it(`answers random North American numbers without the full parse (${region})`, () => {
      const next = seededRandom(region === 'US' ? 7 : 11);
      for (let i = 0; i < 20_000; i++) {
        const text =
          pick(next, NANP_FORMATS)(String(200 + Math.floor(next() * 800)), digits(next, 3), digits(next, 4)) +
          (i % 10 === 0 ? ' x12' : '');
        expect(normalisePhone(text, text, region), text).toEqual(parsePhone(text, text, region));
      }
      expect(fullParses.mock.calls.length).toBe(20_000); // parsePhone's own, none from normalisePhone
    });
  }

  it('answers numbers written with a calling code without the full parse', () => {
    const next = seededRandom(3);
    for (let i = 0; i < 10_000; i++) {
      // (A national number starting with a trunk prefix, 0 or 1, takes the full parse.)
      const text = `+${pick(next, ['44', '49', '33', '52', '91', '61', '86', '1'])} ${2 + Math.floor(next() * 8)}${digits(next, 2)} ${digits(next, 3)} ${digits(next, 4)}`;
      expect(normalisePhone(text, text, 'US'), text).toEqual(parsePhone(text, text, 'US'));
    }
    expect(fullParses.mock.calls.length).toBe(10_000);
  });

  it('reads the country, national number and extension into the parts', () => {
    expect(normalisePhone('(416) 555-0143 ext. 12', '(416) 555-0143 ext. 12', 'US')).toEqual({
      raw: '(416) 555-0143 ext. 12',
      normal: '+14165550143',
      valid: true,
      parts: { country_code: '1', country: 'CA', national: '4165550143', extension: '12' },
    });
    expect(normalisePhone('+44 20 7946 0958', '+44 20 7946 0958', 'US').parts).toEqual({
      country_code: '44',
      country: 'GB',
      national: '2079460958',
      extension: null,
    });
    expect(normalisePhone('(999) 555-0143', '(999) 555-0143', 'US')).toEqual({
      raw: '(999) 555-0143',
      normal: null,
      valid: false,
      issue: 'not a valid phone number',
    });
    expect(normalisePhone('5125550143', '5125550143', 'GB').valid).toBe(false);
  });
});
