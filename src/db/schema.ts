import type { Generated } from 'kysely';

/**
 * Table types for Kysely. Timestamps are ISO-8601 UTC text and JSON is text on both dialects, so the same
 * queries and migrations run on SQLite and PostgreSQL; booleans are 0/1 integers for the same reason.
 */
export interface FlowTable {
  id: string;
  name: string;
  /** The parsed flow spec as JSON (what the pipeline compiles). */
  spec: string;
  created_at: string;
  updated_at: string;
}

export interface FieldTable {
  flow_id: string;
  name: string;
  label: string;
  type: string;
  required: number;
  aliases: string;
  choices: string;
  custom: number;
  position: number;
}

export interface SourceTable {
  id: string;
  name: string;
  created_at: string;
}

export interface FlowSourceTable {
  flow_id: string;
  source_id: string;
}

export interface LeadTable {
  id: string;
  flow_id: string;
  source_id: string;
  import_id: string | null;
  row_number: number | null;
  /** Normalised values by field name (JSON). */
  fields: string;
  /** Raw values by field name as submitted (JSON). */
  raw: string;
  created_at: string;
  updated_at: string;
  /** How long the creating submission took to evaluate; an import row's lead stands for its creation event. */
  duration_us: number | null;
}

/** One row per duplicate key claimed by a lead: the primary key is what stops two leads sharing a key. */
export interface DuplicateKeyTable {
  scope: string;
  key: string;
  lead_id: string;
  created_at: string;
}

export interface EventTable {
  id: string;
  flow_id: string;
  source_id: string;
  import_id: string | null;
  row_number: number | null;
  outcome: string;
  /** created | updated | merged | rejected | duplicate | error */
  action: string;
  reason: string | null;
  lead_id: string | null;
  duplicate: number;
  /** For batch rows that did not create or update a lead: the original cells (JSON array). */
  raw_row: string | null;
  /** For updated leads: the fields before the update (JSON), so an import can be reverted. */
  previous: string | null;
  /** For submissions that updated or merged into a stored lead: the normalised values they carried (JSON). */
  fields: string | null;
  /** For submissions rejected as duplicates: the lead they matched, and the key's field names ("email"). */
  duplicate_of: string | null;
  duplicate_key: string | null;
  duration_us: number;
  created_at: string;
}

export interface ImportTable {
  id: string;
  flow_id: string | null;
  source_id: string | null;
  file_name: string;
  file_sha256: string | null;
  file_size: number;
  format: string;
  options: string;
  columns: string;
  mapping: string;
  status: string;
  total: number;
  created: number;
  updated: number;
  failed: number;
  duplicates: number;
  /** Rows whose results are committed: a resumed job starts after these. */
  committed_rows: number;
  error: string | null;
  started_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
}

export interface TemplateTable {
  id: string;
  flow_id: string;
  name: string;
  /** Header -> field name, or null to skip the column (JSON). */
  mapping: string;
  fingerprint: string;
  created_at: string;
  updated_at: string;
}

export interface UserTable {
  id: string;
  email: string;
  password_hash: string;
  role: string;
  created_at: string;
}

/** Session tokens are stored as SHA-256 hashes; the token itself is shown once, at login. */
export interface SessionTable {
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
}

/** API keys are stored as SHA-256 hashes (they are long random strings); the key is shown once. */
export interface ApiKeyTable {
  id: string;
  key_hash: string;
  /** The first characters of the key, to recognise it in lists. */
  prefix: string;
  /** admin | source */
  kind: string;
  source_id: string | null;
  name: string;
  created_at: string;
  revoked_at: string | null;
}

/** A submission made with an Idempotency-Key: in_flight until answered, then done with the answer. */
export interface IdempotencyKeyTable {
  scope: string;
  key: string;
  request_hash: string;
  status: string;
  response: string | null;
  created_at: string;
}

/** An in-app notification (an import that ended); a source sees those of its own imports. */
export interface NotificationTable {
  id: string;
  kind: string;
  import_id: string | null;
  flow_id: string | null;
  source_id: string | null;
  status: string;
  message: string;
  created_at: string;
  read_at: string | null;
}

export interface DB {
  flows: FlowTable;
  fields: FieldTable;
  sources: SourceTable;
  flow_sources: FlowSourceTable;
  leads: LeadTable;
  duplicate_keys: DuplicateKeyTable;
  events: EventTable;
  imports: ImportTable;
  templates: TemplateTable;
  users: UserTable;
  sessions: SessionTable;
  api_keys: ApiKeyTable;
  idempotency_keys: IdempotencyKeyTable;
  notifications: NotificationTable;
  kysely_migration: { name: string; timestamp: string };
  kysely_migration_lock: { id: string; is_locked: Generated<number> };
}
