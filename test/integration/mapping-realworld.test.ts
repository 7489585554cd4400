import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STANDARD_FIELDS } from '../../src/core/catalogue.js';
import { suggestMapping } from '../../src/core/mapping.js';
import { parseFlowDefinition } from '../../src/flows/flow.schema.js';
import { openTabularFile } from '../../src/ingest/open-file.js';
import { figures, scoreMapping, totalScore, type ExpectedMapping, type Score } from '../helpers/mapping-score.js';

// The real export files of ../shared/realworld (not ours, not in the repository): a fresh clone skips this.
const folder = path.resolve(import.meta.dirname, '../../../shared/realworld');
const present = fs.existsSync(folder);

const everything = parseFlowDefinition({ id: 'all', name: 'All', fields: STANDARD_FIELDS.map((field) => ({ name: field.name })) });

// Phones where a file has several: any two of them are what a person would pick, skipping one is fine too.
const PHONE = '?phone_1|phone_2';
const thunderbird: ExpectedMapping = {
  'First Name': 'first_name', 'Last Name': 'last_name', 'Display Name': '?full_name', 'Primary Email': 'email', 'Work Phone': PHONE,
  'Home Phone': PHONE, 'Mobile Number': PHONE, 'Home Address': 'address_1', 'Home Address 2': 'address_2', 'Home City': 'city',
  'Home State': 'state', 'Home ZipCode': 'postal_code', 'Home Country': 'country', 'Work Address': '?address_1', 'Work Address 2': '?address_2',
  'Work City': '?city', 'Work State': '?state', 'Work ZipCode': '?postal_code', 'Work Country': '?country', 'Job Title': 'job_title',
  Organization: 'company', 'Web Page 1': 'website', 'Web Page 2': '?website', Notes: 'comments',
};

