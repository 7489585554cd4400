import type { FieldValue, Scalar } from './field-types.js';
import type { DuplicateAction, DuplicatePolicy, FieldUpdatePolicy } from './flow-spec.js';

// A separator that cannot occur in normalised values, so "a|b" + "c" never equals "a" + "b|c".
const SEPARATOR = '\u001f';

/**
 * The duplicate keys of a lead under a policy: one per configured key whose fields all have a value.
 * Keys use normalised values (a lowercased email, an E.164 phone), so formatting differences still match.
 */
export function duplicateKeys(policy: DuplicatePolicy, values: Readonly<Record<string, FieldValue>>): string[] {
  const keys: string[] = [];
  for (const key of policy.keys) {
    const names = typeof key === 'string' ? [key] : key;
    const parts: string[] = [];
    for (const name of names) {
      const value = values[name];
      const part = value?.valid ? value.normal : value?.raw.trim().toLowerCase();
      if (part === null || part === undefined || part === '') break;
      parts.push(String(part));
    }
    if (parts.length === names.length) keys.push(`${names.join('+')}=${parts.join(SEPARATOR)}`);
  }
  return keys;
}

/** The scope a key is unique in: the flow, or the whole account. */
export function duplicateScope(policy: DuplicatePolicy, flowId: string): string {
  return policy.scope === 'account' ? 'account' : `flow:${flowId}`;
}

export type StoredFields = Record<string, Scalar>;

/**
 * Combines a stored lead's fields with a duplicate's: `update` overwrites with the new non-empty values,
 * `merge` fills only the fields that are empty, and a per-field policy overrides either for its field
 * (`always` also clears a value the duplicate carried blank, which arrives as null). `reject` keeps the
 * stored lead as it is.
 */
export function combineFields(
  action: DuplicateAction,
  stored: StoredFields,
  incoming: StoredFields,
  perField: Readonly<Record<string, FieldUpdatePolicy>> = {},
): StoredFields {
  if (action === 'reject') return stored;
  const result: StoredFields = Object.assign(Object.create(null) as StoredFields, stored);
  for (const [name, value] of Object.entries(incoming)) {
    const policy = perField[name] ?? (action === 'update' ? 'if_new_non_empty' : 'if_empty');
    if (value === null || value === '') {
      if (policy === 'always') delete result[name];
      continue;
    }
    const current = result[name];
    if (policy !== 'if_empty' || current === null || current === undefined || current === '') result[name] = value;
  }
  return result;
}
