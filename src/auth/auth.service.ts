import type { Config } from '../config.js';
import { newId } from '../core/ids.js';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../db/database.js';
import type { ApiKeyTable, DB, UserTable } from '../db/schema.js';
import { AppError, isAppError } from '../errors.js';
import type { ApiKeyCreate, ApiKeyView, UserView } from './auth.schema.js';
import {
  countUsers,
  consumeSignInLink,
  deleteSession,
  deleteSourceSession,
  deleteUser,
  findApiKey,
  findApiKeyByHash,
  findSession,
  findSourceSession,
  findUser,
  findUserByEmail,
  insertApiKey,
  insertSession,
  insertSignInLink,
  insertSourceSession,
  insertUser,
  listApiKeys,
  listUsers,
  revokeApiKey,
} from './auth.repository.js';
import { hashPassword, hashSecret, newSecret, verifyPassword } from './secrets.js';
import type { AuthThrottle } from './throttle.js';

/** Who is calling: an admin (by session or admin key) or one source (by its key). */
export type Principal =
  | { kind: 'admin'; userId: string | null; keyId: string | null }
  | { kind: 'source'; sourceId: string; keyId: string | null };

/** The CLI's user: the operator of this machine, who sees what an admin sees. */
export const OPERATOR: Principal = Object.freeze({ kind: 'admin', userId: null, keyId: null });

const SESSION_DAYS = 7;
// A sign-in link is for handing over now (a chat message, an e-mail), not for keeping.
const SIGN_IN_LINK_HOURS = 24;
const API_KEY_PREFIX = 'lp_';
const SESSION_PREFIX = 'lps_';
const SOURCE_SESSION_PREFIX = 'lpw_';
const SIGN_IN_LINK_PREFIX = 'lpl_';

function userView(user: UserTable): UserView {
  return { id: user.id, email: user.email, role: user.role, createdAt: user.created_at };
}

function keyView(key: ApiKeyTable): ApiKeyView {
  return {
    id: key.id,
    kind: key.kind as 'admin' | 'source',
    sourceId: key.source_id,
    name: key.name,
    prefix: key.prefix,
    createdAt: key.created_at,
    revokedAt: key.revoked_at,
  };
}

/** Creates an admin user; the email must be new. */
export async function createUser(db: Kysely<DB>, email: string, password: string): Promise<UserView> {
  const normalised = email.trim().toLowerCase();
  if (await findUserByEmail(db, normalised))
    throw new AppError('conflict', `a user with email ${normalised} exists`, { field: 'email' });
  const user: UserTable = {
    id: newId(),
    email: normalised,
    password_hash: await hashPassword(password),
    role: 'admin',
    created_at: new Date().toISOString(),
  };
  try {
    await insertUser(db, user);
  } catch (error) {
    // Two requests for the same new email at once: the unique index decides, the loser is a conflict.
    if (isUniqueViolation(error))
      throw new AppError('conflict', `a user with email ${normalised} exists`, { field: 'email' });
    throw error;
  }
  return userView(user);
}

/** Creates the first admin from LEADPORT_ADMIN_EMAIL/PASSWORD when there are no users yet. */
export async function ensureFirstAdmin(db: Kysely<DB>, config: Config): Promise<UserView | null> {
  if (!config.adminEmail || !config.adminPassword) return null;
  if ((await countUsers(db)) > 0) return null;
  return createUser(db, config.adminEmail, config.adminPassword);
}

/** The admin users, without their password hashes. */
export async function listUserViews(db: Kysely<DB>): Promise<UserView[]> {
  return (await listUsers(db)).map(userView);
}

/** Deletes an admin user; an admin cannot delete themselves (someone must be left to sign in). */
export async function removeUser(db: Kysely<DB>, actor: Principal, id: string): Promise<void> {
  if (actor.kind === 'admin' && actor.userId === id) throw new AppError('conflict', 'you cannot delete yourself');
  if ((await deleteUser(db, id)) === 0) throw new AppError('not_found', `no user with id "${id}"`);
}

