import type { FieldType } from './field-types.js';

/** A field of the standard catalogue: its fixed name, default label and type, and known header aliases. */
export interface CatalogueField {
  readonly name: string;
  readonly label: string;
  readonly type: FieldType;
}

/**
 * The standard field catalogue (a public contract, docs/flows.md). Names are fixed; a flow picks from these and adds
 * custom fields. Header synonyms used by auto-mapping live with the mapper, not here.
 */
export const STANDARD_FIELDS: readonly CatalogueField[] = Object.freeze([
  { name: 'first_name', label: 'First name', type: 'string' },
  { name: 'last_name', label: 'Last name', type: 'string' },
  { name: 'full_name', label: 'Full name', type: 'string' },
  { name: 'email', label: 'Email', type: 'email' },
  { name: 'phone_1', label: 'Phone 1', type: 'phone' },
  { name: 'phone_2', label: 'Phone 2', type: 'phone' },
  { name: 'address_1', label: 'Address 1', type: 'string' },
  { name: 'address_2', label: 'Address 2', type: 'string' },
  { name: 'city', label: 'City', type: 'string' },
  { name: 'state', label: 'State', type: 'state' },
  { name: 'postal_code', label: 'Postal code', type: 'postal_code' },
  { name: 'country', label: 'Country', type: 'country' },
  { name: 'dob', label: 'Date of birth', type: 'date' },
  { name: 'company', label: 'Company', type: 'string' },
  { name: 'job_title', label: 'Job title', type: 'string' },
  { name: 'website', label: 'Website', type: 'url' },
  { name: 'ip_address', label: 'IP address', type: 'string' },
  { name: 'comments', label: 'Comments', type: 'string' },
  { name: 'trustedform_cert_url', label: 'TrustedForm certificate URL', type: 'url' },
  { name: 'lead_id', label: 'Source lead ID', type: 'string' },
] as const satisfies CatalogueField[]);

const byName = new Map(STANDARD_FIELDS.map((field) => [field.name, field]));

/** The catalogue entry for a standard field name, or undefined for a custom field. */
export function standardField(name: string): CatalogueField | undefined {
  return byName.get(name);
}
