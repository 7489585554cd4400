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
  /** The secret webhook bodies are signed with (HMAC-SHA256); made when a webhook is first set. */
  webhook_secret: string | null;
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
  /** The template the mapping was made with. */
  template_id: string | null;
  /** A CLI import's local file (read in place); null for an upload, whose file is in import_files. */
  file_path: string | null;
  /** 1 once an upload's file is stored in import_files (0 while it streams in, or a local file). */
  file_stored: number;
  /** When the retention housekeeping removed the uploaded file (the reports stay). */
  file_deleted_at: string | null;
  /** The user's mapping choices, header -> field | null | "+custom" (JSON), re-applied when the flow changes. */
  mapping_choices: string | null;
  unchanged: number;
  /** Rows whose values were fixed inline before the import ran. */
  fixed: number;
  /** How much of the file the running job has read (0..1), for the ETA. */
  fraction_read: number;
  /** The running job's lease: writes check the token in their transaction, so a stale worker cannot write. */
  lease_token: string | null;
  lease_expires_at: string | null;
  cancel_requested: number;
  /** The validation (dry run) figures (JSON, ValidationState), null before any. */
  validation: string | null;
  /** The revert's result (JSON, RevertResult), null before any. */
  revert: string | null;
  /** 1: each row names its flow and source (flow_id, source_id columns); the import's own are null. */
  route_by_columns: number;
}

/** The embedded job runner's queue. */
export interface JobTable {
  id: string;
  kind: string;
  payload: string;
  job_key: string | null;
  /** queued | running | done | failed */
  status: string;
  attempts: number;
  max_attempts: number;
  run_after: string;
  lease_token: string | null;
  lease_expires_at: string | null;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
}

/** An uploaded file, in chunks of about 1 MB, so any worker can read it. */
export interface ImportFileTable {
  import_id: string;
  chunk: number;
  data: Uint8Array;
}

/** A row the validation (dry run) found failing: the report the user reads, filters and fixes. */
export interface ImportReportRowTable {
  import_id: string;
  row_number: number;
  outcome: string;
  action: string;
  reason: string | null;
  /** The row's cells as read (JSON array), with any inline fix applied. */
  cells: string;
  duplicate_of: string | null;
  duplicate_key: string | null;
}

/** A row's values fixed inline before the import ran: the whole row's cells (JSON array). */
export interface ImportRowFixTable {
  import_id: string;
  row_number: number;
  cells: string;
  created_at: string;
}

/** One part of an import split by duplicate key (src/imports/import-parts.ts): its lease, progress and counts. */
export interface ImportPartTable {
  import_id: string;
  part: number;
  parts: number;
  /** The record number of the part's last committed batch: a resumed part starts after it. */
  committed_rows: number;
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  duplicates: number;
  fraction_read: number;
  /** The lease of the worker running the part: its batches check the token in their transaction. */
  lease_token: string | null;
  lease_expires_at: string | null;
  /** queued, processing, done (read to the end), cancelled (stopped by a cancel request), stopped (the import ended). */
  status: string;
}

/** A webhook POST for a flow's event (an import that ended), retried with backoff until delivered or given up. */
export interface WebhookDeliveryTable {
  id: string;
  flow_id: string;
  import_id: string | null;
  event: string;
  url: string;
  body: string;
  /** pending | delivered | failed */
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  delivered_at: string | null;
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

/** A source's browser session, made with one of its API keys (key_id) or a sign-in link (key_id null). */
export interface SourceSessionTable {
  token_hash: string;
  source_id: string;
  key_id: string | null;
  created_at: string;
  expires_at: string;
}

/** A one-time sign-in link an admin made for a source. */
export interface SignInLinkTable {
  token_hash: string;
  source_id: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
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
  source_sessions: SourceSessionTable;
  sign_in_links: SignInLinkTable;
  api_keys: ApiKeyTable;
  idempotency_keys: IdempotencyKeyTable;
  notifications: NotificationTable;
  jobs: JobTable;
  import_files: ImportFileTable;
  import_report_rows: ImportReportRowTable;
  import_row_fixes: ImportRowFixTable;
  webhook_deliveries: WebhookDeliveryTable;
  import_parts: ImportPartTable;
  kysely_migration: { name: string; timestamp: string };
  kysely_migration_lock: { id: string; is_locked: Generated<number> };
}
