/**
 * How CRMs, ad platforms and people name the standard fields' columns (HubSpot, Salesforce, Zoho,
 * Pipedrive, Mailchimp, Facebook Lead Ads, Google Ads exports). Compared after squash() (lowercase,
 * letters and digits only), so "E-mail Address", "EMAIL_ADDRESS" and "emailAddress" are one entry.
 */
export const STANDARD_SYNONYMS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  first_name: ['first name', 'firstname', 'fname', 'first', 'given name', 'forename', 'contact first name', 'lead first name', 'prenom', 'person first name'],
  last_name: ['last name', 'lastname', 'lname', 'last', 'surname', 'family name', 'contact last name', 'lead last name', 'person last name'],
  full_name: ['full name', 'name', 'contact name', 'lead name', 'contact', 'your name', 'customer name', 'person name'],
  email: ['email', 'e-mail', 'email address', 'e-mail address', 'mail', 'email 1', 'primary email', 'work email', 'business email', 'contact email', 'user email', 'email id', 'person email', 'person email work', 'person email home', 'person email other'],
  phone_1: ['phone', 'phone number', 'phone 1', 'phone1', 'telephone', 'tel', 'mobile', 'mobile phone', 'mobile phone number', 'mobile number', 'cell', 'cell phone', 'cellphone', 'primary phone', 'business phone', 'work phone', 'contact phone', 'phone no', 'daytime phone', 'home phone', 'user phone', 'person phone', 'person phone work', 'person phone mobile', 'person phone home'],
  phone_2: ['phone 2', 'phone2', 'secondary phone', 'alternate phone', 'alt phone', 'other phone', 'evening phone', 'second phone'],
  address_1: ['address', 'address 1', 'address1', 'address line 1', 'street', 'street address', 'mailing street', 'street 1', 'addr1', 'billing street', 'person postal address'],
  address_2: ['address 2', 'address2', 'address line 2', 'street 2', 'apt', 'suite', 'unit', 'addr2'],
  city: ['city', 'town', 'mailing city', 'billing city', 'locality', 'city town'],
  state: ['state', 'state region', 'region', 'province', 'state province', 'mailing state province', 'mailing state', 'billing state', 'st', 'state code', 'state/region'],
  postal_code: ['postal code', 'zip', 'zip code', 'zipcode', 'postcode', 'post code', 'mailing zip postal code', 'mailing postal code', 'billing zip', 'zip postal code', 'postal', 'postal zip code'],
  country: ['country', 'country region', 'mailing country', 'billing country', 'nation', 'person country'],
  dob: ['dob', 'date of birth', 'birth date', 'birthdate', 'birthday', 'd.o.b.'],
  company: ['company', 'company name', 'organization', 'organisation', 'organization name', 'business name', 'employer', 'account name', 'org', 'company account', 'person organization', 'organization name', 'company or account'],
  job_title: ['job title', 'title', 'position', 'role', 'job role', 'designation'],
  website: ['website', 'web site', 'url', 'website url', 'company website', 'homepage', 'web'],
  ip_address: ['ip', 'ip address', 'ipaddress', 'client ip', 'user ip'],
  comments: ['comments', 'comment', 'notes', 'note', 'message', 'description', 'remarks'],
  trustedform_cert_url: ['trustedform cert url', 'trustedform', 'trusted form', 'xxtrustedformcerturl', 'trustedform url', 'cert url'],
  lead_id: ['lead id', 'leadid', 'external id', 'source lead id', 'reference', 'ref', 'record id'],
});
