import { describe, expect, it } from 'vitest';
import { parseFlowDefinition } from '../flows/flow.schema.js';
import { STANDARD_FIELDS } from './catalogue.js';
import { headerFingerprint, headerWords, mapRow, suggestMapping } from './mapping.js';

const custom = parseFlowDefinition({
  id: 'f',
  name: 'F',
  fields: [{ name: 'first_name' }, { name: 'email' }, { name: 'phone_1' }, { name: 'postal_code' }, { name: 'roof_type', label: 'Roof type', aliases: ['Roof'] }],
});

// A flow with the whole standard catalogue: the realistic export headers below are mapped against it.
const everything = parseFlowDefinition({ id: 'all', name: 'All', fields: STANDARD_FIELDS.map((field) => ({ name: field.name })) });

function mapped(headers: string[], samples?: string[][]): Record<string, string | null> {
  return Object.fromEntries(suggestMapping(headers, everything.fields, samples ? { samples } : {}).map((column) => [column.header, column.field]));
}

describe('suggestMapping basics', () => {
  it('matches exact names, labels, aliases and common export headers, with confidence', () => {
    const mapping = suggestMapping(['first_name', 'E-mail Address', 'Phone', 'Zip', 'ROOF', 'Favourite colour'], custom.fields);
    expect(mapping.map((c) => [c.header, c.field])).toEqual([
      ['first_name', 'first_name'],
      ['E-mail Address', 'email'],
      ['Phone', 'phone_1'],
      ['Zip', 'postal_code'],
      ['ROOF', 'roof_type'],
      ['Favourite colour', null],
    ]);
    expect(mapping[0]?.confidence).toBe(1);
    expect(mapping[1]?.confidence).toBeGreaterThan(0.8);
    expect(mapping[5]?.confidence).toBe(0);
  });
  it('never maps two columns to one field silently', () => {
    const mapping = suggestMapping(['Email', 'E-mail'], custom.fields);
    expect(mapping[0]).toMatchObject({ field: 'email' });
    expect(mapping[1]).toMatchObject({ field: null, note: 'also looks like email, which is mapped from "Email"' });
  });
  it('sends a second phone column to phone_2 when the flow has it', () => {
    expect(mapped(['Phone Number', 'Mobile Phone Number'])).toEqual({ 'Phone Number': 'phone_1', 'Mobile Phone Number': 'phone_2' });
  });
  it('normalises case, punctuation, spacing and camelCase', () => {
    expect(mapped(['EMAIL_ADDRESS', 'firstName', 'LAST-NAME', 'zip code', 'State/Region'])).toEqual({
      EMAIL_ADDRESS: 'email',
      firstName: 'first_name',
      'LAST-NAME': 'last_name',
      'zip code': 'postal_code',
      'State/Region': 'state',
    });
    expect(headerWords('emailOptOut')).toEqual(['email', 'opt', 'out']);
  });
  it('matches typos loosely, with a lower confidence', () => {
    const [column] = suggestMapping(['Emial Address'], everything.fields);
    expect(column).toMatchObject({ field: 'email' });
    expect(column?.confidence).toBeLessThan(0.85);
    expect(mapped(['Frist Name', 'Postel Code', 'Adress'])).toEqual({ 'Frist Name': 'first_name', 'Postel Code': 'postal_code', Adress: 'address_1' });
  });
  it('never maps columns that only look similar', () => {
    expect(mapped(['Email Opt Out', 'Phone Type', 'Lead Score', 'Created Date', 'Email Domain', 'Email Verified', 'Phone Ext', 'Lead Status', 'Do Not Call'])).toEqual({
      'Email Opt Out': null,
      'Phone Type': null,
      'Lead Score': null,
      'Created Date': null,
      'Email Domain': null,
      'Email Verified': null,
      'Phone Ext': null,
      'Lead Status': null,
      'Do Not Call': null,
    });
  });
  it('recognises email and phone columns by their values', () => {
    const samples = [
      ['ann@example.com', '(512) 555-0101', 'yes'],
      ['bob@example.com', '512.555.0102', 'no'],
      ['cy@example.org', '+1 512 555 0103', 'yes'],
    ];
    const mapping = suggestMapping(['Contact Info', 'Reach At', 'Opted'], everything.fields, { samples });
    expect(mapping.map((c) => c.field)).toEqual(['email', 'phone_1', null]);
    expect(mapping[0]).toMatchObject({ confidence: 0.7, note: 'its values are email addresses' });
  });
  it('does not guess from values under a qualifying header, or with too few values', () => {
    expect(suggestMapping(['Email Opt Out'], everything.fields, { samples: [['a@x.com'], ['b@x.com'], ['c@x.com']] })[0]?.field).toBeNull();
    expect(suggestMapping(['Contact'], custom.fields, { samples: [['a@x.com']] })[0]?.field).toBeNull();
  });
});

