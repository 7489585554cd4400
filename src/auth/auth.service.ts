import type { Config } from '../config.js';
import { newId } from '../core/ids.js';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../db/database.js';
import type { ApiKeyTable, DB, UserTable } from '../db/schema.js';
import { AppError, isAppError } from '../errors.js';
import type { ApiKeyCreate, ApiKeyView, UserView } from './auth.schema.js';
import {
  countUsers,
  deleteSession,
  deleteUser,
  findApiKeyByHash,
  findSession,
  findUser,
  findUserByEmail,
  insertApiKey,
  insertSession,
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
  | { kind: 'source'; sourceId: string; keyId: string };

/** The CLI's user: the operator of this machine, who sees what an admin sees. */
export const OPERATOR: Principal = Object.freeze({ kind: 'admin', userId: null, keyId: null });

const SESSION_DAYS = 7;
const API_KEY_PREFIX = 'lp_';
const SESSION_PREFIX = 'lps_';

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
  await deleteSession(db, hashSecret(token));
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
  }
  throw new AppError('unauthorized', 'the API key or session is not valid');
}
