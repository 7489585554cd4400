import path from 'node:path';
import { z } from 'zod';

/**
 * Configuration comes only from the environment, parsed and validated once here. Every problem is reported
 * at once, and the result is frozen.
 */
const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .default('sqlite:./data/leadport.db')
    .refine((url) => url.startsWith('sqlite:') || /^postgres(ql)?:\/\//.test(url), {
      message: 'must be sqlite:<path> or postgres://...',
    }),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  LEADPORT_PUBLIC_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' })
    .refine((url) => !/[\s'"`\\<>]/.test(url), {
      message: 'must not contain spaces, quotes, backslashes or angle brackets',
    })
    .optional(),
  LEADPORT_ADMIN_EMAIL: z.email().optional(),
  LEADPORT_ADMIN_PASSWORD: z.string().min(8).optional(),
  LEADPORT_MAX_UPLOAD_MB: z.coerce.number().positive().default(512),
  LEADPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(50_000).default(1000),
  LEADPORT_IMPORT_WORKER: z.enum(['auto', 'on', 'off']).default('auto'),
  LEADPORT_IMPORT_PARTS: z.coerce.number().int().min(1).max(64).default(1),
  LEADPORT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(60_000),
  LEADPORT_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().positive().default(30),
  LEADPORT_CORS_ORIGINS: z.string().optional(),
  LEADPORT_TRUST_PROXY: z
    .string()
    .regex(/^(true|false|[\d.:a-fA-F/]+(\s*,\s*[\d.:a-fA-F/]+)*)$/, {
      message: "true, false, or the proxies' addresses/CIDRs separated by commas",
    })
    .optional(),
  LEADPORT_JOB_LEASE_SECONDS: z.coerce.number().positive().max(3600).default(30),
  LEADPORT_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  LEADPORT_FILE_RETENTION_DAYS: z.coerce.number().positive().default(30),
  LEADPORT_QUEUE: z.enum(['embedded', 'pg-boss']).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
});

/**
 * Which store DATABASE_URL names: a SQLite file (its absolute path, ":memory:" kept as is) or PostgreSQL.
 * What openStore takes, so the URL is parsed here only.
 */
type StoreSelection =
  | { readonly store: 'sqlite'; readonly sqlitePath: string }
  | { readonly store: 'postgres'; readonly sqlitePath: undefined };

export type Config = StoreSelection & ConfigValues;