describe('realistic export headers', () => {
  it('HubSpot contacts', () => {
    expect(
      mapped(['Record ID', 'First Name', 'Last Name', 'Email', 'Phone Number', 'Mobile Phone Number', 'Street Address', 'City', 'State/Region', 'Postal Code', 'Country/Region', 'Company Name', 'Job Title', 'Website URL', 'Lead Status', 'Lifecycle Stage', 'Create Date', 'Contact owner', 'Email Domain', 'Marketing contact status']),
    ).toEqual({
      'Record ID': 'lead_id', 'First Name': 'first_name', 'Last Name': 'last_name', Email: 'email', 'Phone Number': 'phone_1',
      'Mobile Phone Number': 'phone_2', 'Street Address': 'address_1', City: 'city', 'State/Region': 'state', 'Postal Code': 'postal_code',
      'Country/Region': 'country', 'Company Name': 'company', 'Job Title': 'job_title', 'Website URL': 'website', 'Lead Status': null,
      'Lifecycle Stage': null, 'Create Date': null, 'Contact owner': null, 'Email Domain': null, 'Marketing contact status': null,
    });
  });
  it('Salesforce leads and contacts', () => {
    expect(
      mapped(['Lead ID', 'Salutation', 'First Name', 'Last Name', 'Title', 'Company / Account', 'Email', 'Phone', 'Mobile', 'Mailing Street', 'Mailing City', 'Mailing State/Province', 'Mailing Zip/Postal Code', 'Mailing Country', 'Birthdate', 'Lead Source', 'Rating', 'Email Opt Out', 'Do Not Call', 'Created Date', 'Lead Owner']),
    ).toEqual({
      'Lead ID': 'lead_id', Salutation: null, 'First Name': 'first_name', 'Last Name': 'last_name', Title: 'job_title', 'Company / Account': 'company',
      Email: 'email', Phone: 'phone_1', Mobile: 'phone_2', 'Mailing Street': 'address_1', 'Mailing City': 'city', 'Mailing State/Province': 'state',
      'Mailing Zip/Postal Code': 'postal_code', 'Mailing Country': 'country', Birthdate: 'dob', 'Lead Source': null, Rating: null,
      'Email Opt Out': null, 'Do Not Call': null, 'Created Date': null, 'Lead Owner': null,
    });
  });
  it('Zoho CRM leads', () => {
    expect(
      mapped(['Record Id', 'First Name', 'Last Name', 'Email', 'Secondary Email', 'Phone', 'Mobile', 'Company', 'Designation', 'Lead Source', 'Lead Status', 'Street', 'City', 'State', 'Zip Code', 'Country', 'Email Opt Out', 'Created Time', 'Website', 'Description']),
    ).toEqual({
      'Record Id': 'lead_id', 'First Name': 'first_name', 'Last Name': 'last_name', Email: 'email', 'Secondary Email': null, Phone: 'phone_1',
      Mobile: 'phone_2', Company: 'company', Designation: 'job_title', 'Lead Source': null, 'Lead Status': null, Street: 'address_1', City: 'city',
      State: 'state', 'Zip Code': 'postal_code', Country: 'country', 'Email Opt Out': null, 'Created Time': null, Website: 'website', Description: 'comments',
    });
  });
  it('Pipedrive persons', () => {
    expect(
      mapped(['Person - Name', 'Person - First name', 'Person - Last name', 'Person - Email - Work', 'Person - Phone - Work', 'Person - Phone - Mobile', 'Person - Organization', 'Person - Postal address', 'Person - Label', 'Person - Owner']),
    ).toEqual({
      'Person - Name': 'full_name', 'Person - First name': 'first_name', 'Person - Last name': 'last_name', 'Person - Email - Work': 'email',
      'Person - Phone - Work': 'phone_1', 'Person - Phone - Mobile': 'phone_2', 'Person - Organization': 'company', 'Person - Postal address': 'address_1',
      'Person - Label': null, 'Person - Owner': null,
    });
  });
  it('Mailchimp audience', () => {
    expect(
      mapped(['Email Address', 'First Name', 'Last Name', 'Address', 'Phone Number', 'Birthday', 'MEMBER_RATING', 'OPTIN_TIME', 'OPTIN_IP', 'CONFIRM_TIME', 'LATITUDE', 'LONGITUDE', 'TIMEZONE', 'CC', 'LAST_CHANGED', 'LEID', 'NOTES', 'TAGS']),
    ).toEqual({
      'Email Address': 'email', 'First Name': 'first_name', 'Last Name': 'last_name', Address: 'address_1', 'Phone Number': 'phone_1', Birthday: 'dob',
      MEMBER_RATING: null, OPTIN_TIME: null, OPTIN_IP: null, CONFIRM_TIME: null, LATITUDE: null, LONGITUDE: null, TIMEZONE: null, CC: null,
      LAST_CHANGED: null, LEID: null, NOTES: 'comments', TAGS: null,
    });
  });
  it('Facebook Lead Ads', () => {
    expect(
      mapped(['id', 'created_time', 'ad_id', 'ad_name', 'adset_name', 'campaign_name', 'form_name', 'is_organic', 'platform', 'full_name', 'email', 'phone_number', 'city', 'state', 'zip_code', 'lead_status']),
    ).toEqual({
      id: null, created_time: null, ad_id: null, ad_name: null, adset_name: null, campaign_name: null, form_name: null, is_organic: null, platform: null,
      full_name: 'full_name', email: 'email', phone_number: 'phone_1', city: 'city', state: 'state', zip_code: 'postal_code', lead_status: null,
    });
  });
  it('Google Ads lead forms', () => {
    expect(
      mapped(['Lead Id', 'Campaign Id', 'Gclid', 'FULL_NAME', 'FIRST_NAME', 'LAST_NAME', 'EMAIL', 'PHONE_NUMBER', 'POSTAL_CODE', 'CITY', 'REGION', 'COUNTRY', 'COMPANY_NAME', 'JOB_TITLE', 'WORK_EMAIL', 'STREET_ADDRESS']),
    ).toEqual({
      'Lead Id': 'lead_id', 'Campaign Id': null, Gclid: null, FULL_NAME: 'full_name', FIRST_NAME: 'first_name', LAST_NAME: 'last_name', EMAIL: 'email',
      PHONE_NUMBER: 'phone_1', POSTAL_CODE: 'postal_code', CITY: 'city', REGION: 'state', COUNTRY: 'country', COMPANY_NAME: 'company',
      JOB_TITLE: 'job_title', WORK_EMAIL: null, STREET_ADDRESS: 'address_1',
    });
  });
});

describe('mapRow and fingerprints', () => {
  it('builds a record of mapped cells only, with own keys only', () => {
    const raw = mapRow(['Ann', 'x', 'ann@x.com', 'Acme'], ['first_name', null, 'email', 'constructor']);
    expect(raw).toEqual({ first_name: 'Ann', email: 'ann@x.com', constructor: 'Acme' });
    expect(Object.keys(raw)).toEqual(['first_name', 'email', 'constructor']);
  });
  it('fingerprints headers ignoring case and punctuation', () => {
    expect(headerFingerprint(['E-mail', 'First Name'])).toBe(headerFingerprint(['email', 'first_name']));
    expect(headerFingerprint(['Email', 'First Name'])).not.toBe(headerFingerprint(['First Name', 'Email']));
  });
});
