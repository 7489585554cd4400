import type { z } from 'zod';

/** An API error in the server's one error shape: `{ error: { code, message, details } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// The double-submit token the server set at sign-in (src/auth/session-cookies.ts): sent back on every write.
const CSRF_COOKIE = 'leadport_csrf';
const CSRF_HEADER = 'X-Leadport-CSRF';

function csrfToken(): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

type Query = Record<string, string | number | boolean | null | undefined>;

/** A path with its query string; empty and undefined values are left out. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

interface RequestOptions<T> {
  readonly query?: Query;
  /** A JSON body, or FormData for a multipart upload. */
  readonly body?: unknown;
  /** The server's response schema: the answer is parsed with it, so a drift between the sides shows at once. */
  readonly schema?: z.ZodType<T>;
  readonly signal?: AbortSignal;
}

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const { error } = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } };
    if (error?.message)
      return new ApiError(
        response.status,
        error.code ?? 'error',
        error.message,
        (error.details as Record<string, unknown>) ?? {},
      );
  } catch {
    // Not the error shape (a proxy's page, a dropped connection): say what happened in plain words below.
  }
  return new ApiError(response.status, 'http_error', `the server answered ${response.status} ${response.statusText}`);
}

/**
 * Calls the Leadport API with the browser's session cookie (and the CSRF header on writes). Resolves with the
 * parsed body (undefined for 204), rejects with an ApiError in the server's words.
 */
export async function api<T = unknown>(method: string, path: string, options: RequestOptions<T> = {}): Promise<T> {
  const headers: Record<string, string> = {};
  let body: BodyInit | undefined;
  if (options.body instanceof FormData) body = options.body;
  else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  if (method !== 'GET') {
    const token = csrfToken();
    if (token) headers[CSRF_HEADER] = token;
  }
  const response = await fetch(withQuery(path, options.query), {
    method,
    headers,
    body,
    credentials: 'same-origin',
    signal: options.signal,
  });
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  const json: unknown = await response.json();
  return options.schema ? options.schema.parse(json) : (json as T);
}

/** The message to show for any error: the server's words for an ApiError. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