/** Checks an email and password and opens a session; the token is returned once. */
export async function login(
  db: Kysely<DB>,
  email: string,
  password: string,
): Promise<{ token: string; expiresAt: string }> {
  const user = await findUserByEmail(db, email.trim());
  // Verify against a dummy hash when the user is unknown, so timing does not tell which emails exist.
  const ok = await verifyPassword(password, user?.password_hash ?? 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA');
  if (!user || !ok) throw new AppError('unauthorized', 'wrong email or password');
  const token = newSecret(SESSION_PREFIX);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + SESSION_DAYS * 86_400_000).toISOString();
  await insertSession(db, hashSecret(token), user.id, now.toISOString(), expiresAt);
  return { token, expiresAt };
}

/**
 * Sign-in as the HTTP API offers it: refused with rate_limited while this address (or this address and
 * account) has failed too often, counted when it fails.
 */
export async function signIn(
  db: Kysely<DB>,
  throttle: AuthThrottle,
  address: string,
  email: string,
  password: string,
): Promise<{ token: string; expiresAt: string }> {
  await throttle.assertAllowed(address, email);
  try {
    const session = await login(db, email, password);
    await throttle.recordSuccess(address, email);
    return session;
  } catch (error) {
    if (isAppError(error) && error.code === 'unauthorized') await throttle.recordFailure(address, email);
    throw error;
  }
}

/** Ends the session of a session token (an API key is not a session: nothing happens). */
export async function logout(db: Kysely<DB>, token: string): Promise<void> {
  if (token.startsWith(SOURCE_SESSION_PREFIX)) await deleteSourceSession(db, hashSecret(token));
  else await deleteSession(db, hashSecret(token));
}

async function openSourceSession(
  db: Kysely<DB>,
  sourceId: string,
  keyId: string | null,
): Promise<{ token: string; expiresAt: string; sourceId: string }> {
  const token = newSecret(SOURCE_SESSION_PREFIX);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + SESSION_DAYS * 86_400_000).toISOString();
  await insertSourceSession(db, {
    token_hash: hashSecret(token),
    source_id: sourceId,
    key_id: keyId,
    created_at: now.toISOString(),
    expires_at: expiresAt,
  });
  return { token, expiresAt, sourceId };
}

/**
 * A source signs in to the web app with its API key: a browser session for that source, which ends when
 * the key is revoked. Throttled and counted like a password sign-in.
 */
export async function signInSource(
  db: Kysely<DB>,
  throttle: AuthThrottle,
  address: string,
  apiKey: string,
): Promise<{ token: string; expiresAt: string; sourceId: string }> {
  await throttle.assertAllowed(address);
  const key = apiKey.startsWith(API_KEY_PREFIX) ? await findApiKeyByHash(db, hashSecret(apiKey.trim())) : undefined;
  if (key?.kind === 'admin')
    throw new AppError('unauthorized', 'this is an admin API key: admins sign in with their email and password');
  if (key?.kind !== 'source' || !key.source_id) {
    await throttle.recordFailure(address);
    throw new AppError('unauthorized', 'the API key is not valid');
  }
  return openSourceSession(db, key.source_id, key.id);
}

/** Makes a one-time sign-in link's secret for a source; the caller builds the URL. Valid for a day. */
export async function createSignInLink(
  db: Kysely<DB>,
  sourceId: string,
): Promise<{ token: string; sourceId: string; expiresAt: string }> {
  const source = await db.selectFrom('sources').select('id').where('id', '=', sourceId).executeTakeFirst();
  if (!source) throw new AppError('source_not_found', `unknown source "${sourceId}"`, { sourceId });
  const token = newSecret(SIGN_IN_LINK_PREFIX);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + SIGN_IN_LINK_HOURS * 3_600_000).toISOString();
  await insertSignInLink(db, {
    token_hash: hashSecret(token),
    source_id: sourceId,
    created_at: now.toISOString(),
    expires_at: expiresAt,
    used_at: null,
  });
  return { token, sourceId, expiresAt };
}