/** What a person would map, file by file (hand-labelled from each file's headers and values). */
const EXPECTED: Readonly<Record<string, ExpectedMapping>> = {
  'akaunting_customers.xlsx': {
    name: 'full_name|company', email: 'email', phone: 'phone_1', address: 'address_1', country: 'country', state: 'state', zip_code: 'postal_code',
    city: 'city', website: 'website', reference: '?lead_id',
  },
  'hitobito_empty_lines.csv': { Vorname: 'first_name', Nachname: 'last_name', Geburtsdatum: 'dob' },
  'hitobito_iso88591.csv': { Vorname: 'first_name', Nachname: 'last_name', Geburtsdatum: 'dob' },
  'hitobito_list.csv': {
    first_name: 'first_name', last_name: 'last_name', company_name: 'company', email: 'email', street: 'address_1', zip_code: 'postal_code',
    town: 'city', country: 'country', birthday: 'dob', phone_number_arbeit: PHONE, phone_number_mobil: PHONE, phone_number_privat: PHONE,
    social_account_webseite: '?website', additional_information: '?comments',
  },
  'invoiceninja_clients_v4_export.csv': {
    Name: 'full_name|company', 'Billing Street': 'address_1', 'Billing Apt/Suite': 'address_2', 'Billing City': 'city',
    'Billing State/Province': 'state', 'Billing Postal Code': 'postal_code', 'Billing Country': 'country', 'Shipping Street': '?address_1',
    'Shipping Apt/Suite': '?address_2', 'Shipping City': '?city', 'Shipping State/Province': '?state', 'Shipping Postal Code': '?postal_code',
    'Shipping Country': '?country', Website: 'website', Phone: PHONE, 'Public Notes': '?comments', 'Private Notes': '?comments',
    'First Name': 'first_name', 'Last Name': 'last_name', Email: 'email', 'Phone (2)': PHONE,
  },
  'invoiceninja_freshbooks_clients.csv': {
    Organization: 'company', 'First Name': 'first_name', 'Last Name': 'last_name', Email: 'email', Phone: 'phone_1', Street: 'address_1',
    City: 'city', 'Province/State': 'state', Country: 'country', 'Postal Code': 'postal_code', Notes: 'comments',
  },
  'invoiceninja_wave_clients.csv': {
    customer_name: 'full_name|company', email: 'email', contact_first_name: 'first_name', contact_last_name: 'last_name', phone: 'phone_1',
    mobile: '?phone_2', website: 'website', country: 'country', 'province/state': 'state', address_line_1: 'address_1', address_line_2: 'address_2',
    city: 'city', 'postal_code/zip_code': 'postal_code', 'ship-to_country': '?country', 'ship-to_province/state': '?state',
    'ship-to_address_line_1': '?address_1', 'ship-to_address_line_2': '?address_2', 'ship-to_city': '?city', 'ship-to_postal_code/zip_code': '?postal_code',
    'ship-to_phone': '?phone_2', delivery_instructions: '?comments',
  },
  'invoiceninja_zoho_contacts.csv': {
    'Display Name': '?full_name', 'Company Name': 'company', 'First Name': 'first_name', 'Last Name': 'last_name', Phone: PHONE, Notes: 'comments',
    Website: 'website', 'Billing Address': 'address_1', 'Billing Street2': 'address_2', 'Billing City': 'city', 'Billing State': 'state',
    'Billing Country': 'country', 'Billing Code': 'postal_code', 'Billing Phone': PHONE, 'Shipping Address': '?address_1', 'Shipping Street2': '?address_2',
    'Shipping City': '?city', 'Shipping State': '?state', 'Shipping Country': '?country', 'Shipping Code': '?postal_code', 'Shipping Phone': PHONE,
    Designation: 'job_title', EmailID: 'email', MobilePhone: PHONE, 'Customer Name': '?full_name|company', 'Customer ID': '?lead_id',
  },
  'mautic_10contacts.csv': { firstname: 'first_name', lastname: 'last_name', company: 'company', email: 'email', country: 'country' },
  'mautic_contacts_sample.csv': {
    firstname: 'first_name', lastname: 'last_name', company: 'company', position: 'job_title', email: 'email', phone: PHONE, mobile: PHONE,
    address1: 'address_1', address2: 'address_2', city: 'city', state: 'state', zipcode: 'postal_code', country: 'country', website: 'website',
  },
  'mautic_fakeleaddata.csv': {
    firstname: 'first_name', lastname: 'last_name', city: 'city', address1: 'address_1', state: 'state', zipcode: 'postal_code', country: 'country',
    email: 'email', phone: 'phone_1', company: 'company', website: 'website', ip: 'ip_address',
  },
  'odoo_customers.xls': {
    ID: '?lead_id', Name: 'full_name|company', 'Job Position': 'job_title', Email: 'email', Phone: 'phone_1', Mobile: 'phone_2', Street: 'address_1',
    Street2: 'address_2', ZIP: 'postal_code', City: 'city', State: 'state', Country: 'country', Website: 'website', Comment: 'comments',
  },
  'rapidpro_encoding_iso-8859-1.csv': { Name: 'full_name', 'URN:tel': 'phone_1' },
  'rapidpro_encoding_utf16-le.csv': { Name: 'full_name', 'URN:tel': 'phone_1' },
  'rapidpro_extra_fields_and_group.xlsx': { 'URN:Tel': 'phone_1', Name: 'full_name' },
  'rapidpro_simple.xls': { 'URN:Tel': 'phone_1', name: 'full_name' },
  'roundcube_all.csv': {
    'Display Name': '?full_name', 'First Name': 'first_name', 'Last Name': 'last_name', Company: 'company', 'Job Title': 'job_title',
    'Email Home': 'email', 'Home Phone': PHONE, 'Home Phone 2': PHONE, 'Business Phone': PHONE, 'Business Phone 2': PHONE, 'Home Mobile': PHONE,
    'Primary Phone': 'phone_1', 'Other Phone': PHONE, 'Home Street': 'address_1', 'Home City': 'city', 'Home State': 'state', 'Home Zip': 'postal_code',
    'Home Country': 'country', 'Business Street': '?address_1', 'Work City': '?city', 'Work State': '?state', 'Work Zip': '?postal_code',
    'Work Country': '?country', 'Other Street': '?address_1', 'Other City': '?city', 'Other State': '?state', 'Other Postal Code': '?postal_code',
    'Other Country/Region': '?country', Birthday: 'dob', Notes: 'comments', 'Website Home Page': '?website', 'Website Work': '?website',
    'Website Other': '?website', 'Website Blog': '?website', 'Website Profile': '?website', 'Email Work': '?email', 'Email Other': '?email',
  },
  'roundcube_gmail.csv': {
    Name: 'full_name', 'Given Name': 'first_name', 'Family Name': 'last_name', Birthday: 'dob', Notes: 'comments', Occupation: '?job_title',
    'E-mail 1 - Value': 'email', 'Phone 1 - Value': 'phone_1', 'Phone 2 - Value': '?phone_2', 'Address 1 - Street': 'address_1',
    'Address 1 - City': 'city', 'Address 1 - Region': 'state', 'Address 1 - Postal Code': 'postal_code', 'Address 1 - Country': 'country',
    'Address 1 - Extended Address': '?address_2', 'Organization 1 - Name': 'company', 'Organization 1 - Title': 'job_title', 'Website 1 - Value': 'website',
  },
  'snipeit_users-sample.csv': {
    'First Name': 'first_name', 'Last Name': 'last_name', Email: 'email', Address: 'address_1', City: 'city', State: 'state', Country: 'country',
    'Postal Code': 'postal_code', Website: 'website', Phone: 'phone_1', 'Job Title': 'job_title', Notes: 'comments', Company: 'company',
  },
  'thunderbird_basic_csv_addressbook.csv': thunderbird,
  'thunderbird_csv_no_header.csv': { 'Column 1': 'full_name', 'Column 2': 'first_name', 'Column 3': 'last_name', 'Column 4': 'email' },
  'thunderbird_csv_semicolon.csv': { 'Display Name': 'full_name', 'First Name': 'first_name', 'Last Name': 'last_name', 'Primary Email': 'email' },
  'thunderbird_export.csv': thunderbird,
  'thunderbird_utf16_addressbook.csv': thunderbird,
};

describe.skipIf(!present)('mapping the real export files of ../shared/realworld', () => {
  it('maps the columns a person would map, and nothing a person would skip', async () => {
    const scores: Score[] = [];
    for (const [name, expected] of Object.entries(EXPECTED)) {
      const file = await openTabularFile(path.join(folder, name), { maxBytes: 1 << 30 });
      try {
        const columns = suggestMapping(file.headers, everything.fields, {
          samples: file.sample.slice(0, 50).map((record) => record.cells),
          phoneRegion: 'US',
          hasHeader: file.settings.hasHeader,
        });
        scores.push(scoreMapping(name, columns, expected));
      } finally {
        file.close();
      }
    }
    const total = totalScore(scores);
    const { recall, precision } = figures(total);
    console.log(`realworld mapping: ${total.right}/${total.shouldMap} columns right (recall ${recall}%), ${total.falseMaps.length} false maps of ${total.mapped} (precision ${precision}%)`);
    if (total.misses.length > 0) console.log(`misses:\n  ${total.misses.join('\n  ')}`);
    if (total.falseMaps.length > 0) console.log(`false maps:\n  ${total.falseMaps.join('\n  ')}`);
    expect(total.falseMaps).toEqual([]);
    expect(recall).toBeGreaterThanOrEqual(97);
  });
});
