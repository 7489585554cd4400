/**
 * The one place where Leadport's error codes live. Every error a user or client can see is an AppError
 * with a stable snake_case code; HTTP routes and the CLI map it to a status / exit code and a message.
 * Row-level import problems are not errors: they are data on the import (events with a reason).
 */
export const ERROR_CODES = {
  bad_request: 400,
  validation_failed: 400,
  invalid_flow_definition: 400,
  file_unreadable: 400,
  file_malformed: 400,
  file_too_large: 413,
  unsupported_format: 415,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  flow_not_found: 404,
  source_not_found: 404,
  import_not_found: 404,
  template_not_found: 404,
  row_not_found: 404,
  webhook_not_found: 404,
  conflict: 409,
  template_name_taken: 409,
  idempotency_in_flight: 409,
  idempotency_mismatch: 422,
  required_fields_unmapped: 422,
  mapping_invalid: 422,
  invalid_state_transition: 409,
  rate_limited: 429,
  request_timeout: 408,
  uri_too_long: 414,
  headers_too_large: 431,
  storage_unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }
}

/** Where in a file a problem is, for messages such as "leads.csv, row 12, column email: ...". */
export interface FileLocation {
  file?: string;
  row?: number;
  line?: number;
  column?: string;
}

/** Formats a location prefix; omits the parts that are unknown. */
export function describeLocation(location: FileLocation): string {
  const parts: string[] = [];
  if (location.file) parts.push(location.file);
  if (location.line !== undefined) parts.push(`line ${location.line}`);
  else if (location.row !== undefined) parts.push(`row ${location.row}`);
  if (location.column) parts.push(`column ${location.column}`);
  return parts.join(', ');
}

/** A file-level problem: the file as a whole cannot be imported. */
export function fileError(
  code: 'file_unreadable' | 'file_malformed' | 'file_too_large' | 'unsupported_format',
  location: FileLocation,
  message: string,
): AppError {
  const where = describeLocation(location);
  return new AppError(code, where ? `${where}: ${message}` : message, { ...location });
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