/** Exchanges a sign-in link (once) for a browser session of its source. */
export async function useSignInLink(
  db: Kysely<DB>,
  throttle: AuthThrottle,
  address: string,
  token: string,
): Promise<{ token: string; expiresAt: string; sourceId: string }> {
  await throttle.assertAllowed(address);
  const sourceId = token.startsWith(SIGN_IN_LINK_PREFIX)
    ? await consumeSignInLink(db, hashSecret(token), new Date().toISOString())
    : null;
  if (!sourceId) {
    await throttle.recordFailure(address);
    throw new AppError('unauthorized', 'this sign-in link is not valid: it was used already, has expired, or is wrong');
  }
  return openSourceSession(db, sourceId, null);
}

/** Who the caller is, as the web app shows it in its header. */
export async function describePrincipal(
  db: Kysely<DB>,
  principal: Principal,
): Promise<{ kind: 'admin' | 'source'; email: string | null; sourceId: string | null; sourceName: string | null }> {
  if (principal.kind === 'admin') {
    const user = principal.userId ? await findUser(db, principal.userId) : undefined;
    return { kind: 'admin', email: user?.email ?? null, sourceId: null, sourceName: null };
  }
  const source = await db.selectFrom('sources').select('name').where('id', '=', principal.sourceId).executeTakeFirst();
  return { kind: 'source', email: null, sourceId: principal.sourceId, sourceName: source?.name ?? null };
}

/** Creates an API key (admin, or for one source) and returns it with its secret, shown this once. */
export async function createApiKey(db: Kysely<DB>, request: ApiKeyCreate): Promise<ApiKeyView & { key: string }> {
  if (request.kind === 'source') {
    const source = await db.selectFrom('sources').select('id').where('id', '=', request.sourceId).executeTakeFirst();
    if (!source)
      throw new AppError('source_not_found', `unknown source "${request.sourceId}"`, { sourceId: request.sourceId });
  }
  const key = newSecret(API_KEY_PREFIX);
  const row: ApiKeyTable = {
    id: newId(),
    key_hash: hashSecret(key),
    prefix: key.slice(0, API_KEY_PREFIX.length + 6),
    kind: request.kind,
    source_id: request.kind === 'source' ? request.sourceId : null,
    name: request.name ?? (request.kind === 'source' ? `${request.sourceId} key` : 'admin key'),
    created_at: new Date().toISOString(),
    revoked_at: null,
  };
  await insertApiKey(db, row);
  return { ...keyView(row), key };
}

/** The API keys, never their secrets. */
export async function listApiKeyViews(db: Kysely<DB>): Promise<ApiKeyView[]> {
  return (await listApiKeys(db)).map(keyView);
}

/** Revokes an active API key; not_found for an unknown or already revoked one. */
export async function revokeKey(db: Kysely<DB>, id: string): Promise<void> {
  if ((await revokeApiKey(db, id, new Date().toISOString())) === 0)
    throw new AppError('not_found', `no active API key with id "${id}"`);
}

/** Resolves a bearer token (API key or session token) to a principal, or throws unauthorized. */
export async function authenticate(db: Kysely<DB>, token: string): Promise<Principal> {
  const hash = hashSecret(token);
  if (token.startsWith(SESSION_PREFIX)) {
    const session = await findSession(db, hash, new Date().toISOString());
    if (session && (await findUser(db, session.user_id)))
      return { kind: 'admin', userId: session.user_id, keyId: null };
  } else if (token.startsWith(API_KEY_PREFIX)) {
    const key = await findApiKeyByHash(db, hash);
    if (key?.kind === 'admin') return { kind: 'admin', userId: null, keyId: key.id };
    if (key?.kind === 'source' && key.source_id) return { kind: 'source', sourceId: key.source_id, keyId: key.id };
  } else if (token.startsWith(SOURCE_SESSION_PREFIX)) {
    const session = await findSourceSession(db, hash, new Date().toISOString());
    // A session made with a key lasts no longer than the key.
    if (session && (!session.key_id || (await findApiKey(db, session.key_id))))
      return { kind: 'source', sourceId: session.source_id, keyId: session.key_id };
  }
  throw new AppError('unauthorized', 'the API key or session is not valid');
}