interface ConfigValues {
  readonly databaseUrl: string;
  readonly port: number;
  readonly host: string;
  /** The base of every URL Leadport prints or shows (no trailing slash); unset: the listen address. */
  readonly publicUrl: string | undefined;
  readonly adminEmail: string | undefined;
  readonly adminPassword: string | undefined;
  /** The largest file an HTTP upload may be (commands reading a local file lift it: see forLocalFiles). */
  readonly maxUploadBytes: number;
  readonly batchSize: number;
  /** Read and evaluate import rows on a worker thread while the main thread stores: auto does it for large files. */
  readonly importWorker: 'auto' | 'on' | 'off';
  /**
   * Into how many parts a queued import is split (by duplicate key, docs/imports.md), each a job of its own
   * that any worker may run; 1 runs every import as one job.
   */
  readonly importParts: number;
  /**
   * How long a running job's lease lasts without renewal (renewed every third of it): after a crash, its job
   * is taken up again this long after the last renewal.
   */
  readonly jobLeaseMs: number;
  /** Jobs one worker process runs at once. */
  readonly workerConcurrency: number;
  /** Uploaded files are removed this long after their import was created; the reports stay. */
  readonly fileRetentionMs: number;
  /**
   * The job queue on PostgreSQL: `pg-boss` (the default there, docs/queue-choice.md) or `embedded` (the
   * `jobs` table, as on SQLite). SQLite always uses the embedded one.
   */
  readonly queue: 'embedded' | 'pg-boss';
  readonly logLevel: string;
  /**
   * Server log lines: `pretty` (one readable line per request) for a person at a terminal, `json` (one object
   * a line) for whatever collects logs. Unset: pretty when stdout is a terminal, JSON otherwise.
   */
  readonly logFormat: 'json' | 'pretty';
  /** Requests a minute per API key (or per address without one). */
  readonly rateLimitPerMinute: number;
  /** Requests with invalid credentials one address may send a minute before it waits 5 minutes. */
  readonly authFailuresPerMinute: number;
  /** Origins allowed by CORS; none (CORS closed) by default. */
  readonly corsOrigins: readonly string[];
  /**
   * Which reverse proxies' X-Forwarded-For to believe (Fastify's trustProxy): false (the default: the peer
   * is the client), true (any), or the proxies' addresses/CIDRs. Behind a proxy, without it every client
   * has the proxy's address, and one client's failed sign-ins lock all of them out.
   */
  readonly trustProxy: boolean | readonly string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the given environment (process.env by default) into a frozen Config, or throws every problem.
 * `stdoutIsTerminal` decides the default log format.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  stdoutIsTerminal: boolean = process.stdout.isTTY === true,
): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const values = parsed.data;
  if (Boolean(values.LEADPORT_ADMIN_EMAIL) !== Boolean(values.LEADPORT_ADMIN_PASSWORD)) {
    throw new ConfigError(['LEADPORT_ADMIN_EMAIL and LEADPORT_ADMIN_PASSWORD must be set together']);
  }
  const selection: StoreSelection = values.DATABASE_URL.startsWith('sqlite:')
    ? { store: 'sqlite', sqlitePath: sqlitePathOf(values.DATABASE_URL) }
    : { store: 'postgres', sqlitePath: undefined };
  return Object.freeze({
    ...selection,
    databaseUrl: values.DATABASE_URL,
    port: values.PORT,
    host: values.HOST,
    publicUrl: values.LEADPORT_PUBLIC_URL?.replace(/\/+$/, ''),
    adminEmail: values.LEADPORT_ADMIN_EMAIL,
    adminPassword: values.LEADPORT_ADMIN_PASSWORD,
    maxUploadBytes: Math.round(values.LEADPORT_MAX_UPLOAD_MB * 1024 * 1024),
    batchSize: values.LEADPORT_BATCH_SIZE,
    importWorker: values.LEADPORT_IMPORT_WORKER,
    importParts: values.LEADPORT_IMPORT_PARTS,
    jobLeaseMs: Math.round(values.LEADPORT_JOB_LEASE_SECONDS * 1000),
    workerConcurrency: values.LEADPORT_WORKER_CONCURRENCY,
    fileRetentionMs: Math.round(values.LEADPORT_FILE_RETENTION_DAYS * 86_400_000),
    queue: values.LEADPORT_QUEUE ?? (selection.store === 'postgres' ? 'pg-boss' : 'embedded'),
    logLevel: values.LOG_LEVEL,
    logFormat: values.LOG_FORMAT ?? (stdoutIsTerminal ? 'pretty' : 'json'),
    rateLimitPerMinute: values.LEADPORT_RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: values.LEADPORT_AUTH_FAILURES_PER_MINUTE,
    corsOrigins: (values.LEADPORT_CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    trustProxy: trustProxyOf(values.LEADPORT_TRUST_PROXY),
  });
}

/**
 * The configuration for commands that read a file on this machine (`leadport import`, `preview`,
 * `templates save`). LEADPORT_MAX_UPLOAD_MB protects the server from what clients send; a local file is the
 * operator's own and is streamed, so memory does not grow with it and no cap is needed.
 */
export function forLocalFiles(config: Config): Config {
  return Object.freeze({ ...config, maxUploadBytes: Number.POSITIVE_INFINITY });
}

function sqlitePathOf(url: string): string {
  const rest = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  if (rest === ':memory:') return rest;
  return path.resolve(rest || './data/leadport.db');
}

function trustProxyOf(value: string | undefined): boolean | readonly string[] {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  return value.split(',').map((address) => address.trim());
}
