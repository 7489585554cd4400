/**
 * Vendor spellings of the standard fields' headers that the vocabulary (header-words.ts) and the header's
 * structure do not already give: abbreviations and CRM-specific names (HubSpot, Salesforce, Zoho,
 * Pipedrive, Mailchimp, Google Ads exports). Owner prefixes ("Billing City", "Person - Email - Work") and
 * numbers ("Phone 2") need no entry: parseHeader() takes them apart.
 */
export const STANDARD_SYNONYMS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  first_name: ['first', 'fname'],
  last_name: ['last', 'lname'],
  full_name: ['contact', 'person', 'lead name'],
  email: ['user email', 'email 1'],
  phone_1: ['user phone', 'phone no', 'daytime phone'],
  phone_2: ['other phone', 'evening phone'],
  address_1: ['addr', 'street 1', 'addr1'],
  address_2: ['addr2'],
  city: ['city town'],
  state: ['st', 'state code', 'mailing state province'],
  postal_code: ['mailing zip postal code'],
  country: ['country region'],
  dob: ['d.o.b.'],
  company: ['company account', 'company or account', 'account name', 'org'],
  job_title: ['job role', 'designation'],
  website: ['website url', 'company website'],
  ip_address: ['client ip', 'user ip'],
  comments: ['remarks'],
  trustedform_cert_url: [
    'trustedform cert url',
    'trustedform',
    'trusted form',
    'xxtrustedformcerturl',
    'trustedform url',
    'cert url',
  ],
  lead_id: ['leadid', 'source lead id', 'record id'],
});
