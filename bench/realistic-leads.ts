/**
 * Lead values drawn the way files from outside arrive: any area code (many unassigned), extensions,
 * international numbers, junk; names with accents from many languages; emails with plus tags on thousands
 * of domains; states written every way; ZIPs with and without +4, Canadian and UK codes. The friendly
 * generator (generate.ts's friendlyLeadRow) hid a slow phone path because it drew from ten area codes.
 */
import { COMMON_FIRST } from './names.js';
import { NANP_FORMATS, SPECIAL_AREAS } from './phone-numbers.js';
import { digits, pick, seededRandom, type Random } from './random.js';

const FIRST = [
  ...COMMON_FIRST,
  'François',
  'Björn',
  'Siobhán',
  'Łukasz',
  'Şebnem',
  'Željko',
  'Ngọc',
  'Søren',
  'Inés',
  'João',
  'Çağla',
  'Mohammed',
  'Anne-Marie',
  'Jean-Luc',
  'Renée',
  'Chloé',
  'Ólafur',
  'Dvořák',
  'Małgorzata',
  'Владимир',
  '李',
  'MARY',
  'john',
  'Mary J.',
  'Dr. Alan',
  ' Kim ',
];
const LAST = [
  'Garcia',
  'Smith',
  'Tanaka',
  'Nguyễn',
  'Johnson',
  'Wei',
  'Rossi',
  "O'Brien",
  'Müller',
  'Núñez',
  'Khan',
  'Ivanova',
  'Mensah',
  'Patel',
  'Silva',
  'García-López',
  'van der Berg',
  'de la Cruz',
  'MacDonald',
  'Øvergaard',
  'Åström',
  'Kowalczyk',
  'Özdemir',
  'Hernández',
  'Lefèvre',
  'Schäfer',
  'Nowak',
  'Papadopoulos',
  'St. John',
  'SMITH',
  'jones',
  'Lee Jr.',
  'Brown III',
  '',
];
const FREE_DOMAINS = [
  'gmail.com',
  'yahoo.com',
  'hotmail.com',
  'outlook.com',
  'aol.com',
  'icloud.com',
  'comcast.net',
  'att.net',
  'verizon.net',
  'protonmail.com',
  'gmx.de',
  'web.de',
  'orange.fr',
  'yahoo.co.uk',
  'live.ca',
  'msn.com',
  'me.com',
  'mail.ru',
  'qq.com',
  'yahoo.com.mx',
];
const COMPANY_WORDS = ['acme', 'solar', 'roofing', 'north', 'blue', 'summit', 'pioneer', 'global', 'metro', 'prime'];
const TLDS = ['com', 'net', 'org', 'io', 'co', 'us', 'biz', 'co.uk', 'de', 'ca'];
const PLUS_TAGS = ['leads', 'promo', '2024', 'fb', 'solar', 'x'];

// US states and Canadian provinces written as people and forms write them; the bench flow accepts TX, CA
// and AZ only, so about half the rows name one of those.
const ACCEPTED_STATES = [
  'TX',
  'CA',
  'AZ',
  'tx',
  'Ca',
  'az',
  'Texas',
  'California',
  'Arizona',
  'TEXAS',
  'california',
  'Tex.',
  'Calif.',
  'Ariz.',
  'Cal',
  ' TX ',
  'T.X.',
  'Tx.',
];
const OTHER_STATES = [
  'NY',
  'FL',
  'WA',
  'IL',
  'PA',
  'OH',
  'GA',
  'NC',
  'MI',
  'NJ',
  'New York',
  'N.Y.',
  'Fla.',
  'Florida',
  'washington',
  'Mass.',
  'Penn.',
  'ON',
  'Ontario',
  'B.C.',
  'Quebec',
  'PR',
  'DC',
  'D.C.',
  'USA',
  'N/A',
  '',
  'Tejas',
  '00',
];

const NOTES = [
  'Call after 5pm',
  'Interested in solar, wants a quote',
  'Said "maybe" on the phone',
  'Roof: tile, south-facing\nSecond line of notes',
  '',
  'Referred by a neighbour, prefers email',
  '',
  'Best time: 03/04/2025 14:30',
  'Visited 2025-01-07; follow up 7 Jan',
  'Préfère être contacté le matin 🙂',
  'Budget ~$15,000; "ASAP"',
  'Line one\r\nLine two, with a comma',
  '=HYPERLINK("http://example.com")',
  '    ',
  'No answer x3, left voicemail',
];

