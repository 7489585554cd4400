import { describe, expect, it } from 'vitest';
import { foldAccents, headerTokens, parseHeader } from './header-words.js';

describe('foldAccents', () => {
  it('lowercases and removes accents, ß and ligatures included', () => {
    expect(foldAccents('Straße')).toBe('strasse');
    expect(foldAccents('Téléphone')).toBe('telephone');
    expect(foldAccents('CITTÀ')).toBe('citta');
  });
});

describe('headerTokens', () => {
  it('splits camel case, numbers and e-mail spellings', () => {
    expect(headerTokens('EmailID')).toEqual(['email', 'id']);
    expect(headerTokens('MobilePhone')).toEqual(['mobile', 'phone']);
    expect(headerTokens('Street2')).toEqual(['street', '2']);
    expect(headerTokens('E-mail 1 - Value')).toEqual(['email', '1', 'value']);
    expect(headerTokens('ship-to_postal_code/zip_code')).toEqual(['ship', 'to', 'postal', 'code', 'zip', 'code']);
  });
});

describe('parseHeader', () => {
  it('tells a numbered group from a line number', () => {
    expect(parseHeader('Address 2 - City')).toMatchObject({ group: 2, ordinal: 1, member: ['city'] });
    expect(parseHeader('Address Line 2')).toMatchObject({ group: 1, ordinal: 2, core: ['address'] });
    expect(parseHeader('Billing Street2')).toMatchObject({ ordinal: 2, owners: ['billing'], core: ['street'] });
    expect(parseHeader('Secondary Phone')).toMatchObject({ ordinal: 2, core: ['phone'] });
    expect(parseHeader('Phone (2)')).toMatchObject({ ordinal: 2, core: ['phone'] });
  });
  it('drops a trailing explanation, question words and owners', () => {
    expect(parseHeader('Town (s.ville)').core).toEqual(['town']);
    expect(parseHeader('Email (required)').core).toEqual(['email']);
    expect(parseHeader('What is your email?').core).toEqual(['email']);
    expect(parseHeader('Best phone number to reach you').core).toEqual(['phone', 'number']);
    expect(parseHeader('Person - Email - Work')).toMatchObject({ core: ['email'], owners: ['person', 'work'] });
    expect(parseHeader('URN:tel').core).toEqual(['tel']);
  });
  it('keeps the words that make a column something else', () => {
    expect(parseHeader('phone_number_mutter').core).toEqual(['phone', 'number', 'mutter']);
    expect(parseHeader('Is a Company').core).toEqual(['is', 'a', 'company']);
    expect(parseHeader('Email Opt Out').core).toEqual(['email', 'opt', 'out']);
  });
});
