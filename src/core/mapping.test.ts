import { describe, expect, it } from 'vitest';
import { parseFlowDefinition } from '../flows/flow.schema.js';
import { STANDARD_FIELDS } from './catalogue.js';
import { customFieldName, headerFingerprint, headerWords, mapRow, suggestMapping } from './mapping.js';

const custom = parseFlowDefinition({
  id: 'f',
  name: 'F',
  fields: [
    { name: 'first_name' },
    { name: 'email' },
    { name: 'phone_1' },
    { name: 'postal_code' },
    { name: 'roof_type', label: 'Roof type', aliases: ['Roof'] },
  ],
});

// A flow with the whole standard catalogue: the realistic export headers below are mapped against it.
const everything = parseFlowDefinition({
  id: 'all',
  name: 'All',
  fields: STANDARD_FIELDS.map((field) => ({ name: field.name })),
});

function mapped(headers: string[], samples?: string[][]): Record<string, string | null> {
  return Object.fromEntries(
    suggestMapping(headers, everything.fields, samples ? { samples } : {}).map((column) => [
      column.header,
      column.field,
    ]),
  );
}

describe('suggestMapping basics', () => {
  it('matches exact names, labels, aliases and common export headers, with confidence', () => {
    const mapping = suggestMapping(
      ['first_name', 'E-mail Address', 'Phone', 'Zip', 'ROOF', 'Favourite colour'],
      custom.fields,
    );
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
    expect(mapped(['Phone Number', 'Mobile Phone Number'])).toEqual({
      'Phone Number': 'phone_1',
      'Mobile Phone Number': 'phone_2',
    });
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
    expect(mapped(['Frist Name', 'Postel Code', 'Adress'])).toEqual({
      'Frist Name': 'first_name',
      'Postel Code': 'postal_code',
      Adress: 'address_1',
    });
  });
  it('never maps columns that only look similar', () => {
    expect(
      mapped([
        'Email Opt Out',
        'Phone Type',
        'Lead Score',
        'Created Date',
        'Email Domain',
        'Email Verified',
        'Phone Ext',
        'Lead Status',
        'Do Not Call',
      ]),
    ).toEqual({
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
    expect(
      suggestMapping(['Email Opt Out'], everything.fields, { samples: [['a@x.com'], ['b@x.com'], ['c@x.com']] })[0]
        ?.field,
    ).toBeNull();
    expect(suggestMapping(['Contact'], custom.fields, { samples: [['a@x.com']] })[0]?.field).toBeNull();
  });
});

describe('realistic export headers', () => {
  it('HubSpot contacts', () => {
    expect(
      mapped([
        'Record ID',
        'First Name',
        'Last Name',
        'Email',
        'Phone Number',
        'Mobile Phone Number',
        'Street Address',
        'City',
        'State/Region',
        'Postal Code',
        'Country/Region',
        'Company Name',
        'Job Title',
        'Website URL',
        'Lead Status',
        'Lifecycle Stage',
        'Create Date',
        'Contact owner',
        'Email Domain',
        'Marketing contact status',
      ]),
    ).toEqual({
      'Record ID': 'lead_id',
      'First Name': 'first_name',
      'Last Name': 'last_name',
      Email: 'email',
      'Phone Number': 'phone_1',
      'Mobile Phone Number': 'phone_2',
      'Street Address': 'address_1',
      City: 'city',
      'State/Region': 'state',
      'Postal Code': 'postal_code',
      'Country/Region': 'country',
      'Company Name': 'company',
      'Job Title': 'job_title',
      'Website URL': 'website',
      'Lead Status': null,
      'Lifecycle Stage': null,
      'Create Date': null,
      'Contact owner': null,
      'Email Domain': null,
      'Marketing contact status': null,
    });
  });
  it('Salesforce leads and contacts', () => {
    expect(
      mapped([
        'Lead ID',
        'Salutation',
        'First Name',
        'Last Name',
        'Title',
        'Company / Account',
        'Email',
        'Phone',
        'Mobile',
        'Mailing Street',
        'Mailing City',
        'Mailing State/Province',
        'Mailing Zip/Postal Code',
        'Mailing Country',
        'Birthdate',
        'Lead Source',
        'Rating',
        'Email Opt Out',
        'Do Not Call',
        'Created Date',
        'Lead Owner',
      ]),
    ).toEqual({
      'Lead ID': 'lead_id',
      Salutation: null,
      'First Name': 'first_name',
      'Last Name': 'last_name',
      Title: 'job_title',
      'Company / Account': 'company',
      Email: 'email',
      Phone: 'phone_1',
      Mobile: 'phone_2',
      'Mailing Street': 'address_1',
      'Mailing City': 'city',
      'Mailing State/Province': 'state',
      'Mailing Zip/Postal Code': 'postal_code',
      'Mailing Country': 'country',
      Birthdate: 'dob',
      'Lead Source': null,
      Rating: null,
      'Email Opt Out': null,
      'Do Not Call': null,
      'Created Date': null,
      'Lead Owner': null,
    });
  });
  it('Zoho CRM leads', () => {
    expect(
      mapped([
        'Record Id',
        'First Name',
        'Last Name',
        'Email',
        'Secondary Email',
        'Phone',
        'Mobile',
        'Company',
        'Designation',
        'Lead Source',
        'Lead Status',
        'Street',
        'City',
        'State',
        'Zip Code',
        'Country',
        'Email Opt Out',
        'Created Time',
        'Website',
        'Description',
      ]),
    ).toEqual({
      'Record Id': 'lead_id',
      'First Name': 'first_name',
      'Last Name': 'last_name',
      Email: 'email',
      'Secondary Email': null,
      Phone: 'phone_1',
      Mobile: 'phone_2',
      Company: 'company',
      Designation: 'job_title',
      'Lead Source': null,
      'Lead Status': null,
      Street: 'address_1',
      City: 'city',
      State: 'state',
      'Zip Code': 'postal_code',
      Country: 'country',
      'Email Opt Out': null,
      'Created Time': null,
      Website: 'website',
      Description: 'comments',
    });
  });
  it('Pipedrive persons', () => {
    expect(
      mapped([
        'Person - Name',
        'Person - First name',
        'Person - Last name',
        'Person - Email - Work',
        'Person - Phone - Work',
        'Person - Phone - Mobile',
        'Person - Organization',
        'Person - Postal address',
        'Person - Label',
        'Person - Owner',
      ]),
    ).toEqual({
      'Person - Name': 'full_name',
      'Person - First name': 'first_name',
      'Person - Last name': 'last_name',
      'Person - Email - Work': 'email',
      'Person - Phone - Work': 'phone_1',
      'Person - Phone - Mobile': 'phone_2',
      'Person - Organization': 'company',
      'Person - Postal address': 'address_1',
      'Person - Label': null,
      'Person - Owner': null,
    });
  });
  it('Mailchimp audience', () => {
    expect(
      mapped([
        'Email Address',
        'First Name',
        'Last Name',
        'Address',
        'Phone Number',
        'Birthday',
        'MEMBER_RATING',
        'OPTIN_TIME',
        'OPTIN_IP',
        'CONFIRM_TIME',
        'LATITUDE',
        'LONGITUDE',
        'TIMEZONE',
        'CC',
        'LAST_CHANGED',
        'LEID',
        'NOTES',
        'TAGS',
      ]),
    ).toEqual({
      'Email Address': 'email',
      'First Name': 'first_name',
      'Last Name': 'last_name',
      Address: 'address_1',
      'Phone Number': 'phone_1',
      Birthday: 'dob',
      MEMBER_RATING: null,
      OPTIN_TIME: null,
      OPTIN_IP: null,
      CONFIRM_TIME: null,
      LATITUDE: null,
      LONGITUDE: null,
      TIMEZONE: null,
      CC: null,
      LAST_CHANGED: null,
      LEID: null,
      NOTES: 'comments',
      TAGS: null,
    });
  });
  // The lead-ads export's own `id` is the platform's lead id: the source's lead_id (issue 10; it was skipped).
  it('Facebook Lead Ads', () => {
    expect(
      mapped([
        'id',
        'created_time',
        'ad_id',
        'ad_name',
        'adset_name',
        'campaign_name',
        'form_name',
        'is_organic',
        'platform',
        'full_name',
        'email',
        'phone_number',
        'city',
        'state',
        'zip_code',
        'lead_status',
      ]),
    ).toEqual({
      id: 'lead_id',
      created_time: null,
      ad_id: null,
      ad_name: null,
      adset_name: null,
      campaign_name: null,
      form_name: null,
      is_organic: null,
      platform: null,
      full_name: 'full_name',
      email: 'email',
      phone_number: 'phone_1',
      city: 'city',
      state: 'state',
      zip_code: 'postal_code',
      lead_status: null,
    });
  });
  it('Google Ads lead forms', () => {
    expect(
      mapped([
        'Lead Id',
        'Campaign Id',
        'Gclid',
        'FULL_NAME',
        'FIRST_NAME',
        'LAST_NAME',
        'EMAIL',
        'PHONE_NUMBER',
        'POSTAL_CODE',
        'CITY',
        'REGION',
        'COUNTRY',
        'COMPANY_NAME',
        'JOB_TITLE',
        'WORK_EMAIL',
        'STREET_ADDRESS',
      ]),
    ).toEqual({
      'Lead Id': 'lead_id',
      'Campaign Id': null,
      Gclid: null,
      FULL_NAME: 'full_name',
      FIRST_NAME: 'first_name',
      LAST_NAME: 'last_name',
      EMAIL: 'email',
      PHONE_NUMBER: 'phone_1',
      POSTAL_CODE: 'postal_code',
      CITY: 'city',
      REGION: 'state',
      COUNTRY: 'country',
      COMPANY_NAME: 'company',
      JOB_TITLE: 'job_title',
      WORK_EMAIL: null,
      STREET_ADDRESS: 'address_1',
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

describe('structured headers (issue 10)', () => {
  it('reads numbered groups: "E-mail 1 - Value", "Address 1 - City", "Organization 1 - Title"', () => {
    expect(
      mapped([
        'E-mail 1 - Type',
        'E-mail 1 - Value',
        'E-mail 2 - Value',
        'Phone 1 - Value',
        'Address 1 - Street',
        'Address 1 - City',
        'Address 1 - Region',
        'Address 1 - Postal Code',
        'Address 1 - Country',
        'Address 1 - Formatted',
        'Address 2 - City',
        'Organization 1 - Name',
        'Organization 1 - Title',
        'Organization 1 - Department',
        'Website 1 - Value',
        'Relation 1 - Value',
      ]),
    ).toEqual({
      'E-mail 1 - Type': null,
      'E-mail 1 - Value': 'email',
      'E-mail 2 - Value': null,
      'Phone 1 - Value': 'phone_1',
      'Address 1 - Street': 'address_1',
      'Address 1 - City': 'city',
      'Address 1 - Region': 'state',
      'Address 1 - Postal Code': 'postal_code',
      'Address 1 - Country': 'country',
      'Address 1 - Formatted': null,
      'Address 2 - City': null,
      'Organization 1 - Name': 'company',
      'Organization 1 - Title': 'job_title',
      'Organization 1 - Department': null,
      'Website 1 - Value': 'website',
      'Relation 1 - Value': null,
    });
  });
  it('finds a field inside a longer header: owners, suffixes, slashes, camel case, URNs, questions', () => {
    expect(
      mapped([
        'Town (s.ville)',
        'Zip (s.cp)',
        'Email (s.email)',
        'Province/State',
        'MobilePhone',
        'URN:tel',
        'company_name',
        'Job Position',
        'Web Page 1',
      ]),
    ).toEqual({
      'Town (s.ville)': 'city',
      'Zip (s.cp)': 'postal_code',
      'Email (s.email)': 'email',
      'Province/State': 'state',
      MobilePhone: 'phone_1',
      'URN:tel': 'phone_2',
      company_name: 'company',
      'Job Position': 'job_title',
      'Web Page 1': 'website',
    });
    expect(mapped(['postal_code/zip_code'])).toEqual({ 'postal_code/zip_code': 'postal_code' });
    expect(mapped(['Billing Code', 'Currency Code', 'Code'])).toEqual({
      'Billing Code': 'postal_code',
      'Currency Code': null,
      Code: null,
    });
    expect(mapped(['EmailID', 'Primary Phone', 'phone_number_mobil', 'position'])).toEqual({
      EmailID: 'email',
      'Primary Phone': 'phone_1',
      phone_number_mobil: 'phone_2',
      position: 'job_title',
    });
    expect(mapped(['Email Home', 'Mobile Number', 'contact_first_name', 'Person - Email - Work'])).toMatchObject({
      'Email Home': 'email',
      'Mobile Number': 'phone_1',
      contact_first_name: 'first_name',
    });
    expect(
      mapped([
        'What is your email?',
        'Best phone number to reach you',
        "What's your first name?",
        'And your last name?',
        'Your ZIP code',
      ]),
    ).toEqual({
      'What is your email?': 'email',
      'Best phone number to reach you': 'phone_1',
      "What's your first name?": 'first_name',
      'And your last name?': 'last_name',
      'Your ZIP code': 'postal_code',
    });
  });
  it('knows the common header words of seven languages, with and without accents', () => {
    const languages: Record<string, string[]> = {
      de: [
        'Vorname',
        'Nachname',
        'E-Mail-Adresse',
        'Telefonnummer',
        'Straße',
        'Ort',
        'Bundesland',
        'PLZ',
        'Land',
        'Geburtsdatum',
        'Firma',
        'Berufsbezeichnung',
        'Webseite',
        'Bemerkungen',
      ],
      fr: [
        'Prénom',
        'Nom',
        'Courriel',
        'Téléphone',
        'Adresse',
        'Ville',
        'Région',
        'Code postal',
        'Pays',
        'Date de naissance',
        'Société',
        'Fonction',
        'Site web',
        'Commentaires',
      ],
      es: [
        'Nombre',
        'Apellidos',
        'Correo electrónico',
        'Teléfono',
        'Dirección',
        'Ciudad',
        'Provincia',
        'Código postal',
        'País',
        'Fecha de nacimiento',
        'Empresa',
        'Puesto',
        'Sitio web',
        'Observaciones',
      ],
      pt: [
        'Nome',
        'Sobrenome',
        'E-mail',
        'Telefone',
        'Endereço',
        'Cidade',
        'Estado',
        'CEP',
        'País',
        'Data de nascimento',
        'Empresa',
        'Cargo',
        'Site',
        'Observações',
      ],
      it: [
        'Nome',
        'Cognome',
        'Posta elettronica',
        'Telefono',
        'Indirizzo',
        'Città',
        'Regione',
        'CAP',
        'Paese',
        'Data di nascita',
        'Azienda',
        'Ruolo',
        'Sito web',
        'Note',
      ],
      nl: [
        'Voornaam',
        'Achternaam',
        'E-mailadres',
        'Telefoon',
        'Adres',
        'Plaats',
        'Provincie',
        'Postcode',
        'Land',
        'Geboortedatum',
        'Bedrijf',
        'Functie',
        'Website',
        'Opmerkingen',
      ],
    };
    const fields = [
      'first_name',
      'last_name',
      'email',
      'phone_1',
      'address_1',
      'city',
      'state',
      'postal_code',
      'country',
      'dob',
      'company',
      'job_title',
      'website',
      'comments',
    ];
    for (const [language, headers] of Object.entries(languages)) {
      expect(
        suggestMapping(headers, everything.fields).map((column) => column.field),
        language,
      ).toEqual(fields);
      const plain = headers.map((header) =>
        header
          .normalize('NFD')
          .replace(/[\u0300-\u036f]/g, '')
          .toUpperCase(),
      );
      expect(
        suggestMapping(plain, everything.fields).map((column) => column.field),
        `${language} without accents`,
      ).toEqual(fields);
    }
  });
  it("maps a lead-ads export's own id to lead_id, and only there", () => {
    expect(mapped(['id', 'ad_id', 'form_id', 'email'])).toMatchObject({ id: 'lead_id' });
    expect(mapped(['lead_id', 'email'])).toMatchObject({ lead_id: 'lead_id' });
    expect(mapped(['id', 'email'])).toMatchObject({ id: null });
  });
  it('sends a second line or number to the second field', () => {
    expect(mapped(['Billing Address', 'Billing Street2', 'Shipping Address', 'Shipping Street2'])).toEqual({
      'Billing Address': 'address_1',
      'Billing Street2': 'address_2',
      'Shipping Address': null,
      'Shipping Street2': null,
    });
    expect(mapped(['Address Line 1', 'Address Line 2'])).toEqual({
      'Address Line 1': 'address_1',
      'Address Line 2': 'address_2',
    });
    expect(mapped(['Adresse', 'Adresse 2', 'Phone', 'Phone 2'])).toEqual({
      Adresse: 'address_1',
      'Adresse 2': 'address_2',
      Phone: 'phone_1',
      'Phone 2': 'phone_2',
    });
    expect(mapped(['Street', 'Street2', 'Secondary Phone'])).toEqual({
      Street: 'address_1',
      Street2: 'address_2',
      'Secondary Phone': 'phone_2',
    });
  });
});

describe('false maps (issue 10)', () => {
  const rows = (...columns: string[][]) =>
    (columns[0] ?? []).map((_, row) => columns.map((column) => column[row] ?? ''));
  it('lets sample values veto a header: salutations, day numbers, yes/no flags', () => {
    const samples = rows(
      ['Mr.', 'Mrs.', 'Ms.', 'Mr.'],
      ['1', '17', '31', '4'],
      ['ja', '1', 'JA', 'nein'],
      ['Acme', 'Globex', '', 'Initech'],
    );
    const mapping = suggestMapping(['title', 'Birthday', 'company', 'company_name'], everything.fields, { samples });
    expect(mapping.map((column) => column.field)).toEqual([null, null, null, 'company']);
    expect(mapping[0]?.note).toBe('not job_title: its values are salutations (Mr., Mrs.)');
    expect(mapping[1]?.note).toBe('not dob: its values are not dates');
    expect(mapping[2]?.note).toBe('not company: its values are yes/no flags');
  });
  it("never takes a date part or a relative's phone for the field", () => {
    expect(mapped(['Birth Year', 'Birth Month', 'Birth Day'])).toEqual({
      'Birth Year': null,
      'Birth Month': null,
      'Birth Day': null,
    });
    expect(
      mapped([
        'phone_number_mutter',
        'Telefon Mutter',
        'phone_number_vater',
        "Assistant's Phone",
        'Emergency Contact Phone',
        'Spouse Phone',
      ]),
    ).toEqual({
      phone_number_mutter: null,
      'Telefon Mutter': null,
      phone_number_vater: null,
      "Assistant's Phone": null,
      'Emergency Contact Phone': null,
      'Spouse Phone': null,
    });
  });
  it('leaves Location, Manager and Gravatar unmapped', () => {
    const samples = rows(
      ['Block Inc', 'Mueller LLC', 'Mayer and Sons'],
      ['Ann Lee', 'Bob Ray', ''],
      ['a@soup.io', 'b@soup.io', 'c@soup.io'],
      ['x@y.com', 'z@y.com', 'q@y.com'],
    );
    const mapping = suggestMapping(['Location', 'Manager', 'Gravatar', 'Email'], everything.fields, { samples });
    expect(mapping.map((column) => column.field)).toEqual([null, null, null, 'email']);
  });
  it('prefers a clear job title to an ambiguous "Title"', () => {
    expect(mapped(['Title', 'Job Title'])).toEqual({ Title: null, 'Job Title': 'job_title' });
    expect(mapped(['title', 'position'])).toEqual({ title: null, position: 'job_title' });
  });
});

describe('files without a header row (issue 10)', () => {
  it('maps columns from their values, names only when evident', () => {
    const samples = [
      [
        'John Doe',
        'John',
        'Doe',
        'john@doe.invalid',
        '(512) 555-0101',
        '78701',
        '1980-04-02',
        'https://doe.example',
        'TX',
      ],
      ['Jane Roe', 'Jane', 'Roe', 'jane@roe.invalid', '512-555-0102', '75201', '1975-11-30', 'www.roe.example', 'CA'],
      ['Max Poe', 'Max', 'Poe', 'max@poe.invalid', '', '77002', '1990-01-15', 'poe.example', 'NY'],
    ];
    const headers = samples[0]!.map((_, index) => `Column ${index + 1}`);
    const mapping = suggestMapping(headers, everything.fields, { samples, hasHeader: false });
    expect(mapping.map((column) => column.field)).toEqual([
      'full_name',
      'first_name',
      'last_name',
      'email',
      'phone_1',
      'postal_code',
      'dob',
      'website',
      'state',
    ]);
    expect(mapping[3]?.confidence).toBeLessThan(0.8);
    expect(
      suggestMapping(['Column 1', 'Column 2'], everything.fields, {
        samples: [
          ['Ann', 'Blue'],
          ['Bob', 'Red'],
        ],
        hasHeader: false,
      }).map((c) => c.field),
    ).toEqual([null, null]);
  });
});

describe('customFieldName', () => {
  it('is the header in snake_case without accents', () => {
    expect(customFieldName('Roof type', 0)).toBe('roof_type');
    expect(customFieldName('Société (raison)', 0)).toBe('societe_raison');
    expect(customFieldName('howDidYouHear', 0)).toBe('how_did_you_hear');
    expect(customFieldName('2024 budget', 4)).toBe('column_5');
    expect(customFieldName('???', 1)).toBe('column_2');
  });
});