const INTERNATIONAL: ((random: Random) => string)[] = [
  (random) => `+44 20 ${digits(random, 4)} ${digits(random, 4)}`,
  (random) => `+44 7${digits(random, 3)} ${digits(random, 6)}`,
  (random) => `+44 (0)161 ${digits(random, 3)} ${digits(random, 4)}`,
  (random) => `+49 30 ${digits(random, 8)}`,
  (random) => `+49 15${digits(random, 1)} ${digits(random, 8)}`,
  (random) => `+33 6 ${digits(random, 2)} ${digits(random, 2)} ${digits(random, 2)} ${digits(random, 2)}`,
  (random) => `+52 55 ${digits(random, 4)} ${digits(random, 4)}`,
  (random) => `+91 ${pick(random, ['9', '8', '7'])}${digits(random, 4)} ${digits(random, 5)}`,
  (random) => `+${pick(random, ['61', '86', '39', '34', '55', '7', '353'])} ${digits(random, 9)}`,
];
const PHONE_JUNK = [
  'n/a',
  'none',
  '0',
  '123',
  '(000) 000-0000',
  '555-CALL-NOW',
  '1.2025550143E+09',
  'same as above',
  '512-555-014',
];

/** A phone number from anywhere: mostly North American with any area code, some foreign, some junk, some blank. */
function phone(random: Random): string {
  const roll = random();
  if (roll < 0.74) {
    const area = random() < 0.85 ? String(200 + Math.floor(random() * 800)) : pick(random, SPECIAL_AREAS);
    const exchange = random() < 0.1 ? '555' : String(200 + Math.floor(random() * 800));
    const text = pick(random, NANP_FORMATS)(area, exchange, digits(random, 4));
    return random() < 0.06 ? `${text}${pick(random, [' x12', ' ext. 305', ' Ext 4', 'x2201'])}` : text;
  }
  if (roll < 0.86) return pick(random, INTERNATIONAL)(random);
  if (roll < 0.9) return pick(random, PHONE_JUNK);
  return '';
}

/** The email of lead `n`, the same whenever it is asked for, so that a later row can repeat it. */
function email(n: number, first: string, last: string, random: Random): string {
  const clean = (name: string) =>
    name
      .normalize('NFD')
      .replace(/[^A-Za-z]/g, '')
      .toLowerCase() || 'lead';
  const f = clean(first);
  const l = clean(last);
  const local = pick(random, [`${f}.${l}`, `${f[0]}${l}`, `${f}_${l}`, `${f}${l}`, `${l}.${f}`]) + n.toString(36);
  const tagged = random() < 0.15 ? `${local}+${pick(random, PLUS_TAGS)}` : local;
  const domain =
    random() < 0.6
      ? pick(random, FREE_DOMAINS)
      : `${pick(random, COMPANY_WORDS)}${Math.floor(random() * 5000)}.${pick(random, TLDS)}`;
  return `${tagged}@${domain}`;
}

/** How a person types an address into a form: sometimes capitalised, padded, or broken. */
function writtenEmail(address: string, random: Random): string {
  const roll = random();
  if (roll < 0.05) return address.replace('@', ' at ');
  if (roll < 0.07) return address.replace(/\.[a-z.]+$/, '');
  if (roll < 0.15) return address.toUpperCase();
  if (roll < 0.2) return ` ${address} `;
  return address;
}

function zip(random: Random): string {
  const roll = random();
  const five = String(Math.floor(random() * 100_000)).padStart(5, '0');
  if (roll < 0.55) return five;
  if (roll < 0.7) return `${five}-${digits(random, 4)}`;
  if (roll < 0.75) return `${five}${digits(random, 4)}`;
  if (roll < 0.82) return String(Number(five));
  if (roll < 0.86) return pick(random, ['K1A 0B1', 'M5V 3L9', 'SW1A 1AA', 'EC1A 1BB', 'H2X1Y4']);
  if (roll < 0.9) return pick(random, ['N/A', '1234', '123456', 'unknown']);
  return '';
}

/**
 * Row i of a realistic lead file, in generate.ts's BENCH_HEADERS order. 10% are an earlier row's person
 * again (same name and email, written afresh), as when a lead is sold twice.
 */
export function realisticLeadRow(i: number, random: Random, seed: number): string[] {
  const person = i > 10 && random() < 0.1 ? Math.floor(random() * i) : i;
  // A person's name and address come from their number alone, so no list of earlier rows is kept.
  const own = seededRandom(seed * 1_000_003 + person);
  const first = pick(own, FIRST);
  const last = pick(own, LAST);
  const address = email(person, first, last, own);
  const state = random() < 0.5 ? pick(random, ACCEPTED_STATES) : pick(random, OTHER_STATES);
  return [first, last, writtenEmail(address, random), phone(random), state, zip(random), pick(random, NOTES)];
}
